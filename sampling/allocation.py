"""Sample design: sample size for a precision target and allocation to strata (DESIGN §4.13).

Rules:

* every stratum gets at least ``ceil(min_fraction · N_h)`` with ``min_fraction >= 0.5`` — the
  standards' floor; a lower fraction is refused, never silently raised;
* strata with ``N_h <= 3`` are taken whole (half of a tiny stratum says nothing useful and the
  design-based variance needs census or ≥ 2 respondents);
* an optional :class:`PrecisionTarget` per enterprise raises an enterprise's size to the
  precision-based ``n``, spread over its strata proportionally to ``N_h``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from scipy.stats import norm

from sampling.errors import AllocationError
from sampling.rows import StratumKey

MIN_FRACTION = 0.5
SMALL_STRATUM = 3
# Guards ceil() against binary noise: 650.0000000000001 must stay 650.
_EPS = 1e-9

MarginScale = Literal["points", "proportion"]


def floor_size(population: int, min_fraction: float = MIN_FRACTION) -> int:
    """``ceil(min_fraction · N)``, or ``N`` for ``N <= 3``."""
    check_min_fraction(min_fraction)
    if population <= SMALL_STRATUM:
        return population
    return min(population, math.ceil(min_fraction * population - _EPS))


def check_min_fraction(min_fraction: float) -> None:
    if not MIN_FRACTION <= min_fraction <= 1:
        raise AllocationError(
            f"min_fraction {min_fraction} is not allowed: the standards require at least "
            f"{MIN_FRACTION} of every stratum (use a value from 0.5 to 1)"
        )


@dataclass(frozen=True)
class PrecisionTarget:
    """Desired precision of an enterprise's mean score or proportion.

    ``margin`` is the half-width of the CI: score points on 0–100 when ``scale="points"``
    (then ``p`` is turned into ``S = 100·sqrt(p(1−p))``), or a proportion when
    ``scale="proportion"``. Give ``s`` (standard deviation on that scale) or ``p``.
    """

    margin: float
    p: float | None = 0.5
    s: float | None = None
    confidence: float = 0.95
    response_rate: float = 1.0
    scale: MarginScale = "points"


@dataclass(frozen=True)
class SampleSize:
    """Result of :func:`sample_size`; ``n`` is what to draw."""

    population: int
    z: float
    s: float
    margin: float
    n0: float
    n_fpc: float
    n_precision: int
    n_issued: int
    floor: int
    n: int
    formula: str


def _sd(target: PrecisionTarget) -> float:
    if target.s is not None:
        if target.s <= 0:
            raise AllocationError(f"S must be positive, got {target.s}")
        return target.s
    if target.p is None or not 0 < target.p < 1:
        raise AllocationError(f"p must be between 0 and 1 (exclusive), got {target.p}")
    sd = math.sqrt(target.p * (1 - target.p))
    return 100 * sd if target.scale == "points" else sd


def _validate(population: int, target: PrecisionTarget) -> None:
    if population < 1:
        raise AllocationError(f"the population N must be at least 1, got {population}")
    if target.margin <= 0:
        raise AllocationError(f"the margin of error must be positive, got {target.margin}")
    if not 0 < target.confidence < 1:
        raise AllocationError(f"confidence must be between 0 and 1, got {target.confidence}")
    if not 0 < target.response_rate <= 1:
        raise AllocationError(
            f"the expected response rate must be in (0, 1], got {target.response_rate}"
        )
    if target.scale not in ("points", "proportion"):
        raise AllocationError(f"scale must be 'points' or 'proportion', got {target.scale!r}")


def sample_size(
    population: int, target: PrecisionTarget, *, min_fraction: float = MIN_FRACTION
) -> SampleSize:
    """Cases to draw from a population of ``N`` for ``target`` (DESIGN §4.13).

    ``z`` is the exact normal quantile ``Φ⁻¹((1 + confidence)/2)`` (1.95996… at 95 %),
    ``n0 = z² S² / e²``, ``n_fpc = N n0 / (n0 + N − 1)``; rounding: **ceiling, applied once**
    — ``n_precision = ceil(n_fpc)``, ``n_issued = ceil(n_fpc / response_rate)``; then
    ``n = min(N, max(n_issued, floor))`` with ``floor = ceil(min_fraction · N)``.

    DESIGN §4 reference: N = 1300, p = 0.5, 95 %: ±3 points → ``n_precision`` 587, ±5 points
    → 297 (the same with z = 1.96; rounding to nearest would give 586 for ±3). Both are below
    the 50 % floor of 650, so ``n`` is 650 in both cases.
    """
    _validate(population, target)
    check_min_fraction(min_fraction)
    z = float(norm.ppf((1 + target.confidence) / 2))
    s = _sd(target)
    n0 = z * z * s * s / (target.margin * target.margin)
    n_fpc = population * n0 / (n0 + population - 1)
    n_precision = min(population, math.ceil(n_fpc - _EPS))
    n_issued = min(population, math.ceil(n_fpc / target.response_rate - _EPS))
    floor = floor_size(population, min_fraction)
    n = max(n_issued, floor)
    formula = (
        f"n0 = z²S²/e² = {z:.4f}² × {s:.4g}² / {target.margin:g}² = {n0:.2f}; "
        f"n = N·n0/(n0 + N − 1) = {population} × {n0:.2f} / ({n0:.2f} + {population - 1}) "
        f"= {n_fpc:.2f} → {n_precision}; ÷ response rate {target.response_rate:g} → {n_issued}; "
        f"floor ceil({min_fraction:g}·N) = {floor}; n = {n}"
    )
    return SampleSize(
        population, z, s, target.margin, n0, n_fpc, n_precision, n_issued, floor, n, formula
    )


def _proportional(total: int, sizes: list[int]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``sizes`` (ties: first stratum)."""
    population = sum(sizes)
    quotas = [total * size / population for size in sizes]
    shares = [math.floor(q + _EPS) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def allocate(
    strata_sizes: Mapping[StratumKey, int],
    *,
    min_fraction: float = MIN_FRACTION,
    target: PrecisionTarget | None = None,
) -> dict[StratumKey, int]:
    """``n_h`` for every stratum key ``(enterprise, *values)``; see the module docstring.

    With a target, each enterprise's ``n`` from :func:`sample_size` (before the floor) is
    split proportionally to ``N_h``, then every stratum is raised to its floor and capped at
    ``N_h`` — so the total may exceed the enterprise's ``n``, never fall below it.
    """
    check_min_fraction(min_fraction)
    for key, size in strata_sizes.items():
        if size < 1:
            raise AllocationError(f"stratum {'/'.join(key)} has N_h = {size}; it must be ≥ 1")
    result = {key: floor_size(size, min_fraction) for key, size in strata_sizes.items()}
    if target is None:
        return result
    by_enterprise: dict[str, list[StratumKey]] = {}
    for key in sorted(strata_sizes):
        by_enterprise.setdefault(key[0], []).append(key)
    for keys in by_enterprise.values():
        sizes = [strata_sizes[k] for k in keys]
        wanted = sample_size(sum(sizes), target, min_fraction=min_fraction).n_issued
        for key, share in zip(keys, _proportional(wanted, sizes), strict=True):
            result[key] = min(strata_sizes[key], max(result[key], share))
    return result
