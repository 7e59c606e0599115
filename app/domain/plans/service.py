"""Scoring plans: written while the round is a draft, frozen (hashed) before any data arrives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from app.db.models.plan import ScoringPlan
from app.db.models.round import EvaluationRound
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.questionnaires.service import as_questionnaire, get_version
from app.domain.rounds.lifecycle import PLAN_EDITABLE, RoundState
from app.domain.rounds.service import get_round, move
from app.errors import ConflictError
from scoring.errors import PlanError
from scoring.instrument import specs_from_questionnaire
from scoring.plan import validate_plan


def _check_against_questionnaire(plan_doc: Mapping[str, Any], dimension_codes: set[str]) -> None:
    weights = plan_doc.get("weights")
    if isinstance(weights, Mapping) and "method" not in weights:
        named = set(weights)
        missing = sorted(dimension_codes - named)
        unknown = sorted(named - dimension_codes)
        if unknown:
            raise PlanError(
                [f"weights: {', '.join(unknown)} are not dimensions of the questionnaire"]
            )
        if missing:
            raise PlanError([f"weights: no weight for dimension(s) {', '.join(missing)}"])


def get_plan(session: Session, round_id: int) -> ScoringPlan | None:
    return session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()


def set_plan(
    session: Session,
    *,
    round_id: int,
    body_id: int | None,
    questionnaire_version_id: int,
    plan: Mapping[str, Any],
    actor: str,
) -> ScoringPlan:
    """Create or replace the round's plan. The questionnaire version must be published."""
    rnd = get_round(session, round_id, body_id)
    if rnd.state not in PLAN_EDITABLE:
        raise ConflictError(f"the plan of round {rnd.code} is frozen and cannot change")
    version = get_version(session, questionnaire_version_id, rnd.body_id)
    if version.status != "published":
        raise ConflictError(
            f"{version.code} v{version.version} is a draft; publish it before planning with it"
        )
    doc = dict(plan)
    doc["questionnaire"] = {"code": version.code, "version": version.version}
    validated = validate_plan(doc)
    dims = {d.code for d in specs_from_questionnaire(as_questionnaire(version))}
    _check_against_questionnaire(doc, dims)
    record = get_plan(session, round_id)
    if record is None:
        record = ScoringPlan(round_id=round_id, questionnaire_version_id=version.id or 0)
    record.questionnaire_version_id = version.id or 0
    record.content = dict(validated.normalised)
    session.add(record)
    session.flush()
    append(session, actor=actor, action="plan.set", object_type="round", object_id=round_id)
    return record


def freeze_plan(
    session: Session, *, round_id: int, body_id: int | None, actor: str, user_id: int | None
) -> ScoringPlan:
    """Hash the plan and move the round to ``plan_frozen``; from now on it is evidence."""
    rnd: EvaluationRound = get_round(session, round_id, body_id)
    record = get_plan(session, round_id)
    if record is None:
        raise ConflictError(f"round {rnd.code} has no scoring plan yet; write one first")
    validated = validate_plan(record.content)
    record.sha256 = validated.sha256
    record.frozen_at = utcnow()
    record.frozen_by = user_id
    session.add(record)
    move(
        session,
        rnd,
        RoundState.PLAN_FROZEN,
        actor=actor,
        reason=f"plan frozen, sha256 {validated.sha256}",
    )
    return record
