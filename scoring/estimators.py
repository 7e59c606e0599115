"""Item rescaling, respondent dimension scores, Hájek means, totals, composite, domains."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray, group_count, group_sum
from scoring.design import StratifiedDesign, linearized_variance
from scoring.errors import InputDataError
from scoring.instrument import DimensionSpec
from scoring.results import EstimateTable


def rescale_items(
    answers: FloatArray, points: Sequence[int], reverse: Sequence[bool]
) -> FloatArray:
    """Raw answers 1..K (NaN missing) → 0–100: ``100(x−1)/(K−1)``, reverse ``x → K+1−x``."""
    x = np.asarray(answers, dtype=np.float64)
    out = np.empty(x.shape, order="F")
    for j, (k, rev) in enumerate(zip(points, reverse, strict=True)):
        slope = (-100.0 if rev else 100.0) / (k - 1.0)
        intercept = 100.0 * k / (k - 1.0) if rev else -100.0 / (k - 1.0)
        out[:, j] = x[:, j] * slope + intercept
    return out


def min_items_required(n_items: int, min_answered_share: float) -> int:
    """``ceil(share · items)``, at least 1 (DESIGN §4.2)."""
    return max(1, math.ceil(min_answered_share * n_items - 1e-12))


def dimension_scores(
    item_scores: FloatArray,
    dimensions: Sequence[DimensionSpec],
    item_codes: Sequence[str],
    min_answered_share: float,
) -> FloatArray:
    """(n, D) respondent dimension scores: mean of answered items, NaN when too few answered."""
    col = {code: j for j, code in enumerate(item_codes)}
    out = np.full((item_scores.shape[0], len(dimensions)), np.nan)
    for d, dim in enumerate(dimensions):
        missing = [it.code for it in dim.items if it.code not in col]
        if missing:
            raise InputDataError(f"dimension {dim.code}: no responses column for {missing}")
        if not dim.items:
            continue
        # Column-at-a-time accumulation avoids gathering an (n, items) block and the slow
        # short-axis reductions.
        count = np.zeros(item_scores.shape[0], dtype=np.int64)
        total = np.zeros(item_scores.shape[0])
        for it in dim.items:
            x = item_scores[:, col[it.code]]
            ok = ~np.isnan(x)
            count += ok
            total += np.where(ok, x, 0.0)
        need = min_items_required(len(dim.items), min_answered_share)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, d] = np.where(count >= need, total / count, np.nan)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class HajekFit:
    """Means and their linearisation variables, kept so a composite can reuse them."""

    table: EstimateTable
    z: FloatArray  # (n, k) influence values; zero where the variable is missing
    present: NDArray[np.bool_]  # (n, k)


def _as_2d(y: FloatArray) -> FloatArray:
    arr = np.asarray(y, dtype=np.float64)
    return arr[:, None] if arr.ndim == 1 else arr


def hajek_fit(y: FloatArray, design: StratifiedDesign, confidence: float = 0.95) -> HajekFit:
    """Hájek means ``Σ w δ y / Σ w δ`` per group and variable (NaN = missing, δ = 0).

    Missing values are a domain, not a filter: their rows keep their place in the design
    (r_h, fpc, strata), which is R's ``svymean(..., na.rm = TRUE)``.
    """
    y2 = _as_2d(y)
    present = ~np.isnan(y2)
    wd = design.weight[:, None] * present
    g = design.unit_group
    num = group_sum(g, np.where(present, y2, 0.0) * wd, design.n_groups)
    den = group_sum(g, wd, design.n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = num / den
        z = np.where(present, wd * (np.where(present, y2, 0.0) - mean[g]) / den[g], 0.0)
    var = linearized_variance(design, z)
    n = group_sum(g, present.astype(np.float64), design.n_groups).astype(np.int64)
    df = np.broadcast_to(design.df()[:, None], mean.shape).copy()
    table = EstimateTable(
        estimate=mean, se=np.sqrt(var), df=df, n=n, confidence=confidence, method="hajek-taylor"
    )
    return HajekFit(table=table, z=z, present=present)


def stratified_means(
    y: FloatArray, design: StratifiedDesign, confidence: float = 0.95
) -> EstimateTable:
    """``svymean(~y, design, na.rm=TRUE)`` for every group; arrays are (G, k)."""
    return hajek_fit(y, design, confidence).table


def stratified_totals(
    y: FloatArray, design: StratifiedDesign, confidence: float = 0.95
) -> EstimateTable:
    """Horvitz–Thompson totals ``Σ w y`` (``svytotal``); missing values count as 0."""
    y2 = np.nan_to_num(_as_2d(y), nan=0.0)
    u = design.weight[:, None] * y2
    g = design.unit_group
    total = group_sum(g, u, design.n_groups)
    var = linearized_variance(design, u)
    n = np.broadcast_to(design.group_respondents()[:, None], total.shape).copy()
    df = np.broadcast_to(design.df()[:, None], total.shape).copy()
    return EstimateTable(total, np.sqrt(var), df, n, confidence, "ht-total-taylor")


def composite_mean(fit: HajekFit, weights: FloatArray, design: StratifiedDesign) -> EstimateTable:
    """``Ĉ = Σ_d ω_d μ̂_d`` with ``u_i = Σ_d ω_d z_id`` (DESIGN §4.5–4.6); arrays are (G,)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (fit.z.shape[1],):
        raise InputDataError(f"{w.shape[0]} weights for {fit.z.shape[1]} dimensions")
    est = fit.table.estimate @ w
    u = fit.z @ w
    var = linearized_variance(design, u)
    n = group_count(design.unit_group[fit.present.any(axis=1)], design.n_groups)
    return EstimateTable(
        est, np.sqrt(var), design.df(), n, fit.table.confidence, "hajek-composite-taylor"
    )


def domain_means(
    y: FloatArray,
    design: StratifiedDesign,
    domain: IntArray,
    n_domains: int,
    confidence: float = 0.95,
    composite_weights: FloatArray | None = None,
) -> EstimateTable:
    """Domain means (G, C, k): zero outside the domain, full design kept (never filtered).

    With ``composite_weights`` a last column k+1 holds the domain composite ``Σ ω_d μ̂_dc``.
    df per cell = respondents in the domain − strata holding domain members (as R ``degf``
    of a subset design and ``svy``).
    """
    y2 = _as_2d(y)
    dom = np.asarray(domain, dtype=np.intp)
    present = ~np.isnan(y2)
    g = design.unit_group
    cell = g * n_domains + dom
    n_cells = design.n_groups * n_domains
    wd = design.weight[:, None] * present
    yv = np.where(present, y2, 0.0)
    num = group_sum(cell, yv * wd, n_cells)
    den = group_sum(cell, wd, n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = num / den
        z = wd * (yv - mean[cell]) / den[cell]
    if composite_weights is not None:
        cw = np.asarray(composite_weights, dtype=np.float64)
        mean = np.column_stack([mean, mean @ cw])
        z = np.column_stack([z, z @ cw])
        present = np.column_stack([present, present.any(axis=1)])
    # Per (stratum, domain) sums of z and z²; rows outside the domain add zeros, which the
    # stratum centring must still count (r_h includes them).
    s_cell = design.stratum * n_domains + dom
    n_sc = design.n_strata * n_domains
    sz = group_sum(s_cell, z, n_sc).reshape(design.n_strata, n_domains, -1)
    sz2 = group_sum(s_cell, z * z, n_sc).reshape(design.n_strata, n_domains, -1)
    r = design.respondents.astype(np.float64)[:, None, None]
    big_n = design.pop_size[:, None, None]
    f = np.clip(1.0 - r / big_n, 0.0, 1.0) if design.fpc else np.ones_like(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        ss = np.maximum(sz2 - sz * sz / np.maximum(r, 1.0), 0.0)
        contrib = np.where(r > 1, f * r / (r - 1.0) * ss, 0.0)
    lonely = ((design.respondents == 1) & (design.pop_size > 1))[:, None, None]
    contrib = np.where(lonely, f * sz * sz, contrib)  # group mean of a Hájek z is 0
    var = group_sum(design.group, contrib.reshape(design.n_strata, -1), design.n_groups)
    var = var.reshape(design.n_groups, n_domains, -1)
    n_resp = group_count(cell, n_cells).reshape(design.n_groups, n_domains)
    occupied = group_count(s_cell, n_sc).reshape(design.n_strata, n_domains) > 0
    strata_in = group_sum(design.group, occupied.astype(np.float64), design.n_groups)
    shape = (design.n_groups, n_domains, mean.shape[1])
    df = np.broadcast_to((n_resp - strata_in.astype(np.int64))[:, :, None], shape).copy()
    n = group_sum(cell, present.astype(np.float64), n_cells).astype(np.int64)
    return EstimateTable(
        estimate=mean.reshape(design.n_groups, n_domains, -1),
        se=np.sqrt(var),
        df=df,
        n=n.reshape(design.n_groups, n_domains, -1),
        confidence=confidence,
        method="hajek-domain-taylor",
    )


def respondents_per_group(design: StratifiedDesign) -> NDArray[np.int64]:
    return design.group_respondents()
