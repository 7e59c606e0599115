"""Sample draws: the verifiable record and the cases it selected."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import BigId, created_at, json_field


class SampleDraw(SQLModel, table=True):
    __tablename__ = "sample_draw"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    algorithm: str = Field(max_length=64)
    seed: str = Field(max_length=128)
    registry_sha256: str = Field(max_length=64)
    selected_sha256: str = Field(max_length=64)
    record: dict[str, Any] = json_field()
    drawn_by: int | None = Field(default=None, foreign_key="app_user.id")
    witness_name: str = Field(default="", max_length=200)
    created_at: datetime = created_at()


class SampledCase(SQLModel, table=True):
    __tablename__ = "sampled_case"
    __table_args__ = (UniqueConstraint("draw_id", "case_pk"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    draw_id: int = Field(foreign_key="sample_draw.id", index=True)
    case_pk: int = Field(foreign_key="service_case.id", sa_type=BigId, index=True)
    selection_number: float
