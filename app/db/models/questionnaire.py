"""Questionnaire versions. A published version is immutable (a trigger enforces it too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, json_field, timestamp


class QuestionnaireVersion(SQLModel, table=True):
    __tablename__ = "questionnaire_version"
    __table_args__ = (
        UniqueConstraint("body_id", "code", "version"),
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="evaluation_body.id", index=True)
    code: str = Field(max_length=64)
    version: int
    status: str = Field(default="draft", max_length=16)
    content: dict[str, Any] = json_field()
    sha256: str = Field(max_length=64)
    created_at: datetime = created_at()
    published_at: datetime | None = timestamp()
