"""Save-and-resume: answers are saved screen by screen and reloaded from the link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db.engine import read_session, write_session
from app.db.models.fieldwork import SurveyDraft
from app.db.models.invitation import Invitation
from app.db.types import utcnow
from app.domain.fieldwork.answers import AnswerValue, check_one
from app.domain.fieldwork.errors import AnswerProblem, AnswersInvalidError
from app.errors import ConflictError
from questionnaires import Item


@dataclass(frozen=True, slots=True)
class Draft:
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    screen: int = 0
    started_at: datetime | None = None


def load_draft(engine: Engine, invitation_id: int) -> Draft:
    with read_session(engine) as session:
        row = session.exec(
            select(SurveyDraft).where(SurveyDraft.invitation_id == invitation_id)
        ).first()
    if row is None:
        return Draft()
    return Draft(dict(row.answers), row.screen, row.started_at)


def save_screen(
    engine: Engine,
    *,
    invitation_id: int,
    questionnaire_items: Mapping[str, Item],
    answers: Mapping[str, AnswerValue],
    next_screen: int,
) -> Draft:
    """Merge one screen's answers into the draft (each checked; problems re-asked at once).

    ``questionnaire_items`` maps item codes to their ``questionnaires.Item``; an answer to an
    item not in it is refused as unknown.
    """
    problems = tuple(
        p
        for code, value in answers.items()
        if (
            p := check_one(questionnaire_items[code], value)
            if code in questionnaire_items
            else AnswerProblem(code, "unknown_item")
        )
        is not None
    )
    if problems:
        raise AnswersInvalidError(problems)
    for attempt in range(2):
        try:
            with write_session(engine) as session:
                invitation = session.get(Invitation, invitation_id)
                if invitation is None or invitation.status == "answered":
                    raise ConflictError("this survey has already been answered")
                row = session.exec(
                    select(SurveyDraft).where(SurveyDraft.invitation_id == invitation_id)
                ).first()
                if row is None:
                    row = SurveyDraft(invitation_id=invitation_id)
                    # Conditional in SQL, not on the row read above: a submission committed
                    # meanwhile (PostgreSQL reads committed data) must not be set back.
                    session.execute(
                        update(Invitation)
                        .where(
                            col(Invitation.id) == invitation_id,
                            col(Invitation.status).in_(("pending", "sent")),
                        )
                        .values(status="opened")
                    )
                merged = dict(row.answers)
                merged.update(answers)
                row.answers = merged
                row.screen = next_screen
                row.updated_at = utcnow()
                session.add(row)
                return Draft(merged, next_screen, row.started_at)
        except IntegrityError:
            if attempt:  # a concurrent first save created the row: merge into it once more
                raise
    raise AssertionError("unreachable")
