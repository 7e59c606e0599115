"""Escalation rules of a round, warnings from its scorecards, reminders and escalations.

First shortfall → a warning with a rectification deadline (a ``composite`` finding raised by
the rule); not rectified in time, or the same enterprise warned again in the next round →
an escalation record for the regulator. The product records and reports; it sanctions nobody.
Every function takes ``today`` so that the clock is the caller's (deterministic in tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.db.models.escalation import Escalation
from app.db.models.escalation_rule import EscalationRule
from app.db.models.finding import Finding
from app.db.models.plan import ScoringPlan
from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.rectification.errors import RectificationInputError
from app.domain.rectification.findings import REMIND_BEFORE_DAYS, mark_overdue, record_finding
from app.domain.rectification.states import (
    AWAITING_ENTERPRISE,
    SEVERITIES,
    UNRESOLVED,
    FindingStatus,
    check_transition,
)
from app.domain.rounds.service import get_round
from app.errors import ConflictError

MAX_DAYS = 365


@dataclass(frozen=True)
class Shortfall:
    enterprise_id: int
    composite: float | None
    grade: str | None
    reason: str


@dataclass(frozen=True)
class EvaluationOutcome:
    warnings: list[Escalation] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class Reminder:
    finding_id: int
    enterprise_id: int
    deadline: date
    status: str


@dataclass(frozen=True)
class RemindOutcome:
    reminded: list[Reminder]
    overdue: list[int]
    escalated: list[int]


@dataclass(frozen=True)
class EscalationRow:
    escalation: Escalation
    enterprise_code: str
    enterprise_name: str
    finding_status: str


@dataclass(frozen=True)
class UnderRectification:
    enterprise_id: int
    enterprise_code: str
    unresolved: int
    overdue: int
    escalated: bool


def get_rule(session: Session, round_id: int) -> EscalationRule | None:
    return session.exec(select(EscalationRule).where(EscalationRule.round_id == round_id)).first()


def _plan_grades(session: Session, round_id: int) -> dict[str, float]:
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    grades = (plan.content.get("grades") or []) if plan is not None else []
    return {str(g["grade"]): float(g["min"]) for g in grades if isinstance(g, Mapping)}


def set_rule(
    session: Session,
    *,
    round_id: int,
    body_id: int | None,
    grade_below: str | None,
    composite_below: float | None,
    days_to_rectify: int,
    severity: str,
    escalate_when_overdue: bool,
    escalate_when_repeated: bool,
    actor: str,
    user_id: int | None,
) -> EscalationRule:
    get_round(session, round_id, body_id)
    grade_below = (grade_below or "").strip() or None
    if grade_below is not None:
        grades = _plan_grades(session, round_id)
        if grades and grade_below not in grades:
            raise RectificationInputError(
                "grade_below",
                "The plan has no grade %(grade)s; its grades: %(grades)s.",
                grade=grade_below,
                grades=", ".join(grades),
            )
    if composite_below is not None and not 0 < composite_below <= 100:
        raise RectificationInputError("composite_below", "Give a score between 0 and 100.")
    if grade_below is None and composite_below is None:
        raise RectificationInputError(
            "grade_below", "Give a grade or a composite score that triggers a warning."
        )
    if not 1 <= days_to_rectify <= MAX_DAYS:
        raise RectificationInputError(
            "days_to_rectify", "Give a number of days from 1 to %(n)s.", n=MAX_DAYS
        )
    if severity not in SEVERITIES:
        raise RectificationInputError(
            "severity", "Choose one of: %(kinds)s.", kinds=", ".join(SEVERITIES)
        )
    rule = get_rule(session, round_id) or EscalationRule(round_id=round_id)
    rule.grade_below = grade_below
    rule.composite_below = composite_below
    rule.days_to_rectify = days_to_rectify
    rule.severity = severity
    rule.escalate_when_overdue = escalate_when_overdue
    rule.escalate_when_repeated = escalate_when_repeated
    rule.updated_by = user_id
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()
    append(
        session,
        actor=actor,
        action="escalation.rule_set",
        object_type="round",
        object_id=round_id,
        details={
            "grade_below": grade_below,
            "composite_below": composite_below,
            "days_to_rectify": days_to_rectify,
            "severity": severity,
            "escalate_when_overdue": escalate_when_overdue,
            "escalate_when_repeated": escalate_when_repeated,
        },
    )
    return rule


def _grade_of(section: Mapping[str, Any]) -> str | None:
    grade = section.get("grade")
    if isinstance(grade, Mapping):
        grade = grade.get("grade")
    return str(grade) if grade is not None else None


def _composite_of(section: Mapping[str, Any]) -> float | None:
    composite = section.get("composite")
    value = composite.get("estimate") if isinstance(composite, Mapping) else None
    return float(value) if value is not None else None


def _worse_grade(grade: str, threshold: str, grades: Mapping[str, float]) -> bool:
    if grade in grades and threshold in grades:
        return grades[grade] < grades[threshold]
    # Without the plan's thresholds, letters are read as A best (DESIGN §3 grade names).
    return grade > threshold


def shortfall(
    rule: EscalationRule,
    enterprise_id: int,
    section: Mapping[str, Any],
    grades: Mapping[str, float],
) -> Shortfall | None:
    """Whether one scorecard section falls short of the rule, and why (for the record)."""
    composite, grade = _composite_of(section), _grade_of(section)
    reasons = []
    if rule.grade_below and grade is not None and _worse_grade(grade, rule.grade_below, grades):
        reasons.append(f"grade {grade} is below {rule.grade_below}")
    below = rule.composite_below
    if below is not None and composite is not None and composite < below:
        reasons.append(f"composite {composite:.1f} is below {below:g}")
    if not reasons:
        return None
    return Shortfall(enterprise_id, composite, grade, "; ".join(reasons))


def _warned_before(session: Session, rnd: EvaluationRound, enterprise_id: int) -> bool:
    if rnd.previous_round_id is None:
        return False
    found = session.exec(
        select(Escalation.id).where(
            Escalation.round_id == rnd.previous_round_id,
            Escalation.enterprise_id == enterprise_id,
        )
    ).first()
    return found is not None


def _record(
    session: Session, finding: Finding, level: str, cause: str, reason: str, actor: str
) -> Escalation:
    escalation = Escalation(
        round_id=finding.round_id,
        enterprise_id=finding.enterprise_id,
        finding_id=finding.id or 0,
        level=level,
        cause=cause,
        reason=reason[:500],
    )
    session.add(escalation)
    session.flush()
    append(
        session,
        actor=actor,
        action=f"escalation.{level}",
        object_type="finding",
        object_id=finding.id or 0,
        reason=reason[:500],
        details={
            "round": finding.round_id,
            "enterprise": finding.enterprise_id,
            "cause": cause,
            "escalation": escalation.id,
        },
    )
    return escalation


def evaluate_round(
    session: Session,
    *,
    round_id: int,
    body_id: int | None,
    today: date,
    actor: str,
    user_id: int | None,
) -> EvaluationOutcome:
    """Warn every enterprise whose scorecard falls short (once per round); escalate at once
    when it was already warned in the previous round and the rule says so."""
    rnd = get_round(session, round_id, body_id)
    rule = get_rule(session, round_id)
    if rule is None:
        raise ConflictError(f"round {rnd.code} has no escalation rule; set one first")
    cards = session.exec(
        select(Scorecard).where(Scorecard.round_id == round_id).order_by(col(Scorecard.id))
    ).all()
    if not cards:
        raise ConflictError(f"round {rnd.code} has no scorecards yet; compute them first")
    grades = _plan_grades(session, round_id)
    warned = set(
        session.exec(
            select(Finding.enterprise_id).where(
                Finding.round_id == round_id, Finding.source == "rule"
            )
        ).all()
    )
    warnings: list[Escalation] = []
    escalations: list[Escalation] = []
    unchanged = 0
    for card in cards:
        short = shortfall(rule, card.enterprise_id, card.content.get("enterprise") or {}, grades)
        if short is None or card.enterprise_id in warned:
            unchanged += 1
            continue
        finding = record_finding(
            session,
            round_id=round_id,
            body_id=body_id,
            enterprise_id=card.enterprise_id,
            target_kind="composite",
            target_code="composite",
            severity=rule.severity,
            required_action=(
                f"Rectify the service shortfall ({short.reason}) and submit a rectification "
                "plan with evidence."
            ),
            deadline=today + timedelta(days=rule.days_to_rectify),
            today=today,
            actor=actor,
            user_id=user_id,
            source="rule",
        )
        warnings.append(_record(session, finding, "warning", "shortfall", short.reason, actor))
        if rule.escalate_when_repeated and _warned_before(session, rnd, card.enterprise_id):
            escalations.append(
                _record(
                    session,
                    finding,
                    "escalated",
                    "repeated",
                    f"repeated shortfall after a warning in the previous round: {short.reason}",
                    actor,
                )
            )
    return EvaluationOutcome(warnings, escalations, unchanged)


def remind_overdue(
    session: Session, *, round_id: int, body_id: int | None, today: date, actor: str
) -> RemindOutcome:
    """Mark findings overdue, escalate them if the rule says so, and list who to remind.

    Reminding is recorded in the audit chain (one entry per finding and day); sending the
    message is left to the channel the body uses, so nothing is sent twice on a rerun.
    """
    get_round(session, round_id, body_id)
    rule = get_rule(session, round_id)
    overdue = mark_overdue(session, round_id=round_id, today=today, actor=actor)
    escalated: list[int] = []
    if rule is not None and rule.escalate_when_overdue:
        pending = session.exec(
            select(Finding)
            .where(Finding.round_id == round_id, Finding.status == FindingStatus.OVERDUE.value)
            .order_by(col(Finding.id))
        ).all()
        for finding in pending:
            before = finding.status
            finding.status = check_transition(finding.status, FindingStatus.ESCALATED).value
            finding.status_changed_at = utcnow()
            session.add(finding)
            reason = f"not rectified by the deadline {finding.deadline.isoformat()}"
            append(
                session,
                actor=actor,
                action="finding.escalated",
                object_type="finding",
                object_id=finding.id or 0,
                details={"from": before},
            )
            _record(session, finding, "escalated", "overdue", reason, actor)
            escalated.append(finding.id or 0)
    horizon = today + timedelta(days=REMIND_BEFORE_DAYS)
    remind_states = [s.value for s in AWAITING_ENTERPRISE] + [FindingStatus.OVERDUE.value]
    due = session.exec(
        select(Finding)
        .where(
            Finding.round_id == round_id,
            col(Finding.status).in_(remind_states),
            col(Finding.deadline) <= horizon,
        )
        .order_by(col(Finding.id))
    ).all()
    reminded: list[Reminder] = []
    for finding in due:
        if finding.reminded_on == today:
            continue
        finding.reminded_on = today
        session.add(finding)
        append(
            session,
            actor=actor,
            action="rectification.remind",
            object_type="finding",
            object_id=finding.id or 0,
            details={
                "enterprise": finding.enterprise_id,
                "deadline": finding.deadline.isoformat(),
                "status": finding.status,
            },
        )
        reminded.append(
            Reminder(finding.id or 0, finding.enterprise_id, finding.deadline, finding.status)
        )
    session.flush()
    return RemindOutcome(reminded, [f.id or 0 for f in overdue], escalated)


def round_escalations(session: Session, round_id: int, body_id: int | None) -> list[EscalationRow]:
    get_round(session, round_id, body_id)
    rows = session.exec(
        select(Escalation, Enterprise, Finding)
        .join(Enterprise, col(Enterprise.id) == col(Escalation.enterprise_id))
        .join(Finding, col(Finding.id) == col(Escalation.finding_id))
        .where(Escalation.round_id == round_id)
        .order_by(col(Escalation.id))
    ).all()
    return [EscalationRow(e, ent.code, ent.name, f.status) for e, ent, f in rows]


def enterprises_with_findings(session: Session, round_id: int) -> set[int]:
    """Enterprises with any finding in the round, whatever its state: the ones a re-evaluation
    must check, including those whose rectification was already accepted (acceptance rests on
    a plan and evidence; only a new measurement shows the service changed)."""
    return set(
        session.exec(select(Finding.enterprise_id).where(Finding.round_id == round_id)).all()
    )


def enterprises_under_rectification(session: Session, round_id: int) -> list[UnderRectification]:
    """Enterprises of the round with findings not yet accepted (for reports, public pages and
    re-evaluation rounds), in enterprise-code order."""
    unresolved = [s.value for s in UNRESOLVED]
    rows = session.exec(
        select(Finding, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Finding.enterprise_id))
        .where(Finding.round_id == round_id, col(Finding.status).in_(unresolved))
        .order_by(col(Enterprise.code), col(Finding.id))
    ).all()
    by_enterprise: dict[int, tuple[str, list[Finding]]] = {}
    for finding, ent in rows:
        by_enterprise.setdefault(ent.id or 0, (ent.code, []))[1].append(finding)
    escalated = set(
        session.exec(
            select(Escalation.enterprise_id).where(
                Escalation.round_id == round_id, Escalation.level == "escalated"
            )
        ).all()
    )
    return [
        UnderRectification(
            enterprise_id=eid,
            enterprise_code=code,
            unresolved=len(found),
            overdue=sum(f.status in ("overdue", "escalated") for f in found),
            escalated=eid in escalated,
        )
        for eid, (code, found) in by_enterprise.items()
    ]


def rectification_status(session: Session, round_id: int, enterprise_id: int) -> str:
    """``none`` (no findings), ``under_rectification``, ``escalated`` or ``rectified``."""
    statuses = set(
        session.exec(
            select(Finding.status).where(
                Finding.round_id == round_id, Finding.enterprise_id == enterprise_id
            )
        ).all()
    )
    if not statuses:
        return "none"
    escalated = session.exec(
        select(Escalation.id).where(
            Escalation.round_id == round_id,
            Escalation.enterprise_id == enterprise_id,
            Escalation.level == "escalated",
        )
    ).first()
    if statuses & {s.value for s in UNRESOLVED}:
        return "escalated" if escalated is not None else "under_rectification"
    return "rectified"
