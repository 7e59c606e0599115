"""Sample size (DESIGN §4.13 and the §4 reference table) and allocation to strata."""

from __future__ import annotations

import pytest

from sampling.allocation import PrecisionTarget, allocate, floor_size, sample_size
from sampling.errors import AllocationError


@pytest.mark.parametrize(("margin", "expected"), [(3, 587), (5, 297)])
def test_design_reference_figures(margin: float, expected: int) -> None:
    # DESIGN §4 "Reference figures": N = 1300, p = 0.5, 95 %: ±3 points → 587, ±5 → 297.
    # Reproduced with the exact z, the fpc formula and a single ceiling; the draw size is
    # then raised to the 50 % floor (650).
    result = sample_size(1300, PrecisionTarget(margin=margin, p=0.5, confidence=0.95))
    assert result.n_precision == expected
    assert result.floor == 650
    assert result.n == 650
    assert f"→ {expected}" in result.formula


def test_reference_figures_also_with_rounded_z() -> None:
    # With z = 1.96 exactly: n0 = 1.96² · 50² / 3² = 1067.11, n = 586.30 → ceil 587.
    n0 = 1.96**2 * 2500 / 9
    assert 586 < 1300 * n0 / (n0 + 1299) < 587


def test_proportion_scale_and_response_rate() -> None:
    points = sample_size(100_000, PrecisionTarget(margin=3))
    share = sample_size(100_000, PrecisionTarget(margin=0.03, scale="proportion"))
    assert points.n_precision == share.n_precision
    halved = sample_size(100_000, PrecisionTarget(margin=3, response_rate=0.5))
    assert halved.n_issued == pytest.approx(2 * points.n_fpc, abs=1)
    assert halved.n == 50_000  # the floor dominates


def test_never_above_population() -> None:
    result = sample_size(10, PrecisionTarget(margin=0.1, response_rate=0.1))
    assert result.n == 10


def test_min_fraction_below_half_is_refused() -> None:
    with pytest.raises(AllocationError, match=r"at least 0\.5"):
        allocate({("E", "web"): 10}, min_fraction=0.4)
    with pytest.raises(AllocationError, match=r"at least 0\.5"):
        sample_size(100, PrecisionTarget(margin=3), min_fraction=0.3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"margin": 0}, "margin"),
        ({"margin": 3, "p": 1.0}, "p must be"),
        ({"margin": 3, "s": -1}, "S must be"),
        ({"margin": 3, "confidence": 1.2}, "confidence"),
        ({"margin": 3, "response_rate": 0}, "response rate"),
    ],
)
def test_bad_targets(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(AllocationError, match=message):
        sample_size(100, PrecisionTarget(**kwargs))  # type: ignore[arg-type]


def test_floor_and_small_strata() -> None:
    assert [floor_size(n) for n in (1, 2, 3, 4, 5, 1201)] == [1, 2, 3, 2, 3, 601]
    assert floor_size(10, 0.75) == 8
    sizes = {("E", "a"): 1201, ("E", "b"): 3, ("F", "a"): 7}
    assert allocate(sizes) == {("E", "a"): 601, ("E", "b"): 3, ("F", "a"): 4}
    assert allocate(sizes, min_fraction=1.0) == sizes


def test_target_is_spread_proportionally_and_never_below_floor() -> None:
    sizes = {("E", "a"): 9000, ("E", "b"): 1000, ("F", "a"): 100}
    allocation = allocate(sizes, target=PrecisionTarget(margin=0.5))
    enterprise_n = sample_size(10_000, PrecisionTarget(margin=0.5)).n_issued
    assert allocation[("E", "a")] + allocation[("E", "b")] >= enterprise_n
    assert allocation[("E", "a")] == pytest.approx(0.9 * enterprise_n, abs=1)
    assert allocation[("F", "a")] >= 50
    assert all(allocation[k] >= floor_size(v) for k, v in sizes.items())
