"""Creating a round as an assessor does it: the body and the enterprises come from the caller's
tenancy, so an enterprise id of another body is simply not found (pages and API alike)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from app.db.models.round import EvaluationRound
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.domain.rounds.service import add_enterprise, create_round
from app.errors import NotFoundError


def create_body_round(
    session: Session,
    *,
    body_id: int,
    code: str,
    title: str,
    industry: str,
    period_start: date,
    period_end: date,
    enterprise_ids: Sequence[int],
    user_id: int | None,
    actor: str,
) -> EvaluationRound:
    body = session.get(EvaluationBody, body_id)
    if body is None:
        raise NotFoundError("no such evaluation body")
    found = [session.get(Enterprise, i) for i in dict.fromkeys(enterprise_ids)]
    ents = [e for e in found if e is not None and e.body_id == body.id]
    if len(ents) != len(found):
        raise NotFoundError("an enterprise chosen is not in your body")
    return create_round(
        session,
        body,
        code=code,
        title=title,
        industry=industry,
        period_start=period_start,
        period_end=period_end,
        enterprises=ents,
        created_by=user_id,
        actor=actor,
    )


def add_body_enterprise(
    session: Session, *, body_id: int, code: str, name: str, industry: str, actor: str
) -> Enterprise:
    """Register an enterprise in the caller's body (a code taken there is a conflict)."""
    body = session.get(EvaluationBody, body_id)
    if body is None:
        raise NotFoundError("no such evaluation body")
    return add_enterprise(session, body, code, name, industry=industry, actor=actor)
