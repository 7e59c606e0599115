"""Evaluation rounds (projects) and the enterprises taking part in each."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, timestamp
from app.domain.rounds.lifecycle import RoundState

_STATES = ", ".join(f"'{s.value}'" for s in RoundState)


class EvaluationRound(SQLModel, table=True):
    __tablename__ = "evaluation_round"
    __table_args__ = (
        UniqueConstraint("body_id", "code"),
        CheckConstraint(f"state IN ({_STATES})", name="state_known"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="evaluation_body.id", index=True)
    code: str = Field(max_length=64)
    title: str = Field(max_length=200)
    industry: str = Field(default="", max_length=100)
    period_start: date
    period_end: date
    state: str = Field(default=RoundState.DRAFT.value, max_length=32)
    previous_round_id: int | None = Field(default=None, foreign_key="evaluation_round.id")
    # Set on a re-evaluation: the round whose findings this one follows up (same plan).
    follows_round_id: int | None = Field(default=None, foreign_key="evaluation_round.id")
    # Opt-in public disclosure of the round's results (grades, composites, certificates).
    results_public: bool = Field(default=False)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    scored_by: int | None = Field(default=None, foreign_key="app_user.id")
    approved_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_at()
    state_changed_at: datetime | None = timestamp()


class RoundEnterprise(SQLModel, table=True):
    __tablename__ = "round_enterprise"
    __table_args__ = (UniqueConstraint("round_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    assessor_id: int | None = Field(default=None, foreign_key="app_user.id")
