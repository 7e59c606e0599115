"""Findings and their rectification: record, submit a plan with evidence, accept or reject.

Every change goes through the finding state machine (``states``) and is appended to the audit
chain in the same transaction. Tenancy is decided by the caller's scope: assessors pass their
``body_id``, enterprise viewers their ``enterprise_id``; anything outside it is NotFound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from app.db.models.evidence import Evidence
from app.db.models.finding import Finding
from app.db.models.finding_decision import FindingDecision
from app.db.models.rectification_plan import RectificationPlan
from app.db.models.round import EvaluationRound, RoundEnterprise
from app.db.models.tenancy import Enterprise
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.rectification.errors import RectificationInputError
from app.domain.rectification.evidence import (
    MAX_FILES,
    CheckedFile,
    store,
    stored_path,
)
from app.domain.rectification.states import (
    AWAITING_ENTERPRISE,
    OUTCOMES,
    SEVERITIES,
    FindingStatus,
    FindingTransitionError,
    check_transition,
)
from app.domain.rectification.targets import check_target
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import get_round
from app.errors import ConflictError, NotFoundError

MAX_ACTION = 4000
MAX_PLAN = 8000
MAX_REASON = 4000
# Findings are recorded once there is something to find: visits during fieldwork, scores after.
# Enterprises are reminded this many days before a deadline, then daily once overdue.
REMIND_BEFORE_DAYS = 7
RECORDABLE_STATES = frozenset(
    {RoundState.FIELDWORK, RoundState.SCORING, RoundState.REVIEW, RoundState.ISSUED}
)


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    enterprise_code: str
    enterprise_name: str
    round_code: str
    overdue: bool


@dataclass(frozen=True)
class PlanView:
    plan: RectificationPlan
    evidence: list[Evidence]
    decision: FindingDecision | None


@dataclass(frozen=True)
class FindingDetail:
    finding: Finding
    round: EvaluationRound
    enterprise: Enterprise
    plans: list[PlanView]
    overdue: bool

    @property
    def can_submit_plan(self) -> bool:
        return FindingStatus(self.finding.status) in AWAITING_ENTERPRISE and not self.overdue

    @property
    def can_decide(self) -> bool:
        return self.finding.status == FindingStatus.PLAN_SUBMITTED


def is_overdue(finding: Finding, today: date) -> bool:
    """Overdue now: marked so, or still awaiting the enterprise after its deadline."""
    if finding.status == FindingStatus.OVERDUE:
        return True
    return FindingStatus(finding.status) in AWAITING_ENTERPRISE and finding.deadline < today


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise RectificationInputError(field, "This field is required.")
    if len(value) > limit:
        raise RectificationInputError(field, "At most %(n)s characters.", n=limit)
    return value


def check_deadline(deadline: date | None, today: date, field: str = "deadline") -> date:
    if deadline is None:
        raise RectificationInputError(field, "Enter a date as YYYY-MM-DD.")
    if deadline <= today:
        raise RectificationInputError(
            field,
            "The deadline %(deadline)s is not in the future; choose a date after %(today)s.",
            deadline=deadline.isoformat(),
            today=today.isoformat(),
        )
    return deadline


def _move(session: Session, finding: Finding, target: FindingStatus) -> str:
    before = finding.status
    finding.status = check_transition(finding.status, target).value
    finding.status_changed_at = utcnow()
    session.add(finding)
    return before


def record_finding(
    session: Session,
    *,
    round_id: int,
    body_id: int | None,
    enterprise_id: int,
    target_kind: str,
    target_code: str,
    severity: str,
    required_action: str,
    deadline: date | None,
    today: date,
    actor: str,
    user_id: int | None,
    source: str = "assessor",
) -> Finding:
    """Record one finding; ``RectificationInputError`` names the first bad field."""
    rnd = get_round(session, round_id, body_id)
    if RoundState(rnd.state) not in RECORDABLE_STATES:
        raise ConflictError(
            f"round {rnd.code} is {rnd.state}; findings are recorded from fieldwork on"
        )
    link = session.exec(
        select(RoundEnterprise).where(
            RoundEnterprise.round_id == round_id, RoundEnterprise.enterprise_id == enterprise_id
        )
    ).first()
    if link is None:
        raise RectificationInputError("enterprise_id", "Choose an enterprise of this round.")
    code = check_target(
        session, round_id=round_id, enterprise_id=enterprise_id, kind=target_kind, code=target_code
    )
    if severity not in SEVERITIES:
        raise RectificationInputError(
            "severity", "Choose one of: %(kinds)s.", kinds=", ".join(SEVERITIES)
        )
    action = _text(required_action, "required_action", MAX_ACTION)
    due = check_deadline(deadline, today)
    finding = Finding(
        round_id=round_id,
        enterprise_id=enterprise_id,
        target_kind=target_kind,
        target_code=code,
        severity=severity,
        required_action=action,
        deadline=due,
        source=source,
        created_by=user_id,
    )
    session.add(finding)
    session.flush()
    append(
        session,
        actor=actor,
        action="finding.record",
        object_type="finding",
        object_id=finding.id or 0,
        details={
            "round": round_id,
            "enterprise": enterprise_id,
            "target": f"{target_kind}:{code}",
            "severity": severity,
            "deadline": due.isoformat(),
            "source": source,
        },
    )
    return finding


def _scoped(
    session: Session, finding_id: int, *, body_id: int | None, enterprise_id: int | None
) -> tuple[Finding, EvaluationRound]:
    finding = session.get(Finding, finding_id)
    rnd = session.get(EvaluationRound, finding.round_id) if finding is not None else None
    if (
        finding is None
        or rnd is None
        or (body_id is not None and rnd.body_id != body_id)
        or (enterprise_id is not None and finding.enterprise_id != enterprise_id)
    ):
        raise NotFoundError(f"no finding {finding_id}")
    return finding, rnd


def submit_plan(
    session: Session,
    *,
    finding_id: int,
    enterprise_id: int,
    text: str,
    files: Sequence[CheckedFile],
    data_dir: Path,
    today: date,
    actor: str,
    user_id: int | None,
) -> RectificationPlan:
    """The enterprise's plan (with checked evidence files) for an open or rejected finding."""
    finding, _ = _scoped(session, finding_id, body_id=None, enterprise_id=enterprise_id)
    if is_overdue(finding, today):
        raise FindingTransitionError(
            f"the deadline of finding {finding_id} ({finding.deadline.isoformat()}) has passed; "
            "it is overdue and can no longer take a plan"
        )
    body = _text(text, "plan_text", MAX_PLAN)
    if len(files) > MAX_FILES:
        raise RectificationInputError("evidence", "At most %(n)s files per plan.", n=MAX_FILES)
    before = _move(session, finding, FindingStatus.PLAN_SUBMITTED)
    plan = RectificationPlan(finding_id=finding_id, text=body, submitted_by=user_id)
    session.add(plan)
    session.flush()
    for f in files:
        session.add(
            Evidence(
                plan_id=plan.id or 0,
                original_filename=f.filename,
                sha256=f.sha256,
                media_type=f.media_type,
                size=f.size,
            )
        )
    session.flush()
    append(
        session,
        actor=actor,
        action="rectification.plan_submitted",
        object_type="finding",
        object_id=finding_id,
        details={
            "plan": plan.id,
            "from": before,
            "evidence": [{"sha256": f.sha256, "bytes": f.size} for f in files],
        },
    )
    # Files last: a refusal above leaves nothing on disk; a file that is new and whose
    # write fails is removed with the others written by this call.
    written: list[Path] = []
    try:
        for f in files:
            if store(data_dir, f):
                written.append(stored_path(data_dir, f.sha256))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return plan


def decide(
    session: Session,
    *,
    finding_id: int,
    body_id: int | None,
    outcome: str,
    reason: str,
    actor: str,
    user_id: int | None,
) -> FindingDecision:
    """Accept or reject the latest submitted plan, with a reason for the audit trail."""
    finding, _ = _scoped(session, finding_id, body_id=body_id, enterprise_id=None)
    if outcome not in OUTCOMES:
        raise RectificationInputError("outcome", "Choose accept or reject.")
    why = _text(reason, "reason", MAX_REASON)
    target = FindingStatus.ACCEPTED if outcome == "accept" else FindingStatus.REJECTED
    before = _move(session, finding, target)
    plan = session.exec(
        select(RectificationPlan)
        .where(RectificationPlan.finding_id == finding_id)
        .order_by(col(RectificationPlan.id).desc())
    ).first()
    assert plan is not None, "a finding with a submitted plan has a plan"
    decision = FindingDecision(
        finding_id=finding_id,
        plan_id=plan.id or 0,
        outcome=outcome,
        reason=why,
        decided_by=user_id,
    )
    session.add(decision)
    session.flush()
    append(
        session,
        actor=actor,
        action=f"rectification.{outcome}",
        object_type="finding",
        object_id=finding_id,
        reason=why,
        details={"plan": plan.id, "from": before, "to": finding.status},
    )
    return decision


def mark_overdue(session: Session, *, round_id: int, today: date, actor: str) -> list[Finding]:
    """Move every open or rejected finding of the round past its deadline to overdue."""
    waiting = [s.value for s in AWAITING_ENTERPRISE]
    due = session.exec(
        select(Finding)
        .where(
            Finding.round_id == round_id,
            col(Finding.status).in_(waiting),
            col(Finding.deadline) < today,
        )
        .order_by(col(Finding.id))
    ).all()
    for finding in due:
        before = _move(session, finding, FindingStatus.OVERDUE)
        session.flush()
        append(
            session,
            actor=actor,
            action="finding.overdue",
            object_type="finding",
            object_id=finding.id or 0,
            details={"from": before, "deadline": finding.deadline.isoformat(), "today": str(today)},
        )
    return list(due)


def _rows(session: Session, query: object, today: date) -> list[FindingRow]:
    rows = session.exec(query).all()  # type: ignore[call-overload]
    return [FindingRow(f, e.code, e.name, r.code, is_overdue(f, today)) for f, e, r in rows]


def _base_query() -> Any:
    return (
        select(Finding, Enterprise, EvaluationRound)
        .join(Enterprise, col(Enterprise.id) == col(Finding.enterprise_id))
        .join(EvaluationRound, col(EvaluationRound.id) == col(Finding.round_id))
    )


def round_findings(
    session: Session, round_id: int, body_id: int | None, today: date
) -> list[FindingRow]:
    get_round(session, round_id, body_id)
    query = (
        _base_query()
        .where(Finding.round_id == round_id)
        .order_by(col(Enterprise.code), col(Finding.id))
    )
    return _rows(session, query, today)


def enterprise_findings(session: Session, enterprise_id: int, today: date) -> list[FindingRow]:
    """Every finding of one enterprise (the portal's list), newest round first."""
    query = (
        _base_query()
        .where(Finding.enterprise_id == enterprise_id)
        .order_by(col(EvaluationRound.period_end).desc(), col(Finding.id))
    )
    return _rows(session, query, today)


@dataclass(frozen=True)
class Reminder:
    """What the enterprise is reminded of on its portal home page."""

    overdue: int
    due_soon: int  # awaiting the enterprise, deadline within REMIND_BEFORE_DAYS
    next_deadline: date | None

    @property
    def any(self) -> bool:
        return bool(self.overdue or self.due_soon)


def enterprise_reminder(session: Session, enterprise_id: int, today: date) -> Reminder:
    """The same horizon as the daily ``tianping findings remind`` job, shown at every login."""
    horizon = today + timedelta(days=REMIND_BEFORE_DAYS)
    waiting = [
        r.finding
        for r in enterprise_findings(session, enterprise_id, today)
        if FindingStatus(r.finding.status) in AWAITING_ENTERPRISE
        or r.finding.status == FindingStatus.OVERDUE
    ]
    overdue = [f for f in waiting if is_overdue(f, today)]
    soon = [f for f in waiting if not is_overdue(f, today) and f.deadline <= horizon]
    upcoming = sorted(f.deadline for f in waiting if not is_overdue(f, today))
    return Reminder(len(overdue), len(soon), upcoming[0] if upcoming else None)


def finding_detail(
    session: Session,
    finding_id: int,
    *,
    body_id: int | None,
    enterprise_id: int | None,
    today: date,
) -> FindingDetail:
    finding, rnd = _scoped(session, finding_id, body_id=body_id, enterprise_id=enterprise_id)
    enterprise = session.get(Enterprise, finding.enterprise_id)
    assert enterprise is not None
    plans = session.exec(
        select(RectificationPlan)
        .where(RectificationPlan.finding_id == finding_id)
        .order_by(col(RectificationPlan.id))
    ).all()
    views = []
    for plan in plans:
        evidence = session.exec(
            select(Evidence).where(Evidence.plan_id == plan.id).order_by(col(Evidence.id))
        ).all()
        decision = session.exec(
            select(FindingDecision).where(FindingDecision.plan_id == plan.id)
        ).first()
        views.append(PlanView(plan, list(evidence), decision))
    return FindingDetail(finding, rnd, enterprise, views, is_overdue(finding, today))


def evidence_file(
    session: Session,
    *,
    finding_id: int,
    evidence_id: int,
    body_id: int | None,
    enterprise_id: int | None,
    data_dir: Path,
) -> tuple[Evidence, Path]:
    """The evidence row and its stored file, if the caller's scope may see the finding."""
    _scoped(session, finding_id, body_id=body_id, enterprise_id=enterprise_id)
    evidence = session.get(Evidence, evidence_id)
    plan = session.get(RectificationPlan, evidence.plan_id) if evidence is not None else None
    if evidence is None or plan is None or plan.finding_id != finding_id:
        raise NotFoundError(f"no evidence {evidence_id} for this finding")
    path = stored_path(data_dir, evidence.sha256)
    if not path.is_file():
        raise NotFoundError(f"the file of evidence {evidence_id} is missing from the store")
    return evidence, path
