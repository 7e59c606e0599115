"""Frozen result objects of the estimators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

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
    q = np.where(ok, stats.t.ppf((1.0 + confidence) / 2.0, np.where(ok, df_f, 1.0)), np.nan)
    half = q * se
    return estimate - half, estimate + half


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
