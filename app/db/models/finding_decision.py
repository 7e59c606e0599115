"""The assessor's decision on a rectification plan: accepted, or rejected with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at


class FindingDecision(SQLModel, table=True):
    __tablename__ = "finding_decision"
    __table_args__ = (CheckConstraint("outcome IN ('accept', 'reject')", name="outcome_known"),)

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    plan_id: int = Field(foreign_key="rectification_plan.id", unique=True)
    outcome: str = Field(max_length=8)
    reason: str = Field(max_length=4000)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime = created_at()
