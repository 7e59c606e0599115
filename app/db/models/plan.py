"""Scoring plans. Frozen (hashed) before any answer is seen; the hash goes on the certificate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, json_field, timestamp


class ScoringPlan(SQLModel, table=True):
    __tablename__ = "scoring_plan"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", unique=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id", index=True)
    content: dict[str, Any] = json_field()
    sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_at()
    frozen_at: datetime | None = timestamp()
    frozen_by: int | None = Field(default=None, foreign_key="app_user.id")
