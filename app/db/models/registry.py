"""Case registries (the sampling frame) and their service cases.

Contact details are personal data: stored only encrypted (``*_enc``, AES-GCM with a key id)
plus a keyed hash for de-duplication; never in clear text, never in logs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import BigId, created_at, json_field, timestamp


class CaseRegistry(SQLModel, table=True):
    __tablename__ = "case_registry"
    # Re-importing the same file into the same round is a no-op, decided by its SHA-256.
    __table_args__ = (UniqueConstraint("round_id", "file_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    file_name: str = Field(max_length=255)
    file_sha256: str = Field(max_length=64)
    row_count: int = 0
    quarantined_count: int = 0
    imported_by: int | None = Field(default=None, foreign_key="app_user.id")
    imported_at: datetime = created_at()


class ServiceCase(SQLModel, table=True):
    __tablename__ = "service_case"
    __table_args__ = (
        UniqueConstraint("round_id", "case_id"),
        CheckConstraint(
            "complaint_class IS NULL OR complaint_class IN ('general', 'complex', 'urgent')",
            name="complaint_class_known",
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    registry_id: int = Field(foreign_key="case_registry.id", index=True)
    round_id: int = Field(foreign_key="evaluation_round.id")
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    case_id: str = Field(max_length=128)
    stratum: str = Field(default="", max_length=255)
    attributes: dict[str, Any] = json_field()
    phone_enc: str | None = Field(default=None, max_length=255)
    email_enc: str | None = Field(default=None, max_length=512)
    # Not indexed: no query reads by it yet, and an index on random 64-character keys cost a
    # third of PostgreSQL's work on every registry import (migration 4832f4ab448d).
    contact_hash: str | None = Field(default=None, max_length=64)
    opened_at: datetime | None = timestamp()
    first_response_at: datetime | None = timestamp()
    resolved_at: datetime | None = timestamp()
    complaint: bool | None = None
    complaint_class: str | None = Field(default=None, max_length=16)
    outcome: str | None = Field(default=None, max_length=100)
    assessed_at: datetime | None = timestamp()
    followed_up_at: datetime | None = timestamp()
    closed_at: datetime | None = timestamp()
    # Closure extended with the consumer's consent (0/1 in the registry, like ``complaint``).
    extended: bool | None = None
    category: str | None = Field(default=None, max_length=100)  # complaint category
    pii_purged_at: datetime | None = timestamp()


class QuarantinedRow(SQLModel, table=True):
    """A registry row kept aside by ``--accept-valid``: never silently dropped."""

    __tablename__ = "quarantined_row"

    id: int | None = Field(default=None, primary_key=True)
    registry_id: int = Field(foreign_key="case_registry.id", index=True)
    line: int
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON, nullable=False)
    # The raw row, encrypted as a whole because it may hold contact details.
    raw_enc: str = Field(max_length=8192)
