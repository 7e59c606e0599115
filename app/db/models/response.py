"""Survey responses and their answers; one accepted response per invitation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import BigId, created_at, timestamp


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "survey_response"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    invitation_id: int = Field(foreign_key="invitation.id", sa_type=BigId, unique=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id")
    idempotency_key: str = Field(max_length=128)
    body_sha256: str = Field(max_length=64)
    receipt: str = Field(max_length=64, unique=True)
    duration_seconds: float | None = None
    device_hash: str | None = Field(default=None, max_length=64)
    started_at: datetime | None = timestamp()
    submitted_at: datetime = created_at()


class Answer(SQLModel, table=True):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_code"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    response_id: int = Field(foreign_key="survey_response.id", sa_type=BigId, index=True)
    item_code: str = Field(max_length=64)
    value: int | None = None
    text: str | None = Field(default=None, max_length=4000)
