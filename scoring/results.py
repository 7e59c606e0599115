"""Frozen result objects of the estimators."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

# scipy.special, not scipy.stats: the same functions (stats' t and norm call these), without
# the ~1 s that importing scipy.stats adds to every `tianping score` run.
from scipy import special

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Estimate:
    """One design-based estimate with its t interval (DESIGN §4.7)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    n: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": _clean(self.estimate),
            "se": _clean(self.se),
            "ci_low": _clean(self.ci_low),
            "ci_high": _clean(self.ci_high),
            "df": int(self.df),
            "n": int(self.n),
        }


def _clean(x: float) -> float | None:
    """JSON has no NaN: missing figures become null."""
    return None if not np.isfinite(x) else float(x)


def t_interval(
    estimate: FloatArray, se: FloatArray, df: NDArray[np.int64], confidence: float
) -> tuple[FloatArray, FloatArray]:
    """``estimate ± t_{df,(1+conf)/2} · se``; NaN where df ≤ 0 (no variance estimable)."""
    df_f = df.astype(np.float64)
    ok = df_f > 0
    q = np.where(ok, special.stdtrit(np.where(ok, df_f, 1.0), (1.0 + confidence) / 2.0), np.nan)
    half = q * se
    return estimate - half, estimate + half


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class EstimateTable:
    """Estimates for many (group, variable) cells at once; arrays share one shape.

    The t intervals are computed once at construction (one vectorised quantile call).
    """

    estimate: FloatArray
    se: FloatArray
    df: NDArray[np.int64]
    n: NDArray[np.int64]
    confidence: float
    method: str
    ci_low: FloatArray = field(init=False, repr=False)
    ci_high: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lo, hi = t_interval(self.estimate, self.se, self.df, self.confidence)
        object.__setattr__(self, "ci_low", lo)
        object.__setattr__(self, "ci_high", hi)

    def to_dicts(self) -> list[dict[str, Any]]:
        """``at(i).to_dict()`` for every cell, flat in C order (one conversion per array)."""
        cols = zip(
            self.estimate.ravel().tolist(),
            self.se.ravel().tolist(),
            self.ci_low.ravel().tolist(),
            self.ci_high.ravel().tolist(),
            np.broadcast_to(self.df, self.estimate.shape).ravel().tolist(),
            np.broadcast_to(self.n, self.estimate.shape).ravel().tolist(),
            strict=True,
        )
        return [
            {
                "estimate": _finite(e),
                "se": _finite(s),
                "ci_low": _finite(lo),
                "ci_high": _finite(hi),
                "df": int(df),
                "n": int(n),
            }
            for e, s, lo, hi, df, n in cols
        ]

    def at(self, *index: int) -> Estimate:
        return Estimate(
            estimate=float(self.estimate[index]),
            se=float(self.se[index]),
            ci_low=float(self.ci_low[index]),
            ci_high=float(self.ci_high[index]),
            df=int(self.df[index]),
            n=int(self.n[index]),
            method=self.method,
        )
