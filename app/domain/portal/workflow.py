"""Read model of one round for the assessor's screens: where it stands and what each step needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db.models.certificate import Certificate
from app.db.models.draw import SampleDraw
from app.db.models.plan import ScoringPlan
from app.db.models.questionnaire import QuestionnaireVersion
from app.db.models.registry import CaseRegistry
from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import get_round, round_enterprises

STEPS: tuple[RoundState, ...] = (
    RoundState.DRAFT,
    RoundState.PLAN_FROZEN,
    RoundState.SAMPLING,
    RoundState.FIELDWORK,
    RoundState.SCORING,
    RoundState.REVIEW,
    RoundState.ISSUED,
)


@dataclass(frozen=True, slots=True)
class RoundOverview:
    round: EvaluationRound
    enterprises: list[Enterprise]
    plan: ScoringPlan | None
    questionnaire: QuestionnaireVersion | None
    registries: list[CaseRegistry]
    draw: SampleDraw | None
    scorecards: int
    certificates: list[tuple[Certificate, str]]

    @property
    def state(self) -> RoundState:
        return RoundState(self.round.state)

    def step_status(self, step: RoundState) -> str:
        """``done``, ``current`` or ``todo`` for the progress bar."""
        if self.state not in STEPS:
            return "done"
        here, there = STEPS.index(self.state), STEPS.index(step)
        return "done" if there < here else ("current" if there == here else "todo")


def body_rounds(session: Session, body_id: int) -> list[EvaluationRound]:
    return list(
        session.exec(
            select(EvaluationRound)
            .where(EvaluationRound.body_id == body_id)
            .order_by(col(EvaluationRound.created_at).desc(), col(EvaluationRound.id).desc())
        ).all()
    )


def body_enterprises(session: Session, body_id: int) -> list[Enterprise]:
    return list(
        session.exec(
            select(Enterprise).where(Enterprise.body_id == body_id).order_by(col(Enterprise.code))
        ).all()
    )


def overview(session: Session, round_id: int, body_id: int) -> RoundOverview:
    rnd = get_round(session, round_id, body_id)
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    questionnaire = (
        session.get(QuestionnaireVersion, plan.questionnaire_version_id) if plan else None
    )
    registries = list(
        session.exec(
            select(CaseRegistry)
            .where(CaseRegistry.round_id == round_id)
            .order_by(col(CaseRegistry.id))
        ).all()
    )
    draw = session.exec(select(SampleDraw).where(SampleDraw.round_id == round_id)).first()
    cards = session.exec(
        select(func.count()).select_from(Scorecard).where(Scorecard.round_id == round_id)
    ).one()
    certs = session.exec(
        select(Certificate, Enterprise.name)
        .join(Enterprise, col(Enterprise.id) == col(Certificate.enterprise_id))
        .where(Certificate.round_id == round_id)
        .order_by(col(Certificate.number))
    ).all()
    return RoundOverview(
        round=rnd,
        enterprises=round_enterprises(session, round_id),
        plan=plan,
        questionnaire=questionnaire,
        registries=registries,
        draw=draw,
        scorecards=int(cards),
        certificates=[(c, n) for c, n in certs],
    )


def coverage_rows(draw: SampleDraw | None) -> list[dict[str, Any]]:
    """Per stratum: population, sampled and share, from the stored draw record."""
    if draw is None:
        return []
    rows = []
    for stratum in draw.record.get("strata", []):
        # The draw record (sampling.record) names them N and n.
        population = int(stratum.get("N", 0))
        sampled = int(stratum.get("n", 0))
        rows.append(
            {
                "key": " / ".join(str(k) for k in stratum.get("key", [])),
                "population": population,
                "sampled": sampled,
                "share": sampled / population if population else None,
            }
        )
    return rows
