"""Findings: a shortfall the assessor (or an escalation rule) asks an enterprise to rectify.

Each finding names what it is about (a dimension, item, KPI, observation visit or the
composite score) and is checked against the round's questionnaire, plan or visits when
recorded; its status moves only through ``app.domain.rectification.states``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, timestamp
from app.domain.rectification.states import (
    SEVERITIES,
    TARGET_KINDS,
    FindingStatus,
    sql_in,
)


class Finding(SQLModel, table=True):
    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint(f"target_kind IN ({sql_in(TARGET_KINDS)})", name="target_kind_known"),
        CheckConstraint(f"severity IN ({sql_in(SEVERITIES)})", name="severity_known"),
        CheckConstraint(f"status IN ({sql_in(FindingStatus)})", name="status_known"),
        CheckConstraint("source IN ('assessor', 'rule')", name="source_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    target_kind: str = Field(max_length=16)
    target_code: str = Field(max_length=200)
    severity: str = Field(max_length=16)
    required_action: str = Field(max_length=4000)
    deadline: date
    status: str = Field(default=FindingStatus.OPEN.value, max_length=20)
    source: str = Field(default="assessor", max_length=16)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_at()
    status_changed_at: datetime | None = timestamp()
    reminded_on: date | None = None
