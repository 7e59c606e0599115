"""Fieldwork state beside invitations: save-and-resume drafts and the message outbox.

A draft is never a response: it is deleted in the transaction that stores the final response,
so nothing partial is ever counted. The outbox has one row per (invitation, message number):
a retried send finds its row already there, so nothing is sent twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import BigId, created_at, json_field, timestamp


class SurveyDraft(SQLModel, table=True):
    """The answers given so far (save-and-resume), keyed by invitation."""

    __tablename__ = "survey_draft"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    invitation_id: int = Field(foreign_key="invitation.id", sa_type=BigId, unique=True)
    answers: dict[str, Any] = json_field()
    screen: int = 0
    started_at: datetime = created_at()
    updated_at: datetime | None = timestamp()


class OutboxMessage(SQLModel, table=True):
    """One invitation or reminder message; ``number`` 0 is the invitation, 1.. reminders."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("invitation_id", "number"),
        CheckConstraint("status IN ('queued', 'sent', 'failed', 'skipped')", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    invitation_id: int = Field(foreign_key="invitation.id", sa_type=BigId, index=True)
    number: int = 0
    channel: str = Field(max_length=16)
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = created_at()
    sent_at: datetime | None = timestamp()


class ReminderToken(SQLModel, table=True):
    """A further link for an invitation, issued with a reminder (only its SHA-256 is kept).

    The first token's hash is on the invitation; a reminder cannot resend it (the clear token
    is never stored), so it carries a new one and the earlier links keep working.
    """

    __tablename__ = "reminder_token"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    invitation_id: int = Field(foreign_key="invitation.id", sa_type=BigId, index=True)
    token_hash: str = Field(max_length=64, unique=True, nullable=False)
    created_at: datetime = created_at()
