"""Objective KPIs from the case registry (frame), estimated with the same stratified design.

A KPI indicator that is known for every frame case is a census (SE 0 through the fpc); when
it is known only for some cases (e.g. timestamps collected for sampled cases) those cases are
treated as a stratified sample of the frame, exactly like survey respondents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray
from scoring.calendar import DayArray, WorkdayCalendar
from scoring.design import make_design
from scoring.estimators import domain_means, stratified_means
from scoring.results import EstimateTable

TimeArray = NDArray[np.datetime64]
COMPLAINT_CLASSES = ("general", "complex", "urgent")
# KPI → its 0–100 score for the composite (higher is better).
HIGHER_IS_BETTER = {
    "first_response_24h": True,
    "resolved_3_working_days": True,
    "resolved_30_days": True,
    "complaint_rate": False,
}


def _hours(start: TimeArray, end: TimeArray) -> FloatArray:
    delta = (end.astype("datetime64[s]") - start.astype("datetime64[s]")).astype(np.float64)
    return np.where(np.isnat(start) | np.isnat(end), np.nan, delta / 3600.0)


def within_hours(start: TimeArray, end: TimeArray, hours: float) -> FloatArray:
    """1 when ``end − start ≤ hours``; 0 when later or never; NaN when start is unknown."""
    h = _hours(start, end)
    hit = np.where(np.isnan(h), 0.0, (h <= hours).astype(np.float64))
    return np.where(np.isnat(start), np.nan, hit)


def within_working_days(
    start: TimeArray, end: TimeArray, days: int, calendar: WorkdayCalendar
) -> FloatArray:
    """1 when ``end`` falls on or before the ``days``-th working day after the opening day."""
    open_day: DayArray = start.astype("datetime64[D]")
    deadline = calendar.add_workdays(open_day, days)
    end_day = end.astype("datetime64[D]")
    hit = np.where(np.isnat(end_day), False, end_day <= deadline).astype(np.float64)
    return np.where(np.isnat(start), np.nan, hit)


@dataclass(frozen=True, slots=True, eq=False)
class KpiResults:
    """Shares (G,) per KPI as estimate tables, and complaint handling hours (G, classes)."""

    shares: Mapping[str, EstimateTable]
    handling_hours: EstimateTable  # (G, len(COMPLAINT_CLASSES), 1)

    def for_group(self, g: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, t in self.shares.items():
            out[name] = t.at(g, 0).to_dict()
        out["complaint_handling_hours"] = {
            c: self.handling_hours.at(g, j, 0).to_dict() for j, c in enumerate(COMPLAINT_CLASSES)
        }
        return out

    def score(self, name: str) -> tuple[FloatArray, FloatArray]:
        """0–100 score (G,) and SE for the composite; 'lower is better' KPIs are flipped."""
        t = self.shares[name]
        est = 100.0 * t.estimate[:, 0]
        return (est if HIGHER_IS_BETTER[name] else 100.0 - est), 100.0 * t.se[:, 0]


def _share(
    y: FloatArray, stratum: IntArray, pop: FloatArray, group: IntArray, conf: float
) -> EstimateTable:
    known = ~np.isnan(y)
    design = make_design(stratum[known], pop, group)
    return stratified_means(y[known], design, conf)


def frame_kpis(
    *,
    stratum: IntArray,
    stratum_pop: FloatArray,
    stratum_group: IntArray,
    opened_at: TimeArray | None,
    first_response_at: TimeArray | None,
    resolved_at: TimeArray | None,
    complaint: FloatArray | None,
    complaint_class: IntArray | None,
    calendar: WorkdayCalendar | None,
    confidence: float = 0.95,
) -> KpiResults:
    """KPIs over frame cases (``stratum`` is each case's global stratum id); absent → omitted.

    ``complaint_class`` holds indices into :data:`COMPLAINT_CLASSES` (−1 unknown).
    """
    args = (stratum, stratum_pop, stratum_group, confidence)
    shares: dict[str, EstimateTable] = {}
    if opened_at is not None and first_response_at is not None:
        shares["first_response_24h"] = _share(within_hours(opened_at, first_response_at, 24), *args)
    if opened_at is not None and resolved_at is not None:
        if calendar is not None:
            y = within_working_days(opened_at, resolved_at, 3, calendar)
            shares["resolved_3_working_days"] = _share(y, *args)
        shares["resolved_30_days"] = _share(within_hours(opened_at, resolved_at, 30 * 24), *args)
    if complaint is not None:
        shares["complaint_rate"] = _share(complaint.astype(np.float64), *args)
    n_cls = len(COMPLAINT_CLASSES)
    hours = np.full((stratum.shape[0],), np.nan)
    cls = np.full((stratum.shape[0],), -1, dtype=np.intp)
    if opened_at is not None and resolved_at is not None and complaint is not None:
        hours = np.where(complaint == 1, _hours(opened_at, resolved_at), np.nan)
        cls = complaint_class if complaint_class is not None else cls
    # Handling time is a domain mean over resolved complaints of each class; the design is
    # the frame itself (every case observed), so unknown classes form an extra domain.
    design = make_design(stratum, stratum_pop, stratum_group)
    dom = np.where(cls < 0, n_cls, cls)
    table = domain_means(hours, design, dom, n_cls + 1, confidence)
    handling = EstimateTable(
        table.estimate[:, :n_cls],
        table.se[:, :n_cls],
        table.df[:, :n_cls],
        table.n[:, :n_cls],
        confidence,
        table.method,
    )
    return KpiResults(shares=shares, handling_hours=handling)
