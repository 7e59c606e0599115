"""Reminders to non-respondents, and opting out (honoured at once).

The first link's clear token is not stored, so a reminder carries a fresh token (its hash in
``reminder_token``); earlier links keep working. Which invitations are due is decided from the
database (count and spacing), so running the reminder job twice in a row sends nothing new.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.db.engine import read_session, write_session
from app.db.models.fieldwork import ReminderToken
from app.db.models.invitation import Invitation
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.fieldwork.invitations import IssuedInvitation
from app.domain.fieldwork.lookup import open_invitation
from app.domain.fieldwork.tokens import hash_token, new_token
from app.errors import TianpingError


def issue_reminders(
    engine: Engine, *, round_id: int, max_reminders: int, spacing: timedelta, actor: str
) -> list[tuple[int, IssuedInvitation]]:
    """Fresh tokens for every invitation due a reminder, as ``(reminder number, issued)``."""
    if max_reminders < 0 or spacing <= timedelta(0):
        raise TianpingError("max_reminders must be ≥ 0 and spacing positive (e.g. 3 days)")
    now = utcnow()
    due_before = now - spacing
    out: list[tuple[int, IssuedInvitation]] = []
    with write_session(engine) as session:
        rows = session.exec(
            select(Invitation).where(
                Invitation.round_id == round_id,
                col(Invitation.status).in_(("pending", "sent", "opened")),
                Invitation.reminders_sent < max_reminders,
                Invitation.expires_at > now,
                or_(col(Invitation.sent_at).is_(None), col(Invitation.sent_at) <= due_before),
            )
        ).all()
        for inv in rows:
            token = new_token()
            session.add(ReminderToken(invitation_id=inv.id or 0, token_hash=hash_token(token)))
            inv.reminders_sent += 1
            inv.sent_at = now
            session.add(inv)
            out.append((inv.reminders_sent, IssuedInvitation(inv.id or 0, 0, token)))
        if out:
            append(
                session,
                actor=actor,
                action="fieldwork.remind",
                object_type="round",
                object_id=round_id,
                details={"reminders": len(out)},
            )
    return out


def opt_out(engine: Engine, token: str) -> None:
    """Stop all further messages for the invitation of ``token`` (the link still works)."""
    with read_session(engine) as session:
        opened = open_invitation(session, token)
    with write_session(engine) as session:
        session.execute(
            update(Invitation)
            .where(
                col(Invitation.id) == opened.invitation_id,
                col(Invitation.status) != "answered",
            )
            .values(status="opted_out")
        )
        append(
            session,
            actor="consumer",
            action="invitation.opt_out",
            object_type="invitation",
            object_id=opened.invitation_id,
        )
