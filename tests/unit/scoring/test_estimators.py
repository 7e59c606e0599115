"""Composite SE by brute-force linearisation, domains, rescaling and invariance properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.design import make_design
from scoring.estimators import (
    composite_mean,
    dimension_scores,
    domain_means,
    hajek_fit,
    rescale_items,
    stratified_means,
)
from scoring.instrument import DimensionSpec, ItemSpec


def _tiny() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stratum = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2])
    pop = np.array([7.0, 9.0, 4.0])
    y = np.array(
        [[60, 80], [75, np.nan], [90, 70], [40, 55], [np.nan, 65], [85, 90], [70, 60],
         [50, 45], [65, 80]], dtype=float,
    )  # fmt: skip
    return stratum, pop, y


def _composite_from_weights(w: np.ndarray, y: np.ndarray, omega: np.ndarray) -> float:
    present = ~np.isnan(y)
    means = [np.sum(w[p] * y[p, d]) / np.sum(w[p]) for d, p in enumerate(present.T)]
    return float(np.dot(omega, means))


def test_composite_se_by_numerical_influence() -> None:
    """z_i = w_i ∂Ĉ/∂w_i by finite differences, then the stratified variance by explicit loops."""
    stratum, pop, y = _tiny()
    omega = np.array([0.6, 0.4])
    design = make_design(stratum, pop)
    comp = composite_mean(hajek_fit(y, design), omega, design).at(0)
    w = design.weight
    base = _composite_from_weights(w, y, omega)
    eps = 1e-6
    z = np.array(
        [
            w[i] * (_composite_from_weights(w + eps * np.eye(len(w))[i], y, omega) - base) / eps
            for i in range(len(w))
        ]
    )
    var = 0.0
    for h in range(3):
        zh = z[stratum == h]
        r = zh.size
        var += (1 - r / pop[h]) * r / (r - 1) * np.sum((zh - zh.mean()) ** 2)
    assert comp.estimate == pytest.approx(base, rel=1e-12)
    assert comp.se == pytest.approx(np.sqrt(var), rel=1e-5)


def test_domain_keeps_full_design_and_matches_direct_formula() -> None:
    stratum, pop, y = _tiny()
    design = make_design(stratum, pop)
    domain = np.array([0, 1, 0, 1, 0, 0, 1, 1, 0])
    t = domain_means(y[:, :1], design, domain, 2)
    for c in range(2):
        ind = np.where(domain == c, y[:, 0], np.nan)
        direct = stratified_means(ind, design)  # NaN outside = domain of the full design
        assert t.estimate[0, c, 0] == pytest.approx(direct.estimate[0, 0], rel=1e-12)
        assert t.se[0, c, 0] == pytest.approx(direct.se[0, 0], rel=1e-9)


def test_census_strata_contribute_zero() -> None:
    design = make_design([0, 0, 0, 1, 1], [3, 2])
    t = stratified_means(np.array([1.0, 5.0, 9.0, 2.0, 4.0]), design)
    assert t.se[0, 0] == 0.0


def test_rescale_and_reverse() -> None:
    x = np.array([[1.0, 5.0, 3.0], [np.nan, 1.0, 7.0]])
    s = rescale_items(x, [5, 5, 7], [False, True, False])
    np.testing.assert_allclose(s, [[0.0, 0.0, 100 / 3], [np.nan, 100.0, 100.0]])


def test_min_answered_share() -> None:
    dims = [DimensionSpec("d", tuple(ItemSpec(c, 5) for c in "abcd"))]
    s = np.array([[50.0, np.nan, np.nan, np.nan], [50.0, 100.0, np.nan, np.nan]])
    out = dimension_scores(s, dims, list("abcd"), 0.5)  # needs ceil(0.5·4) = 2 items
    assert np.isnan(out[0, 0])
    assert out[1, 0] == 75.0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_permutation_invariance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    stratum = np.repeat([0, 1, 2], [4, 3, 5])
    pop = np.array([10.0, 3.0, 20.0])
    y = rng.uniform(0, 100, (12, 2))
    y[rng.random(y.shape) < 0.2] = np.nan
    perm = rng.permutation(12)
    a = stratified_means(y, make_design(stratum, pop))
    b = stratified_means(y[perm], make_design(stratum[perm], pop))
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-12)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-9)
