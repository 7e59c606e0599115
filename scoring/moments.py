"""Per-stratum moments: every Hájek mean, composite and stratum-defined domain of a round
from one pass over respondents sorted by stratum (DESIGN §4.5–4.8).

A Hájek mean's influence value is ``z_i = (w_h / D) · δ_i (y_i − m)`` — per stratum a fixed
linear function of ``v_i = (δ_i (y_i − c), δ_i)``; a composite ``Σ ω_d z_id`` is another one.
So each stratum's count, mean vector and *centred* cross-product matrix of ``v`` give every
stratum total ``Σ u_i`` and sum of squares ``Σ (u_i − ū_h)²`` as ``r_h α·μ_h`` and
``α' C_h α`` for any such u. Group means, composites, and domains that are unions of strata
(the plan's strata columns) then need no further pass over the respondents. The results equal
:func:`scoring.estimators.hajek_fit`, :func:`composite_mean` and :func:`domain_means` up to
floating-point rounding (checked in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray
from scoring.design import StratifiedDesign
from scoring.results import EstimateTable

# Scores live on 0–100; shifting by the mid-point keeps the zeros of missing values close to
# the data, so the centred cross-products lose no precision to cancellation.
SHIFT = 50.0


@dataclass(frozen=True, slots=True, eq=False)
class SortedRows:
    """Respondents ordered by (group, stratum): ``order`` maps sorted → original rows."""

    order: IntArray
    start: NDArray[np.int64]  # (S,) first sorted row of stratum h
    group_bounds: NDArray[np.int64]  # (G+1,) sorted rows of group g: [b[g], b[g+1])


def sort_rows(design: StratifiedDesign) -> SortedRows:
    """Counting order of respondents by (group, stratum); stable within a stratum."""
    n_s = design.n_strata
    stratum_rank = np.empty(n_s, dtype=np.int64)
    stratum_rank[np.lexsort((np.arange(n_s), design.group))] = np.arange(n_s)
    # Small integer keys let NumPy use its radix sort (several times faster than int64).
    key_type = np.int16 if n_s < 2**15 else np.int32 if n_s < 2**31 else np.int64
    key = stratum_rank.astype(key_type)[design.stratum]
    order = np.argsort(key, kind="stable").astype(np.intp)
    r_ranked = np.zeros(n_s, dtype=np.int64)
    r_ranked[stratum_rank] = design.respondents
    start_ranked = np.concatenate([[0], np.cumsum(r_ranked)[:-1]])
    per_group = np.bincount(design.group, weights=design.respondents, minlength=design.n_groups)
    bounds = np.concatenate([[0], np.cumsum(per_group.astype(np.int64))])
    return SortedRows(order=order, start=start_ranked[stratum_rank], group_bounds=bounds)


@dataclass(frozen=True, slots=True, eq=False)
class StratumMoments:
    """Moments of ``v = (δ(y − SHIFT), δ)`` per stratum for k variables (NaN = missing)."""

    k: int
    mean: FloatArray  # (S, 2k)
    scatter: FloatArray  # (S, 2k, 2k), centred at the stratum mean
    any_present: NDArray[np.int64]  # (S,) respondents with at least one variable present

    @property
    def present(self) -> FloatArray:
        """(S, k) respondents with the variable present (exact small integers)."""
        return self.mean[:, self.k :]


def stratum_moments(
    y_sorted: FloatArray, design: StratifiedDesign, rows: SortedRows
) -> StratumMoments:
    """One pass over ``y_sorted`` (n, k) in :func:`sort_rows` order."""
    y = np.asarray(y_sorted, dtype=np.float64)
    n, k = y.shape
    n_s = design.n_strata
    v = np.zeros((n, 2 * k), order="F")  # column-wise fill: contiguous passes
    answered = np.zeros(n, dtype=np.bool_)
    for d in range(k):
        ok = ~np.isnan(y[:, d])
        np.subtract(y[:, d], SHIFT, out=v[:, d], where=ok)
        v[:, k + d] = ok
        answered |= ok
    mean = np.zeros((n_s, 2 * k))
    any_present = np.zeros(n_s, dtype=np.int64)
    scatter = np.zeros((n_s, 2 * k, 2 * k))
    r = design.respondents
    ones = np.ones(int(r.max()) if r.size else 0)
    # Sums as a BLAS product: NumPy's axis-0 sum over a narrow block is far slower.
    for h in np.flatnonzero(r > 0):
        a, m = int(rows.start[h]), int(r[h])
        block = v[a : a + m]
        mean[h] = ones[:m] @ block / m
        any_present[h] = np.count_nonzero(answered[a : a + m])
        if m > 1:
            c = block - mean[h]
            scatter[h] = c.T @ c
    return StratumMoments(k=k, mean=mean, scatter=scatter, any_present=any_present)


def _scale(design: StratifiedDesign) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Per stratum: ``f r/(r−1)`` for ordinary strata, ``f`` and the lonely-stratum flag."""
    r = design.respondents.astype(np.float64)
    f = 1.0 - r / design.pop_size if design.fpc else np.ones_like(r)
    f = np.where(r > 0, np.clip(f, 0.0, 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(r > 1, f * r / (r - 1.0), 0.0)
    lonely = (design.respondents == 1) & (design.pop_size > 1)
    return scale, f, lonely


def _variance(
    mom: StratumMoments, design: StratifiedDesign, alpha: FloatArray, cell: IntArray, n_cells: int
) -> FloatArray:
    """Σ over strata of each cell of the stratified variance of ``u = α_h · v`` (α: (S, m, 2k)).

    A lonely stratum adds ``f (Σu)²`` — R's ``lonely.psu = "adjust"`` with the cell mean of a
    Hájek influence value, which is zero.
    """
    scale, f, lonely = _scale(design)
    ss = np.einsum("hmi,hij,hmj->hm", alpha, mom.scatter, alpha)
    total = design.respondents[:, None] * np.einsum("hmi,hi->hm", alpha, mom.mean)
    contrib = np.where(lonely[:, None], f[:, None] * total**2, scale[:, None] * np.maximum(ss, 0.0))
    out = np.zeros((n_cells, alpha.shape[1]))
    np.add.at(out, cell, contrib)
    return out


def cell_estimates(
    mom: StratumMoments,
    design: StratifiedDesign,
    cell: IntArray,
    n_cells: int,
    weights: FloatArray,
    confidence: float,
) -> tuple[EstimateTable, EstimateTable]:
    """Hájek means of the k variables and their composite ``Σ ω_d μ̂_d`` in cells of strata.

    ``cell[h]`` is the cell of stratum h (its group for enterprise figures, group × domain for
    domains). Returns (means (C, k), composite (C,)); df per cell = respondents − strata with
    respondents, which for a group is the design df and for a domain R's subset ``degf``.
    """
    k = mom.k
    r = design.respondents.astype(np.float64)
    w_h = np.where(design.respondents > 0, design.pop_size / np.maximum(r, 1.0), 0.0)
    sums = r[:, None] * mom.mean  # (S, 2k): Σ δ(y − c), Σ δ
    num = np.zeros((n_cells, k))
    den = np.zeros((n_cells, k))
    np.add.at(num, cell, w_h[:, None] * sums[:, :k])
    np.add.at(den, cell, w_h[:, None] * sums[:, k:])
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = num / den
        a = np.where(den[cell] > 0, w_h[:, None] / den[cell], 0.0)  # (S, k)
    b = np.where(a > 0, a * shifted[cell], 0.0)
    omega = np.asarray(weights, dtype=np.float64)
    alpha = np.zeros((design.n_strata, k + 1, 2 * k))
    idx = np.arange(k)
    alpha[:, idx, idx] = a
    alpha[:, idx, k + idx] = -b
    alpha[:, k, :k] = omega * a
    alpha[:, k, k:] = -omega * b
    var = _variance(mom, design, alpha, cell, n_cells)
    mean = shifted + SHIFT
    n = np.zeros((n_cells, k))
    np.add.at(n, cell, np.rint(sums[:, k:]))
    n_any = np.bincount(cell, weights=mom.any_present, minlength=n_cells)
    n_resp = np.bincount(cell, weights=r, minlength=n_cells)
    strata_in = np.bincount(cell, weights=(design.respondents > 0), minlength=n_cells)
    df = (n_resp - strata_in).astype(np.int64)
    se = np.sqrt(var)
    dims = EstimateTable(
        estimate=mean,
        se=se[:, :k],
        df=np.repeat(df[:, None], k, axis=1),
        n=n.astype(np.int64),
        confidence=confidence,
        method="hajek-taylor",
    )
    comp = EstimateTable(
        estimate=mean @ omega,
        se=se[:, k],
        df=df,
        n=n_any.astype(np.int64),
        confidence=confidence,
        method="hajek-composite-taylor",
    )
    return dims, comp
