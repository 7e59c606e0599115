"""Per-round escalation rules: when a scorecard earns a warning, and when a warning escalates.

The product records and reports escalations for the regulator; it never sanctions anyone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import timestamp
from app.domain.rectification.states import SEVERITIES, sql_in


class EscalationRule(SQLModel, table=True):
    __tablename__ = "escalation_rule"
    __table_args__ = (
        CheckConstraint("days_to_rectify >= 1", name="days_positive"),
        CheckConstraint(f"severity IN ({sql_in(SEVERITIES)})", name="severity_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", unique=True)
    # A warning when the grade is worse than this one (by the plan's thresholds) ...
    grade_below: str | None = Field(default=None, max_length=16)
    # ... or when the composite estimate is below this score.
    composite_below: float | None = None
    days_to_rectify: int = 30
    severity: str = Field(default="major", max_length=16)
    escalate_when_overdue: bool = True
    escalate_when_repeated: bool = True
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime | None = timestamp()
