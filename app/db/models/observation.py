"""On-site observation visits: an assessor's checklist for one outlet of an enterprise.

Answers are stored as JSON (item code → answer) after being checked against the published
observation questionnaire the visit names, so a later questionnaire edit cannot change them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, json_field


class ObservationVisit(SQLModel, table=True):
    __tablename__ = "observation_visit"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_round.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    questionnaire_version_id: int = Field(foreign_key="questionnaire_version.id")
    assessor_id: int | None = Field(default=None, foreign_key="app_user.id")
    outlet: str = Field(max_length=200)
    visit_date: date
    answers: dict[str, Any] = json_field()
    notes: str = Field(default="", max_length=4000)
    created_at: datetime = created_at()
