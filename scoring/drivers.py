"""Driver analysis: relative importance of dimensions for overall satisfaction (Johnson 2000)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring._arrays import FloatArray, IntArray

QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}


@dataclass(frozen=True, slots=True)
class DriverRow:
    dimension: str
    importance: float  # share of R² (relative weight / R²)
    relative_weight: float
    correlation: float
    performance: float
    quadrant: str


@dataclass(frozen=True, slots=True)
class DriverResult:
    r_squared: float
    n_complete: int
    rows: tuple[DriverRow, ...]
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "relative_weights",
            "r_squared": self.r_squared,
            "n_complete": self.n_complete,
            "note": self.note,
            "table": [
                {
                    "dimension": r.dimension,
                    "importance": r.importance,
                    "relative_weight": r.relative_weight,
                    "correlation": r.correlation,
                    "performance": r.performance,
                    "quadrant": r.quadrant,
                }
                for r in self.rows
            ],
        }


def relative_weights(corr: FloatArray) -> tuple[FloatArray, float]:
    """Johnson's relative weights from a (p+1)² correlation matrix (outcome last).

    ``Rxx = VΛV'``, ``Λ = Rxx^{1/2} = V Λ^{1/2} V'``, ``β = Λ⁻¹ r_xy``,
    ``ε_j = Σ_k Λ_jk² β_k²``; the ε sum to R².
    """
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    vals, vecs = np.linalg.eigh(rxx)
    vals = np.clip(vals, 1e-12, None)
    lam = vecs @ np.diag(np.sqrt(vals)) @ vecs.T
    beta = np.linalg.solve(lam, rxy)
    eps = (lam**2) @ (beta**2)
    return np.asarray(eps, dtype=np.float64), float(eps.sum())


def driver_analysis(
    dims: FloatArray,
    overall: FloatArray,
    weight: FloatArray,
    codes: Sequence[str],
    performance: FloatArray,
    min_complete: int = 30,
) -> DriverResult | None:
    """Importance–performance table of one enterprise (design-weighted correlations)."""
    x = np.column_stack([dims, overall])
    ok = ~np.isnan(x).any(axis=1)
    m = int(ok.sum())
    if m < max(min_complete, 3 * x.shape[1]):
        return DriverResult(float("nan"), m, (), f"fewer than {min_complete} complete responses")
    cov = np.cov(x[ok].T, aweights=weight[ok])
    sd = np.sqrt(np.diag(cov))
    if np.any(sd <= 0):
        return DriverResult(float("nan"), m, (), "a dimension or the overall item has no variance")
    corr = cov / np.outer(sd, sd)
    eps, r2 = relative_weights(corr)
    imp = eps / r2 if r2 > 0 else eps * np.nan
    hi_imp = imp >= np.nanmean(imp)
    hi_perf = performance >= np.nanmean(performance)
    rows = tuple(
        DriverRow(
            dimension=c,
            importance=float(imp[j]),
            relative_weight=float(eps[j]),
            correlation=float(corr[j, -1]),
            performance=float(performance[j]),
            quadrant=QUADRANTS[(bool(hi_imp[j]), bool(hi_perf[j]))],
        )
        for j, c in enumerate(codes)
    )
    return DriverResult(r2, m, rows)


def group_slices(groups: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    """(order, bounds): rows of group g are ``order[bounds[g]:bounds[g+1]]``."""
    order = np.argsort(groups, kind="stable").astype(np.intp)
    bounds = np.searchsorted(groups[order], np.arange(n_groups + 1)).astype(np.intp)
    return order, bounds
