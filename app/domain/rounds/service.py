"""Evaluation rounds: creation, enterprises, and every state change (through the lifecycle)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from app.db.models.round import EvaluationRound, RoundEnterprise
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.rounds.lifecycle import RoundState, check_transition
from app.errors import ConflictError, NotFoundError, TianpingError


def get_or_create_body(session: Session, code: str, name: str, actor: str) -> EvaluationBody:
    body = session.exec(select(EvaluationBody).where(EvaluationBody.code == code)).first()
    if body is not None:
        return body
    body = EvaluationBody(code=code, name=name)
    session.add(body)
    session.flush()
    append(session, actor=actor, action="body.create", object_type="body", object_id=body.id or 0)
    return body


def add_enterprise(
    session: Session,
    body: EvaluationBody,
    code: str,
    name: str,
    *,
    industry: str = "",
    region: str = "",
    actor: str,
) -> Enterprise:
    existing = session.exec(
        select(Enterprise).where(Enterprise.body_id == body.id, Enterprise.code == code)
    ).first()
    if existing is not None:
        raise ConflictError(f"enterprise {code!r} already exists in body {body.code!r}")
    ent = Enterprise(body_id=body.id or 0, code=code, name=name, industry=industry, region=region)
    session.add(ent)
    session.flush()
    append(
        session,
        actor=actor,
        action="enterprise.create",
        object_type="enterprise",
        object_id=ent.id or 0,
        details={"code": code},
    )
    return ent


def create_round(
    session: Session,
    body: EvaluationBody,
    *,
    code: str,
    title: str,
    industry: str,
    period_start: date,
    period_end: date,
    enterprises: Sequence[Enterprise],
    created_by: int | None,
    actor: str,
    previous_round_id: int | None = None,
) -> EvaluationRound:
    if period_end < period_start:
        raise TianpingError(
            f"the round's period ends ({period_end}) before it starts ({period_start})"
        )
    if not enterprises:
        raise TianpingError("a round needs at least one enterprise")
    clash = session.exec(
        select(EvaluationRound).where(
            EvaluationRound.body_id == body.id, EvaluationRound.code == code
        )
    ).first()
    if clash is not None:
        raise ConflictError(f"round {code!r} already exists; choose another code")
    rnd = EvaluationRound(
        body_id=body.id or 0,
        code=code,
        title=title,
        industry=industry,
        period_start=period_start,
        period_end=period_end,
        created_by=created_by,
        previous_round_id=previous_round_id,
    )
    session.add(rnd)
    session.flush()
    for ent in enterprises:
        if ent.body_id != body.id:
            raise NotFoundError(f"no enterprise {ent.code!r} in body {body.code!r}")
        session.add(RoundEnterprise(round_id=rnd.id or 0, enterprise_id=ent.id or 0))
    append(
        session,
        actor=actor,
        action="round.create",
        object_type="round",
        object_id=rnd.id or 0,
        details={"code": code, "enterprises": len(enterprises)},
    )
    return rnd


def round_enterprises(session: Session, round_id: int) -> list[Enterprise]:
    rows = session.exec(
        select(Enterprise)
        .join(RoundEnterprise, col(RoundEnterprise.enterprise_id) == col(Enterprise.id))
        .where(RoundEnterprise.round_id == round_id)
        .order_by(col(Enterprise.code))
    ).all()
    return list(rows)


def get_round(session: Session, round_id: int, body_id: int | None = None) -> EvaluationRound:
    """The round, or NotFound — also when it belongs to another body (no existence leaks)."""
    rnd = session.get(EvaluationRound, round_id)
    if rnd is None or (body_id is not None and rnd.body_id != body_id):
        raise NotFoundError(f"no round {round_id}")
    return rnd


def move(
    session: Session, rnd: EvaluationRound, target: RoundState, *, actor: str, reason: str = ""
) -> EvaluationRound:
    """The only way a round changes state: checked by the lifecycle, recorded in the audit log."""
    before = rnd.state
    rnd.state = check_transition(rnd.state, target).value
    rnd.state_changed_at = utcnow()
    session.add(rnd)
    session.flush()
    append(
        session,
        actor=actor,
        action="round.transition",
        object_type="round",
        object_id=rnd.id or 0,
        reason=reason,
        details={"from": before, "to": rnd.state},
    )
    return rnd
