"""Complaint handling of a round against the standards' time limits (issue #10, item 1).

Two read models: :func:`round_complaints` for the assessor's page (figures per enterprise and
class, top categories, and the breaching cases with masked contact details) and
:func:`complaint_summaries` for the certified report (aggregates only). The statistics live
in :mod:`scoring.complaints`; this module reads the registry and names things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from app.db.models.plan import ScoringPlan
from app.db.models.registry import CaseRegistry
from app.db.models.tenancy import Enterprise
from app.db.types import utcnow
from app.domain.complaints.cases import (
    LoadedComplaints,
    load_complaints,
    local_naive,
    masked_contacts,
)
from app.domain.rounds.service import get_round, round_enterprises
from app.domain.scoring_runs.frames import LOCAL
from app.errors import NotFoundError, TianpingError
from app.pii import Keyring
from reports.complaints import CategoryRow, ClassShares, ComplaintSummary, LimitShare
from scoring.calendar import WorkdayCalendar, load_calendar
from scoring.complaint_categories import CategoryTrend
from scoring.complaints import (
    CLASS_COLUMNS,
    ComplaintAnalysis,
    EventOrderError,
    analyse_complaints,
)
from scoring.errors import ScoringError
from scoring.kpis import COMPLAINT_CLASSES

# Enough for an assessor to work through; the page says how many more there are.
MAX_LISTED = 200
DEFAULT_CONFIDENCE = 0.95


class ComplaintDataError(TianpingError):
    """A complaint's recorded times contradict each other (names the case, never a person)."""

    def __init__(self, case_id: str, event: str, count: int) -> None:
        self.case_id = case_id
        self.event = event
        self.count = count
        more = f" ({count - 1} more cases alike)" if count > 1 else ""
        super().__init__(
            f"case {case_id}: {event} is before opened_at{more}; correct the registry and "
            "import it again"
        )


@dataclass(frozen=True)
class LimitCell:
    limit: str
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    df: int
    n: int
    census: bool


@dataclass(frozen=True)
class ClassRow:
    complaint_class: str  # general / complex / urgent / all
    complaints: int
    observed: int  # complaints whose times are known
    cells: tuple[LimitCell, ...]


@dataclass(frozen=True)
class EnterpriseComplaints:
    enterprise_id: int
    code: str
    name: str
    extended: int
    breaching: int
    classes: tuple[ClassRow, ...]
    categories: CategoryTrend | None

    @property
    def complaints(self) -> int:
        return self.classes[-1].complaints


@dataclass(frozen=True)
class BreachRow:
    case_id: str
    enterprise_code: str
    complaint_class: str | None
    opened_at: datetime | None  # local time
    limits: tuple[str, ...]
    phone: str | None  # masked
    email: str | None  # masked


@dataclass(frozen=True)
class ComplaintView:
    round_id: int
    confidence: float
    as_of: datetime  # local time the pending limits were judged at
    limits: tuple[str, ...]
    enterprises: tuple[EnterpriseComplaints, ...]
    breaches: tuple[BreachRow, ...]  # at most MAX_LISTED
    breach_total: int


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _confidence(session: Session, round_id: int) -> float:
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    value = (plan.content or {}).get("confidence") if plan is not None else None
    return float(value) if isinstance(value, int | float) else DEFAULT_CONFIDENCE


def _analyse(
    session: Session,
    round_id: int,
    enterprises: Sequence[Enterprise],
    as_of: datetime,
    calendar: WorkdayCalendar | None,
    confidence: float,
) -> tuple[LoadedComplaints, ComplaintAnalysis]:
    loaded = load_complaints(session, round_id, [e.id or 0 for e in enterprises])
    moment = local_naive(as_of)
    try:
        analysis = analyse_complaints(
            loaded.cases,
            calendar or load_calendar(),
            as_of=np.datetime64(moment, "s") if moment else None,
            confidence=confidence,
        )
    except EventOrderError as exc:
        raise ComplaintDataError(loaded.case_id[exc.index], exc.event, exc.count) from None
    return loaded, analysis


def _class_rows(analysis: ComplaintAnalysis, g: int) -> tuple[ClassRow, ...]:
    shares = analysis.shares
    rows = []
    for k, cls in enumerate(CLASS_COLUMNS):
        cells = []
        for j, code in enumerate(shares.limits):
            est = shares.at(g, k, j)
            cells.append(
                LimitCell(
                    limit=code,
                    estimate=_finite(est.estimate),
                    se=_finite(est.se),
                    ci_low=_finite(est.ci_low),
                    ci_high=_finite(est.ci_high),
                    df=est.df,
                    n=est.n,
                    census=bool(shares.census[g, k]),
                )
            )
        rows.append(
            ClassRow(
                complaint_class=cls,
                complaints=int(shares.complaints[g, k]),
                observed=int(shares.observed[g, k]),
                cells=tuple(cells),
            )
        )
    return tuple(rows)


def _breaching_per_group(loaded: LoadedComplaints, analysis: ComplaintAnalysis) -> list[int]:
    idx = np.array([b.index for b in analysis.breaches], dtype=np.intp)
    counts = np.bincount(loaded.cases.group[idx], minlength=loaded.cases.n_groups)
    return [int(c) for c in counts]


def round_complaints(
    session: Session,
    round_id: int,
    body_id: int | None,
    *,
    enterprise_id: int | None = None,
    ring: Keyring | None = None,
    as_of: datetime | None = None,
    calendar: WorkdayCalendar | None = None,
    max_listed: int = MAX_LISTED,
) -> ComplaintView:
    """The assessor's view of one round (NotFound for another body's round or an enterprise
    outside the round). Contacts are decrypted, then masked, for the listed cases only, and
    only when a keyring is given."""
    get_round(session, round_id, body_id)
    enterprises = round_enterprises(session, round_id)
    if enterprise_id is not None:
        enterprises = [e for e in enterprises if e.id == enterprise_id]
        if not enterprises:
            raise NotFoundError(f"enterprise {enterprise_id} does not take part in this round")
    moment = as_of or snapshot_time(session, round_id)
    confidence = _confidence(session, round_id)
    loaded, analysis = _analyse(session, round_id, enterprises, moment, calendar, confidence)
    breaching = _breaching_per_group(loaded, analysis)
    listed = analysis.breaches[:max_listed]
    contacts = masked_contacts(session, [loaded.pk[b.index] for b in listed], ring) if ring else {}
    classes = loaded.cases.complaint_class
    rows = []
    for b in listed:
        phone, email = contacts.get(loaded.pk[b.index], (None, None))
        k = int(classes[b.index])
        rows.append(
            BreachRow(
                case_id=loaded.case_id[b.index],
                enterprise_code=enterprises[int(loaded.cases.group[b.index])].code,
                complaint_class=COMPLAINT_CLASSES[k] if k >= 0 else None,
                opened_at=loaded.opened_local[b.index],
                limits=b.limits,
                phone=phone,
                email=email,
            )
        )
    return ComplaintView(
        round_id=round_id,
        confidence=confidence,
        as_of=moment.astimezone(LOCAL),
        limits=analysis.checks.codes,
        enterprises=tuple(
            EnterpriseComplaints(
                enterprise_id=e.id or 0,
                code=e.code,
                name=e.name,
                extended=int(analysis.extended[g]),
                breaching=breaching[g],
                classes=_class_rows(analysis, g),
                categories=analysis.categories[g] if analysis.categories else None,
            )
            for g, e in enumerate(enterprises)
        ),
        breaches=tuple(rows),
        breach_total=len(analysis.breaches),
    )


def _summary(ent: EnterpriseComplaints, limits: tuple[str, ...]) -> ComplaintSummary:
    trend = ent.categories
    return ComplaintSummary(
        limits=limits,
        classes=tuple(
            ClassShares(
                complaint_class=row.complaint_class,
                complaints=row.complaints,
                shares=tuple(
                    LimitShare(c.limit, c.estimate, c.ci_low, c.ci_high, c.n, c.census)
                    for c in row.cells
                ),
            )
            for row in ent.classes
        ),
        months=trend.months if trend else (),
        categories=tuple(CategoryRow(c.category, c.count, c.share, c.monthly) for c in trend.top)
        if trend
        else (),
        breaching=ent.breaching,
        extended=ent.extended,
    )


def snapshot_time(session: Session, round_id: int) -> datetime:
    """The moment the registry describes: its latest import into the round (else now).

    An open case is "pending" or "in breach" as of this moment, so a report re-issued next
    month shows the same shares as the first one (the registry has not changed since).
    """
    latest = session.exec(
        select(func.max(CaseRegistry.imported_at)).where(CaseRegistry.round_id == round_id)
    ).one()
    return latest or utcnow()


def complaint_summaries(
    session: Session,
    round_id: int,
    *,
    as_of: datetime | None = None,
    calendar: WorkdayCalendar | None = None,
) -> dict[str, ComplaintSummary]:
    """Per enterprise code, the report's aggregates (no case ids, no contact details).

    Figures that cannot be computed (a date outside the working-day calendar, contradictory
    times) do not stop a report: its section then says why they are missing.
    """
    try:
        view = round_complaints(
            session, round_id, None, as_of=as_of, calendar=calendar, max_listed=0
        )
    except (ScoringError, ComplaintDataError) as exc:
        codes = [e.code for e in round_enterprises(session, round_id)]
        return {code: ComplaintSummary(limits=(), classes=(), note=str(exc)) for code in codes}
    return {e.code: _summary(e, view.limits) for e in view.enterprises}
