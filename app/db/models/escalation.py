"""Warnings and escalations recorded for the regulator, one per finding and level."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at
from app.domain.rectification.states import LEVELS, TRIGGERS, sql_in


class Escalation(SQLModel, table=True):
    __tablename__ = "escalation"
    __table_args__ = (
        UniqueConstraint("finding_id", "level"),
        CheckConstraint(f"level IN ({sql_in(LEVELS)})", name="level_known"),
        CheckConstraint(f"cause IN ({sql_in(TRIGGERS)})", name="cause_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    level: str = Field(max_length=16)
    cause: str = Field(max_length=16)
    reason: str = Field(max_length=500)
    created_at: datetime = created_at()
