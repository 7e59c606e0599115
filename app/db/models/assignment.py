"""Random assessor assignment (双随机) of a round: the verifiable record, one per round."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, json_field


class AssessorAssignment(SQLModel, table=True):
    __tablename__ = "assessor_assignment"

    id: int | None = Field(default=None, primary_key=True)
    # Unique: a second assignment would let someone re-draw until they like the result.
    round_id: int = Field(foreign_key="evaluation_round.id", unique=True)
    seed: str = Field(max_length=128)
    record: dict[str, Any] = json_field()
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_at()
