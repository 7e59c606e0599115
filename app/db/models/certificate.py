"""Issued certificates and their status (valid, revoked, superseded; expiry is by date)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, json_field, timestamp


class Certificate(SQLModel, table=True):
    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint("status IN ('valid', 'revoked', 'superseded')", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    scorecard_id: int = Field(foreign_key="scorecard.id")
    status: str = Field(default="valid", max_length=16)
    facts: dict[str, Any] = json_field()
    signature: str = Field(max_length=256)
    key_id: str = Field(max_length=64)
    pdf_sha256: str | None = Field(default=None, max_length=64)
    valid_until: date
    issued_at: datetime = created_at()
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = timestamp()
    revoke_reason: str | None = Field(default=None, max_length=1000)
    superseded_by_id: int | None = Field(default=None, foreign_key="certificate.id")
