"""Evaluation bodies (the tenants that run evaluations) and the enterprises they evaluate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at


class EvaluationBody(SQLModel, table=True):
    __tablename__ = "evaluation_body"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    created_at: datetime = created_at()


class Enterprise(SQLModel, table=True):
    __tablename__ = "enterprise"
    __table_args__ = (UniqueConstraint("body_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="evaluation_body.id", index=True)
    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    industry: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    created_at: datetime = created_at()
