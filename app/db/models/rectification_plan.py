"""An enterprise's rectification plan for one finding (a rejected plan is followed by another)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at


class RectificationPlan(SQLModel, table=True):
    __tablename__ = "rectification_plan"

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    text: str = Field(max_length=8000)
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime = created_at()
