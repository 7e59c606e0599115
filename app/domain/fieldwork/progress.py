"""Fieldwork progress: sampled, invited and responded cases per enterprise and stratum."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlmodel import Session, col

from app.db.models.draw import SampledCase, SampleDraw
from app.db.models.fieldwork import OutboxMessage
from app.db.models.invitation import Invitation
from app.db.models.registry import ServiceCase
from app.db.models.response import SurveyResponse
from app.db.models.tenancy import Enterprise


@dataclass(frozen=True, slots=True)
class ResponseCount:
    enterprise_id: int
    enterprise_code: str
    stratum: str
    sampled: int
    invited: int
    responded: int

    @property
    def rate(self) -> float:
        """Responses per sampled case (0.0 when nothing was sampled)."""
        return self.responded / self.sampled if self.sampled else 0.0


def response_counts(session: Session, round_id: int) -> list[ResponseCount]:
    """Counts for every enterprise × stratum of the round's sample, ordered by code, stratum."""
    rows = session.execute(
        select(
            col(Enterprise.id),
            col(Enterprise.code),
            col(ServiceCase.stratum),
            func.count(distinct(col(SampledCase.id))),
            func.count(distinct(col(Invitation.id))),
            func.count(distinct(col(SurveyResponse.id))),
        )
        .select_from(SampledCase)
        .join(SampleDraw, col(SampleDraw.id) == col(SampledCase.draw_id))
        .join(ServiceCase, col(ServiceCase.id) == col(SampledCase.case_pk))
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .outerjoin(Invitation, col(Invitation.sampled_case_id) == col(SampledCase.id))
        .outerjoin(SurveyResponse, col(SurveyResponse.invitation_id) == col(Invitation.id))
        .where(col(SampleDraw.round_id) == round_id)
        .group_by(col(Enterprise.id), col(Enterprise.code), col(ServiceCase.stratum))
        .order_by(col(Enterprise.code), col(ServiceCase.stratum))
    ).all()
    return [
        ResponseCount(ent_id or 0, code, stratum, sampled, invited, responded)
        for ent_id, code, stratum, sampled, invited, responded in rows
    ]


def outbox_summary(session: Session, round_id: int) -> dict[tuple[int, str], int]:
    """Messages of the round by (message number, status): 0 = invitation, 1.. = reminders."""
    rows = session.execute(
        select(col(OutboxMessage.number), col(OutboxMessage.status), func.count())
        .join(Invitation, col(Invitation.id) == col(OutboxMessage.invitation_id))
        .where(col(Invitation.round_id) == round_id)
        .group_by(col(OutboxMessage.number), col(OutboxMessage.status))
    ).all()
    return {(number, status): int(n) for number, status, n in rows}
