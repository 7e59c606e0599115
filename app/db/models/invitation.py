"""Survey invitations. The token itself is never stored: only its SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import BigId, created_at, timestamp


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sent', 'opened', 'answered', 'expired', 'opted_out')",
            name="status_known",
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    sampled_case_id: int = Field(foreign_key="sampled_case.id", sa_type=BigId, unique=True)
    token_hash: str = Field(max_length=64, unique=True, nullable=False)
    channel: str = Field(default="sms", max_length=16)
    status: str = Field(default="pending", max_length=16)
    expires_at: datetime = timestamp(nullable=False)
    sent_at: datetime | None = timestamp()
    reminders_sent: int = 0
    created_at: datetime = created_at()
