"""Computed scorecards, one per enterprise and round, with the plan hash they were built on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, json_field


class Scorecard(SQLModel, table=True):
    __tablename__ = "scorecard"
    __table_args__ = (UniqueConstraint("round_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    plan_sha256: str = Field(max_length=64)
    content: dict[str, Any] = json_field()
    computed_by: int | None = Field(default=None, foreign_key="app_user.id")
    computed_at: datetime = created_at()
