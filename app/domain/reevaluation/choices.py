"""What the follow-up form offers: the previous round's enterprises (those under rectification
first in mind), published questionnaire versions and a suggested code and period.

Read-only; the rules themselves are checked by :func:`create_follow_up_round`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from app.db.models.questionnaire import QuestionnaireVersion
from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise
from app.domain.plans.service import get_plan
from app.domain.questionnaires.service import list_versions
from app.domain.rectification.escalation import (
    enterprises_under_rectification,
    enterprises_with_findings,
)
from app.domain.rounds.service import get_round, round_enterprises

MAX_CODE = 64


@dataclass(frozen=True)
class Candidate:
    enterprise: Enterprise
    scored: bool  # without a scorecard there is nothing to compare a re-evaluation with
    under_rectification: bool
    had_findings: bool  # any finding in the round, accepted ones included
    unresolved: int
    overdue: int
    escalated: bool


@dataclass(frozen=True)
class FollowUpChoices:
    previous: EvaluationRound
    candidates: list[Candidate]
    versions: list[QuestionnaireVersion]
    plan_version_id: int | None
    plan_frozen: bool
    suggested_code: str
    suggested_start: date
    suggested_end: date

    @property
    def preselected(self) -> list[int]:
        return [c.enterprise.id or 0 for c in self.candidates if c.had_findings and c.scored]


def suggest_code(taken: set[str], previous_code: str) -> str:
    """``R1-RE``, then ``R1-RE2``, … — the first code not used by a round of the body."""
    n = 1
    while True:
        suffix = "-RE" if n == 1 else f"-RE{n}"
        code = previous_code[: MAX_CODE - len(suffix)] + suffix
        if code not in taken:
            return code
        n += 1


def follow_up_choices(session: Session, round_id: int, body_id: int) -> FollowUpChoices:
    """NotFound for another body's round, like every round page."""
    previous = get_round(session, round_id, body_id)
    plan = get_plan(session, round_id)
    scored = set(
        session.exec(select(Scorecard.enterprise_id).where(Scorecard.round_id == round_id)).all()
    )
    flagged = {u.enterprise_id: u for u in enterprises_under_rectification(session, round_id)}
    with_findings = enterprises_with_findings(session, round_id)
    candidates = []
    for ent in round_enterprises(session, round_id):
        mark = flagged.get(ent.id or 0)
        candidates.append(
            Candidate(
                enterprise=ent,
                scored=ent.id in scored,
                under_rectification=mark is not None,
                had_findings=ent.id in with_findings,
                unresolved=mark.unresolved if mark else 0,
                overdue=mark.overdue if mark else 0,
                escalated=mark.escalated if mark else False,
            )
        )
    taken = set(
        session.exec(select(EvaluationRound.code).where(EvaluationRound.body_id == body_id)).all()
    )
    # The earliest period the service accepts, as long as the previous one.
    start = previous.period_end + timedelta(days=1)
    length = previous.period_end - previous.period_start
    return FollowUpChoices(
        previous=previous,
        candidates=candidates,
        versions=[
            v
            for v in list_versions(session, body_id)
            if v.status == "published"
            or (plan is not None and v.id == plan.questionnaire_version_id)
        ],
        plan_version_id=plan.questionnaire_version_id if plan else None,
        plan_frozen=plan is not None and plan.sha256 is not None,
        suggested_code=suggest_code(taken, previous.code),
        suggested_start=start,
        suggested_end=start + length,
    )
