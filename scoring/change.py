"""Change between two rounds: the difference of two independent design-based estimates.

A follow-up round draws a fresh sample, so the two estimates are independent and their
variances add. Each estimate carries its own design degrees of freedom (respondents minus
strata); the difference gets Welch–Satterthwaite degrees of freedom from the two pairs, and a
t-based interval and test at the plan's confidence level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats


@dataclass(frozen=True, slots=True)
class Difference:
    """``later − earlier`` with its standard error, interval and two-sided test."""

    estimate: float
    se: float
    df: float  # math.inf when neither side has sampling error
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    confidence: float

    def to_dict(self) -> dict[str, float | bool | None]:
        return {
            "estimate": self.estimate,
            "se": self.se,
            "df": None if math.isinf(self.df) else self.df,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "significant": self.significant,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class MeasureChange:
    """One row of a change table: a dimension (or ``composite``) in both rounds."""

    measure: str
    previous: float
    current: float
    difference: Difference


def welch_satterthwaite_df(se_a: float, df_a: float, se_b: float, df_b: float) -> float:
    """``(se_a² + se_b²)² / (se_a⁴/df_a + se_b⁴/df_b)``; a side without error adds no term."""
    scale = max(se_a, se_b)
    if scale == 0:
        return math.inf
    # Relative SEs keep the fourth powers away from underflow for tiny standard errors.
    ra, rb = se_a / scale, se_b / scale
    denominator = 0.0
    for r, df in ((ra, df_a), (rb, df_b)):
        if r == 0:
            continue
        if not df > 0:
            raise ValueError(f"degrees of freedom must be positive where the SE is not 0, got {df}")
        denominator += r**4 / df
    return float((ra**2 + rb**2) ** 2 / denominator)


def _check(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return v


def difference(
    later: float,
    later_se: float,
    later_df: float,
    earlier: float,
    earlier_se: float,
    earlier_df: float,
    confidence: float = 0.95,
) -> Difference:
    """The change ``later − earlier`` of two independent estimates."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    a, b = _check("later", later), _check("earlier", earlier)
    se_a, se_b = _check("later_se", later_se), _check("earlier_se", earlier_se)
    if se_a < 0 or se_b < 0:
        raise ValueError("standard errors cannot be negative")
    d = a - b
    se = math.hypot(se_a, se_b)
    df = welch_satterthwaite_df(se_a, float(later_df), se_b, float(earlier_df))
    if se == 0:
        # Two censuses: the difference is known exactly.
        p = 1.0 if d == 0 else 0.0
        return Difference(d, 0.0, df, d, d, p, d != 0, confidence)
    dist = stats.norm if math.isinf(df) else stats.t(df)
    q = float(dist.ppf((1 + confidence) / 2))
    p = float(min(1.0, 2 * dist.sf(abs(d) / se)))
    # The test and the interval agree by construction; comparing p with alpha keeps it so.
    return Difference(d, se, df, d - q * se, d + q * se, p, p < 1 - confidence, confidence)


def _estimate(entry: Mapping[str, Any], measure: str) -> tuple[float, float, float] | None:
    try:
        e = entry["composite"] if measure == "composite" else entry["dimensions"][measure]
        values = (float(e["estimate"]), float(e["se"]), float(e["df"]))
    except (KeyError, TypeError, ValueError):
        return None
    return values if all(math.isfinite(v) for v in values) else None


def change_table(
    previous: Mapping[str, Any],
    current: Mapping[str, Any],
    measures: Sequence[str],
    confidence: float = 0.95,
) -> tuple[MeasureChange, ...]:
    """Per measure (dimension codes, ``composite``) of two scorecard enterprise sections.

    A measure without a finite estimate, SE and df in either round is left out: a dimension
    nobody answered has no change to report.
    """
    rows = []
    for m in measures:
        old, new = _estimate(previous, m), _estimate(current, m)
        if old is None or new is None:
            continue
        diff = difference(new[0], new[1], new[2], old[0], old[1], old[2], confidence)
        rows.append(MeasureChange(m, old[0], new[0], diff))
    return tuple(rows)
