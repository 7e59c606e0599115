"""The append-only, hash-chained audit log. No personal data goes in here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.db.models._columns import BigId, created_at, json_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    seq: int = Field(unique=True, sa_type=BigId)
    at: datetime = created_at()
    actor: str = Field(max_length=100)
    action: str = Field(max_length=100)
    object_type: str = Field(max_length=64)
    object_id: str = Field(max_length=128)
    reason: str = Field(default="", max_length=1000)
    details: dict[str, Any] = json_field()
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64, unique=True)
