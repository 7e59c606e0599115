"""Starting fieldwork: one invitation with a fresh one-time token per sampled case.

The clear token exists only in the return value of :func:`start_fieldwork` (the caller hands
it to a channel at once); the database keeps its SHA-256. Starting twice is refused rather
than issuing a second set of tokens, so a retry never invalidates links already sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from app.db.engine import write_session
from app.db.models.draw import SampledCase, SampleDraw
from app.db.models.invitation import Invitation
from app.db.models.round import EvaluationRound
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.fieldwork.tokens import hash_token, new_token
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import move
from app.errors import ConflictError, NotFoundError, TianpingError

Channel = Literal["sms", "email", "qr"]
CHANNELS: tuple[Channel, ...] = ("sms", "email", "qr")
INSERT_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation_id: int
    case_pk: int
    token: str  # the only copy of the clear token: send it, never store or log it


def start_fieldwork(
    engine: Engine,
    *,
    round_id: int,
    actor: str,
    channel: Channel = "sms",
    expires_at: datetime,
) -> list[IssuedInvitation]:
    """Issue one invitation per sampled case and move the round SAMPLING → FIELDWORK."""
    if channel not in CHANNELS:
        raise TianpingError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    if expires_at.tzinfo is None:
        raise TianpingError("expires_at needs a time zone (for example UTC)")
    if expires_at <= utcnow():
        raise TianpingError(
            f"expires_at {expires_at.isoformat()} is in the past; choose a later one"
        )
    with write_session(engine) as session:
        rnd = session.get(EvaluationRound, round_id)
        if rnd is None:
            raise NotFoundError(f"no round {round_id}")
        already = session.exec(
            select(func.count()).select_from(Invitation).where(Invitation.round_id == round_id)
        ).one()
        if already:
            raise ConflictError(
                f"round {rnd.code} already has {already} invitations; fieldwork was started "
                "before and its links stay valid (use reminders instead)"
            )
        if rnd.state != RoundState.SAMPLING:
            raise ConflictError(
                f"round {rnd.code} is in state {rnd.state}; fieldwork starts from the sampling "
                "state, after the sample is drawn"
            )
        case_rows = session.exec(
            select(SampledCase.id, SampledCase.case_pk)
            .join(SampleDraw, col(SampleDraw.id) == col(SampledCase.draw_id))
            .where(SampleDraw.round_id == round_id)
            .order_by(col(SampledCase.id))
        ).all()
        if not case_rows:
            raise ConflictError(f"round {rnd.code} has no sample yet; draw it first")
        issued_tokens: list[tuple[int, int, str]] = []
        batch: list[dict[str, object]] = []
        for sampled_id, case_pk in case_rows:
            token = new_token()
            issued_tokens.append((sampled_id or 0, case_pk, token))
            batch.append(
                {
                    "round_id": round_id,
                    "sampled_case_id": sampled_id,
                    "token_hash": hash_token(token),
                    "channel": channel,
                    "status": "pending",
                    "expires_at": expires_at,
                    "reminders_sent": 0,
                    "created_at": utcnow(),
                }
            )
            if len(batch) >= INSERT_BATCH:
                session.execute(insert(Invitation), batch)
                batch = []
        if batch:
            session.execute(insert(Invitation), batch)
        ids = dict(
            session.exec(
                select(Invitation.sampled_case_id, Invitation.id).where(
                    Invitation.round_id == round_id
                )
            ).all()
        )
        move(session, rnd, RoundState.FIELDWORK, actor=actor, reason="invitations issued")
        append(
            session,
            actor=actor,
            action="fieldwork.start",
            object_type="round",
            object_id=round_id,
            details={
                "invitations": len(issued_tokens),
                "channel": channel,
                "expires_at": expires_at.isoformat(),
            },
        )
    return [IssuedInvitation(ids[sid] or 0, pk, tok) for sid, pk, tok in issued_tokens]
