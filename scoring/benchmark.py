"""Peer benchmarks: leave-one-out peer means, Holm-adjusted tests, ranks, change (§4.11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

# scipy.special, not scipy.stats: the same functions (stats' t and norm call these), without
# the ~1 s that importing scipy.stats adds to every `tianping score` run.
from scipy import special

from scoring._arrays import FloatArray


@dataclass(frozen=True, slots=True)
class PeerComparisons:
    """(E, k) arrays: columns are the measures (dimensions then composite)."""

    measures: tuple[str, ...]
    peer_mean: FloatArray
    difference: FloatArray
    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    p_value: FloatArray
    p_holm: FloatArray
    percentile_rank: FloatArray  # % of peers strictly below (ties count half)
    rank: NDArray[np.int64]  # 1 = highest estimate
    rank_low: NDArray[np.int64]
    rank_high: NDArray[np.int64]

    def for_enterprise(self, e: int) -> dict[str, Any]:
        def f(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        return {
            m: {
                "peer_mean": f(self.peer_mean[e, j]),
                "difference": f(self.difference[e, j]),
                "se": f(self.se[e, j]),
                "ci_low": f(self.ci_low[e, j]),
                "ci_high": f(self.ci_high[e, j]),
                "p_value": f(self.p_value[e, j]),
                "p_holm": f(self.p_holm[e, j]),
                "percentile_rank": f(self.percentile_rank[e, j]),
                "rank": int(self.rank[e, j]),
                "rank_ci": [int(self.rank_low[e, j]), int(self.rank_high[e, j])],
                "peers": int(self.peer_mean.shape[0] - 1),
            }
            for j, m in enumerate(self.measures)
        }


def holm(p: FloatArray) -> FloatArray:
    """Holm step-down adjustment along the last axis (NaN p-values are left out).

    Vectorised over enterprises; equals ``statsmodels.stats.multitest.multipletests(p,
    method="holm")[1]`` row by row (checked in the tests), without its per-call overhead.
    """
    p2 = np.atleast_2d(np.asarray(p, dtype=np.float64))
    m = np.isfinite(p2).sum(axis=1, keepdims=True)
    order = np.argsort(np.where(np.isfinite(p2), p2, np.inf), axis=1)
    sorted_p = np.take_along_axis(p2, order, axis=1)
    factor = m - np.arange(p2.shape[1])[None, :]
    adj = np.fmax.accumulate(np.where(factor > 0, sorted_p * factor, np.nan), axis=1)
    out = np.empty_like(p2)
    np.put_along_axis(out, order, np.minimum(adj, 1.0), axis=1)
    out[~np.isfinite(p2)] = np.nan
    return out.reshape(np.shape(p))


def _ranks_desc(x: FloatArray) -> NDArray[np.int64]:
    """Competition rank along axis 0, 1 = highest (NaN ranks last)."""
    filled = np.where(np.isnan(x), -np.inf, x)
    higher = (filled[None, :, ...] > filled[:, None, ...]).sum(axis=1)
    return np.asarray(1 + higher, dtype=np.int64)


def peer_comparisons(
    estimate: FloatArray,
    se: FloatArray,
    measures: Sequence[str],
    *,
    confidence: float = 0.95,
    n_sim: int = 2000,
    seed: int = 20260101,
) -> PeerComparisons:
    """Compare each of E enterprises with the equal-weight mean of the other E − 1.

    ``SE = sqrt(se_e² + Σ_peers se_p² / (E−1)²)`` (independent samples); two-sided normal
    test; Holm across one enterprise's measures; rank interval from ``n_sim`` seeded draws of
    all estimates from N(estimate, se²).
    """
    est = np.asarray(estimate, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    n_ent = est.shape[0]
    peers = max(n_ent - 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        peer_mean = (np.nansum(est, axis=0) - est) / peers if n_ent > 1 else est * np.nan
        var_peers = (np.nansum(s**2, axis=0) - s**2) / peers**2
        diff = est - peer_mean
        d_se = np.sqrt(s**2 + var_peers)
        z = special.ndtri((1 + confidence) / 2)
        p = 2 * special.ndtr(-np.abs(diff / d_se))
    p_holm = holm(p)
    below = (est[None, :, :] < est[:, None, :]).sum(axis=1)
    ties = (est[None, :, :] == est[:, None, :]).sum(axis=1) - 1
    pct = 100.0 * (below + 0.5 * ties) / peers
    rng = np.random.default_rng(seed)
    draws = est[None] + rng.standard_normal((n_sim, *est.shape)) * np.nan_to_num(s)[None]
    # Ties have probability 0 in the draws, so an argsort of an argsort gives the ranks; it
    # needs O(n_sim · E · k) memory instead of the O(E²) pairwise comparison.
    order = np.argsort(np.argsort(-draws, axis=1), axis=1)
    sim_ranks = 1 + order
    lo_q, hi_q = (1 - confidence) / 2, (1 + confidence) / 2
    return PeerComparisons(
        measures=tuple(measures),
        peer_mean=peer_mean,
        difference=diff,
        se=d_se,
        ci_low=diff - z * d_se,
        ci_high=diff + z * d_se,
        p_value=p,
        p_holm=p_holm,
        percentile_rank=pct,
        rank=_ranks_desc(est),
        rank_low=np.quantile(sim_ranks, lo_q, axis=0, method="lower").astype(np.int64),
        rank_high=np.quantile(sim_ranks, hi_q, axis=0, method="higher").astype(np.int64),
    )


@dataclass(frozen=True, slots=True)
class Change:
    previous: float
    change: float
    se: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, float]:
        return {
            "previous": self.previous,
            "change": self.change,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }


def change_from_previous(
    estimate: float, se: float, previous: float, previous_se: float, confidence: float = 0.95
) -> Change:
    """Change between rounds; the two samples are independent so variances add."""
    d_se = float(np.hypot(se, previous_se))
    z = float(special.ndtri((1 + confidence) / 2))
    d = estimate - previous
    return Change(previous, d, d_se, d - z * d_se, d + z * d_se)
