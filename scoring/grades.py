"""Grades from plan thresholds, with a borderline flag when the interval straddles one (§4.12)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy import special

from scoring.results import Estimate


@dataclass(frozen=True, slots=True)
class Threshold:
    grade: str
    min: float


@dataclass(frozen=True, slots=True)
class StraddledThreshold:
    grade: str
    min: float
    prob_at_or_above: float  # P(true score ≥ min), t distribution with the estimate's df


@dataclass(frozen=True, slots=True)
class GradeResult:
    grade: str | None
    borderline: bool
    straddled: tuple[StraddledThreshold, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "borderline": self.borderline,
            "straddled": [
                {"grade": s.grade, "min": s.min, "prob_at_or_above": s.prob_at_or_above}
                for s in self.straddled
            ],
        }


def prob_at_or_above(estimate: Estimate, threshold: float) -> float:
    """P(μ ≥ threshold) treating (μ − μ̂)/SE as t with the estimate's df (normal if df ≤ 0)."""
    if not math.isfinite(estimate.se) or estimate.se <= 0:
        return 1.0 if estimate.estimate >= threshold else 0.0
    t = (threshold - estimate.estimate) / estimate.se
    # Survival functions of t_df and N(0, 1) (what scipy.stats' t.sf and norm.sf evaluate).
    return float(special.stdtr(estimate.df, -t) if estimate.df > 0 else special.ndtr(-t))


def assign_grade(estimate: Estimate, thresholds: Sequence[Threshold]) -> GradeResult:
    """The first grade (highest ``min``) whose threshold the estimate reaches."""
    ordered = sorted(thresholds, key=lambda t: -t.min)
    grade = next((t.grade for t in ordered if estimate.estimate >= t.min), None)
    straddled = tuple(
        StraddledThreshold(t.grade, t.min, prob_at_or_above(estimate, t.min))
        for t in ordered
        if estimate.ci_low < t.min < estimate.ci_high
    )
    return GradeResult(grade=grade, borderline=bool(straddled), straddled=straddled)
