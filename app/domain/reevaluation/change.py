"""The change of an enterprise's scores since the round a re-evaluation follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.db.models.scorecard import Scorecard
from app.domain.plans.service import get_plan
from app.domain.rounds.service import get_round
from app.errors import ConflictError, NotFoundError
from scoring.change import MeasureChange, change_table


@dataclass(frozen=True, slots=True)
class ChangeSincePrevious:
    round_id: int
    previous_round_id: int
    previous_round_code: str
    confidence: float
    rows: tuple[MeasureChange, ...]  # dimensions in scorecard order, then the composite


def _section(session: Session, round_id: int, enterprise_id: int, code: str) -> dict[str, Any]:
    card = session.exec(
        select(Scorecard).where(
            Scorecard.round_id == round_id, Scorecard.enterprise_id == enterprise_id
        )
    ).first()
    if card is None:
        raise ConflictError(f"round {code} has no scorecard for this enterprise; score it first")
    section = card.content.get("enterprise")
    if not isinstance(section, dict):
        raise ConflictError(f"the scorecard of round {code} holds no figures; re-run scoring")
    return section


def change_since_previous(
    session: Session, round_id: int, enterprise_id: int, *, body_id: int | None = None
) -> ChangeSincePrevious:
    """Per dimension and composite: previous, current, change with CI, p and significance.

    The confidence level is the follow-up round's plan's (the plan is a copy of the previous
    round's, so both rounds were scored at the same level).
    """
    rnd = get_round(session, round_id, body_id)
    if rnd.follows_round_id is None:
        raise NotFoundError(f"round {rnd.code} is not a re-evaluation of another round")
    previous = get_round(session, rnd.follows_round_id, None)
    current = _section(session, round_id, enterprise_id, rnd.code)
    before = _section(session, previous.id or 0, enterprise_id, previous.code)
    plan = get_plan(session, round_id)
    confidence = float((plan.content if plan else {}).get("confidence") or 0.95)
    measures = [*(current.get("dimensions") or {}), "composite"]
    return ChangeSincePrevious(
        round_id=round_id,
        previous_round_id=previous.id or 0,
        previous_round_code=previous.code,
        confidence=confidence,
        rows=change_table(before, current, measures, confidence),
    )
