"""Complaint handling against the standards' time limits, from the case registry.

Every complaint is checked against each limit of :data:`TIME_LIMITS` (1 met, 0 breached, NaN
when the limit does not apply, the case is still within it, or its times are unknown). The
share within each limit per enterprise and complaint class is a stratified domain mean over
the complaints: the complaints of a (stratum, class) cell are its population ``N``, those with
known times its respondents ``r``. When every complaint's times are known the fpc makes the
SE 0 (a census); when only sampled cases carry times they are a stratified sample of the
complaints, estimated exactly like :mod:`scoring.kpis` and survey answers (DESIGN §4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray
from scoring.calendar import WorkdayCalendar
from scoring.complaint_categories import CategoryTrend, category_trends
from scoring.design import make_design
from scoring.errors import InputDataError
from scoring.estimators import stratified_means
from scoring.kpis import COMPLAINT_CLASSES, TimeArray, within_hours, within_working_days
from scoring.results import Estimate, EstimateTable

BoolArray = NDArray[np.bool_]
Event = Literal["first_response_at", "assessed_at", "followed_up_at", "resolved_at", "closed_at"]
ALL = "all"
# Per-class columns, then every complaint (unknown class included).
CLASS_COLUMNS: tuple[str, ...] = (*COMPLAINT_CLASSES, ALL)


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """``event`` must follow ``opened_at`` within ``hours`` or ``working_days``."""

    code: str
    event: Event
    hours: float | None = None
    working_days: int | None = None
    classes: tuple[str, ...] = COMPLAINT_CLASSES
    extendable: bool = False  # the consumer may consent to a longer limit


TIME_LIMITS: tuple[TimeLimit, ...] = (
    TimeLimit("first_response_24h", "first_response_at", hours=24),
    TimeLimit("first_response_48h", "first_response_at", hours=48),  # "at the latest"
    TimeLimit("assessed_48h", "assessed_at", hours=48),
    TimeLimit("followed_up_72h", "followed_up_at", hours=72, classes=("complex",)),
    TimeLimit("result_3_working_days", "resolved_at", working_days=3),
    TimeLimit("closed_30_days", "closed_at", hours=30 * 24, extendable=True),
)


@dataclass(frozen=True, slots=True, eq=False)
class ComplaintCases:
    """The complaints of a round, one row each (non-complaints are left out by the caller).

    ``stratum`` holds the case's stratum id (cells are formed with the group and the class, so
    ids need not be unique across groups); ``complaint_class`` indexes
    :data:`~scoring.kpis.COMPLAINT_CLASSES` (−1 unknown); an absent event column skips its
    limits. ``observed`` says whose times are known (default: ``opened_at`` is known).
    """

    group: IntArray
    stratum: IntArray
    complaint_class: IntArray
    opened_at: TimeArray
    n_groups: int
    first_response_at: TimeArray | None = None
    assessed_at: TimeArray | None = None
    followed_up_at: TimeArray | None = None
    resolved_at: TimeArray | None = None
    closed_at: TimeArray | None = None
    extended: BoolArray | None = None
    category: tuple[str | None, ...] | None = None
    observed: BoolArray | None = None

    def __post_init__(self) -> None:
        n = self.opened_at.shape[0]
        arrays: dict[str, object] = {
            "group": self.group,
            "stratum": self.stratum,
            "complaint_class": self.complaint_class,
            "first_response_at": self.first_response_at,
            "assessed_at": self.assessed_at,
            "followed_up_at": self.followed_up_at,
            "resolved_at": self.resolved_at,
            "closed_at": self.closed_at,
            "extended": self.extended,
            "observed": self.observed,
        }
        for name, arr in arrays.items():
            if isinstance(arr, np.ndarray) and arr.shape != (n,):
                raise InputDataError(
                    f"{name} has shape {arr.shape}; expected ({n},) like opened_at"
                )
        if self.category is not None and len(self.category) != n:
            raise InputDataError(f"category has {len(self.category)} values for {n} complaints")
        if n and (self.group.min() < 0 or self.group.max() >= self.n_groups):
            raise InputDataError(f"group ids must lie in 0..{self.n_groups - 1}")
        if n and (
            self.complaint_class.min() < -1 or self.complaint_class.max() >= len(COMPLAINT_CLASSES)
        ):
            raise InputDataError(
                f"complaint_class must index {list(COMPLAINT_CLASSES)} (or be −1 for unknown)"
            )

    @property
    def size(self) -> int:
        return int(self.opened_at.shape[0])

    def event(self, name: Event) -> TimeArray | None:
        return {
            "first_response_at": self.first_response_at,
            "assessed_at": self.assessed_at,
            "followed_up_at": self.followed_up_at,
            "resolved_at": self.resolved_at,
            "closed_at": self.closed_at,
        }[name]

    def known(self) -> BoolArray:
        if self.observed is not None:
            return self.observed.astype(np.bool_)
        out: BoolArray = ~np.isnat(self.opened_at)
        return out

    def is_extended(self) -> BoolArray:
        if self.extended is None:
            return np.zeros(self.size, dtype=np.bool_)
        return self.extended.astype(np.bool_)


class EventOrderError(InputDataError):
    """A complaint's event precedes its opening (names the first such case by position)."""

    def __init__(self, index: int, event: str, count: int) -> None:
        self.index = index
        self.event = event
        self.count = count
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"complaint {index}: {event} is before opened_at{more}")


@dataclass(frozen=True, slots=True, eq=False)
class LimitChecks:
    """(n, L) per complaint and limit: 1 met, 0 breached, NaN not applicable/pending/unknown."""

    limits: tuple[TimeLimit, ...]
    met: FloatArray

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(limit.code for limit in self.limits)


def _within(
    limit: TimeLimit, start: TimeArray, end: TimeArray, calendar: WorkdayCalendar | None
) -> FloatArray:
    if limit.hours is not None:
        return within_hours(start, end, limit.hours)
    if limit.working_days is None:
        raise InputDataError(f"time limit {limit.code} has neither hours nor working days")
    if calendar is None:
        raise InputDataError(f"time limit {limit.code} counts working days; pass a calendar")
    return within_working_days(start, end, limit.working_days, calendar)


def check_limit(
    limit: TimeLimit,
    cases: ComplaintCases,
    end: TimeArray,
    calendar: WorkdayCalendar | None,
    as_of: np.datetime64 | None = None,
) -> FloatArray:
    """One limit for every complaint; an event not yet recorded at ``as_of`` while the limit
    has not run out is pending (NaN), not a breach. Without ``as_of`` it is a breach."""
    start = cases.opened_at
    late = ~np.isnat(start) & ~np.isnat(end) & (end.astype("datetime64[s]") < start)
    if late.any():
        raise EventOrderError(int(np.argmax(late)), limit.event, int(late.sum()))
    y = _within(limit, start, end, calendar)
    if as_of is not None:
        now = np.full(start.shape, as_of, dtype="datetime64[s]")
        pending = np.isnat(end) & (_within(limit, start, now, calendar) == 1.0)
        y = np.where(pending, np.nan, y)
    allowed = [COMPLAINT_CLASSES.index(c) for c in limit.classes]
    # A complaint of unknown class is judged only by limits every class shares: whether a
    # class-specific limit applied to it cannot be told.
    if set(limit.classes) == set(COMPLAINT_CLASSES):
        allowed.append(-1)
    applies = np.isin(cases.complaint_class, allowed)
    if limit.extendable:
        # An agreed extension replaces the limit with one the registry does not record, so
        # the case can be judged neither way: it leaves this limit's denominator.
        applies &= ~cases.is_extended()
    return np.where(applies & cases.known(), y, np.nan)


def check_limits(
    cases: ComplaintCases,
    calendar: WorkdayCalendar | None,
    as_of: np.datetime64 | None = None,
    limits: Sequence[TimeLimit] = TIME_LIMITS,
) -> LimitChecks:
    """Every limit whose event column is present (the others are left out)."""
    used: list[TimeLimit] = []
    cols: list[FloatArray] = []
    for limit in limits:
        end = cases.event(limit.event)
        if end is None:
            continue
        used.append(limit)
        cols.append(check_limit(limit, cases, end, calendar, as_of))
    met = np.column_stack(cols) if cols else np.empty((cases.size, 0))
    return LimitChecks(limits=tuple(used), met=met.astype(np.float64))


@dataclass(frozen=True, slots=True, eq=False)
class LimitShares:
    """Share within each limit, (G, len(CLASS_COLUMNS), L), with counts of complaints.

    ``complaints``/``observed`` are (G, classes): complaints in the registry and those with
    known times; ``census`` (G, classes) is true where every complaint's times are known.
    """

    limits: tuple[str, ...]
    table: EstimateTable
    complaints: NDArray[np.int64]
    observed: NDArray[np.int64]

    @property
    def census(self) -> BoolArray:
        out: BoolArray = self.observed == self.complaints
        return out

    def at(self, g: int, column: int, limit: int) -> Estimate:
        """One cell; a census has no sampling error, so its interval is the estimate itself."""
        est = self.table.at(g, column, limit)
        if self.census[g, column] and np.isfinite(est.estimate):
            return Estimate(est.estimate, 0.0, est.estimate, est.estimate, est.df, est.n, "census")
        return est


def _empty(n_groups: int, n_limits: int) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    shape = (n_groups, n_limits)
    return (
        np.full(shape, np.nan),
        np.full(shape, np.nan),
        np.zeros(shape, dtype=np.int64),
        np.zeros(shape, dtype=np.int64),
    )


def _column_shares(
    cases: ComplaintCases, met: FloatArray, rows: BoolArray, confidence: float
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Stratified domain means over the complaints in ``rows`` for every limit, (G, L)."""
    est, se, df, n = _empty(cases.n_groups, met.shape[1])
    known = cases.known()[rows]
    if not known.any() or met.shape[1] == 0:
        return est, se, df, n
    g, s, c = cases.group[rows], cases.stratum[rows], cases.complaint_class[rows]
    keys = np.stack([g, s, c], axis=1)
    cells, cell_of = np.unique(keys, axis=0, return_inverse=True)
    cell_of = cell_of.reshape(-1)
    pop = np.bincount(cell_of, minlength=cells.shape[0]).astype(np.float64)
    design = make_design(cell_of[known], pop, cells[:, 0])
    table = stratified_means(met[rows][known], design, confidence)
    used = design.n_groups  # the largest group with a complaint, plus one
    est[:used], se[:used] = table.estimate, table.se
    df[:used], n[:used] = table.df, table.n
    return est, se, df, n


def limit_shares(
    cases: ComplaintCases, checks: LimitChecks, confidence: float = 0.95
) -> LimitShares:
    """Per enterprise, class (and all complaints) and limit: the share of complaints within it."""
    columns = [cases.complaint_class == k for k in range(len(COMPLAINT_CLASSES))]
    columns.append(np.ones(cases.size, dtype=np.bool_))
    parts = [_column_shares(cases, checks.met, rows, confidence) for rows in columns]
    known = cases.known()
    complaints = np.stack(
        [np.bincount(cases.group[r], minlength=cases.n_groups) for r in columns], axis=1
    )
    observed = np.stack(
        [np.bincount(cases.group[r & known], minlength=cases.n_groups) for r in columns], axis=1
    )
    table = EstimateTable(
        estimate=np.stack([p[0] for p in parts], axis=1),
        se=np.stack([p[1] for p in parts], axis=1),
        df=np.stack([p[2] for p in parts], axis=1),
        n=np.stack([p[3] for p in parts], axis=1),
        confidence=confidence,
        method="hajek-taylor",
    )
    return LimitShares(
        limits=checks.codes,
        table=table,
        complaints=complaints.astype(np.int64),
        observed=observed.astype(np.int64),
    )


@dataclass(frozen=True, slots=True)
class Breach:
    """A complaint (by position) and the limits it breached."""

    index: int
    limits: tuple[str, ...]


def breaches(checks: LimitChecks) -> tuple[Breach, ...]:
    """Complaints with at least one breached limit, in input order."""
    broken = checks.met == 0.0
    codes = checks.codes
    return tuple(
        Breach(int(i), tuple(codes[j] for j in np.flatnonzero(broken[i])))
        for i in np.flatnonzero(broken.any(axis=1))
    )


@dataclass(frozen=True, slots=True, eq=False)
class ComplaintAnalysis:
    """Everything the complaint pages and the report show, per group where it applies."""

    checks: LimitChecks
    shares: LimitShares
    breaches: tuple[Breach, ...]
    categories: tuple[CategoryTrend, ...]  # one per group; empty without a category column
    extended: NDArray[np.int64]  # (G,) complaints whose closure limit was extended


def analyse_complaints(
    cases: ComplaintCases,
    calendar: WorkdayCalendar | None,
    *,
    as_of: np.datetime64 | None = None,
    confidence: float = 0.95,
    top: int = 5,
) -> ComplaintAnalysis:
    checks = check_limits(cases, calendar, as_of)
    categories: tuple[CategoryTrend, ...] = ()
    if cases.category is not None:
        categories = category_trends(
            cases.group, cases.category, cases.opened_at, cases.n_groups, top
        )
    extended = np.bincount(cases.group[cases.is_extended()], minlength=cases.n_groups)
    return ComplaintAnalysis(
        checks=checks,
        shares=limit_shares(cases, checks, confidence),
        breaches=breaches(checks),
        categories=categories,
        extended=extended.astype(np.int64),
    )
