"""Compute a round's scorecards from the database and move it to review."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app.db.engine import read_session, write_session
from app.db.models.draw import SampledCase, SampleDraw
from app.db.models.invitation import Invitation
from app.db.models.registry import ServiceCase
from app.db.models.response import SurveyResponse
from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise
from app.domain.audit.chain import append
from app.domain.plans.service import get_plan
from app.domain.questionnaires.service import as_questionnaire, get_version
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import get_round, move, round_enterprises
from app.domain.scoring_runs.frames import round_tables
from app.errors import ConflictError
from scoring.calendar import WorkdayCalendar, load_calendar
from scoring.instrument import general_likert_items, specs_from_questionnaire
from scoring.plan import validate_plan
from scoring.scorecard import score_round


def round_document(session: Session, round_id: int) -> dict[str, Any] | None:
    """The round's scorecard document (DESIGN §3 shape) reassembled from the stored rows."""
    rows = session.exec(
        select(Scorecard, Enterprise.code)
        .join(Enterprise, col(Enterprise.id) == col(Scorecard.enterprise_id))
        .where(Scorecard.round_id == round_id)
    ).all()
    if not rows:
        return None
    first = rows[0][0].content
    return {
        "plan_sha256": first.get("plan_sha256"),
        "confidence": first.get("confidence"),
        "weights": first.get("weights"),
        "enterprises": {code: card.content["enterprise"] for card, code in rows},
    }


def compute_scorecards(
    engine: Engine,
    *,
    round_id: int,
    actor: str,
    user_id: int | None,
    calendar: WorkdayCalendar | None = None,
) -> dict[str, Any]:
    """Score the round (fieldwork → scoring → review) and store one scorecard per enterprise."""
    with read_session(engine) as session:
        rnd = get_round(session, round_id, None)
        if rnd.state not in (RoundState.FIELDWORK, RoundState.SCORING):
            raise ConflictError(
                f"round {rnd.code} is in state {rnd.state}; scorecards are computed after "
                "fieldwork (or when a reviewer sends them back)"
            )
        record = get_plan(session, round_id)
        if record is None or record.sha256 is None:
            raise ConflictError(f"round {rnd.code} has no frozen plan")
        plan = validate_plan(record.content)
        if plan.sha256 != record.sha256:
            raise ConflictError("the stored plan no longer matches its frozen hash; refusing")
        q = as_questionnaire(get_version(session, record.questionnaire_version_id, None))
        dims = specs_from_questionnaire(q)
        general = general_likert_items(q)
        overall = next((i for i in general if i.code == plan.overall_item), None)
        items = [i for d in dims for i in d.items] + ([overall] if overall else [])
        tables = round_tables(session, round_id, plan.strata, [i.code for i in items])
        previous = round_document(session, rnd.previous_round_id) if rnd.previous_round_id else None
    # The one loader and serialiser shared with `tianping score`.
    from app.cli.score import build_round, json_safe

    workdays = calendar or load_calendar()
    data = build_round(plan, items, tables.frame, tables.responses, tables.sample, workdays)
    card: dict[str, Any] = json_safe(
        score_round(data, dims, plan, overall_item=overall, previous=previous)
    )
    with write_session(engine) as session:
        rnd = get_round(session, round_id, None)
        if rnd.state == RoundState.FIELDWORK:
            move(session, rnd, RoundState.SCORING, actor=actor, reason="scoring started")
        session.execute(delete(Scorecard).where(col(Scorecard.round_id) == round_id))
        ids = {e.code: e.id or 0 for e in round_enterprises(session, round_id)}
        for code, section in card["enterprises"].items():
            session.add(
                Scorecard(
                    round_id=round_id,
                    enterprise_id=ids[code],
                    plan_sha256=card["plan_sha256"],
                    computed_by=user_id,
                    content={
                        "plan_sha256": card["plan_sha256"],
                        "confidence": card["confidence"],
                        "weights": card.get("weights"),
                        "enterprise": section,
                    },
                )
            )
        rnd.scored_by = user_id
        move(session, rnd, RoundState.REVIEW, actor=actor, reason="scorecards computed")
        append(
            session,
            actor=actor,
            action="round.score",
            object_type="round",
            object_id=round_id,
            details={
                "plan_sha256": card["plan_sha256"],
                "enterprises": len(card["enterprises"]),
                "digest_bytes": len(json.dumps(card)),
            },
        )
    return card


def return_for_rescoring(
    session: Session, *, round_id: int, actor: str, reason: str
) -> EvaluationRound:
    if not reason.strip():
        raise ConflictError("say why the scores are sent back; the reason goes in the audit log")
    rnd = get_round(session, round_id, None)
    return move(session, rnd, RoundState.SCORING, actor=actor, reason=reason)


@dataclass(frozen=True)
class ProgressRow:
    enterprise: str
    stratum: str
    frame: int
    sampled: int
    invited: int
    responded: int

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.sampled if self.sampled else None


def fieldwork_progress(session: Session, round_id: int) -> list[ProgressRow]:
    """Per enterprise and stratum: frame size, sampled, invited and responded counts."""

    def counts(query: Any) -> dict[tuple[str, str], int]:
        return {(e, s): int(n) for e, s, n in session.exec(query).all()}

    base = (Enterprise.code, ServiceCase.stratum)
    frame = counts(
        select(*base, func.count())
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(ServiceCase.round_id == round_id)
        .group_by(*base)
    )
    sampled_q = (
        select(*base, func.count())
        .select_from(SampledCase)
        .join(SampleDraw, col(SampleDraw.id) == col(SampledCase.draw_id))
        .join(ServiceCase, col(ServiceCase.id) == col(SampledCase.case_pk))
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(SampleDraw.round_id == round_id)
        .group_by(*base)
    )
    sampled = counts(sampled_q)
    invited_q = (
        select(*base, func.count())
        .select_from(Invitation)
        .join(SampledCase, col(SampledCase.id) == col(Invitation.sampled_case_id))
        .join(ServiceCase, col(ServiceCase.id) == col(SampledCase.case_pk))
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(Invitation.round_id == round_id)
        .group_by(*base)
    )
    invited = counts(invited_q)
    responded_q = (
        select(*base, func.count())
        .select_from(SurveyResponse)
        .join(Invitation, col(Invitation.id) == col(SurveyResponse.invitation_id))
        .join(SampledCase, col(SampledCase.id) == col(Invitation.sampled_case_id))
        .join(ServiceCase, col(ServiceCase.id) == col(SampledCase.case_pk))
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(SurveyResponse.round_id == round_id)
        .group_by(*base)
    )
    responded = counts(responded_q)
    return [
        ProgressRow(
            e, s, n, sampled.get((e, s), 0), invited.get((e, s), 0), responded.get((e, s), 0)
        )
        for (e, s), n in sorted(frame.items())
    ]
