"""From a clear token to the invitation it opens and the questionnaire to show.

Every failure is one of two errors with fixed messages (invalid / expired), so the answer
never depends on whether a token exists for somebody else. Parsed questionnaires are cached
by the SHA-256 of their content (stored with the version), not by version id: ids repeat across
databases (a restored backup, several test databases in one process), content hashes do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from sqlalchemy import ColumnElement, Select
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from app.db.models.fieldwork import ReminderToken
from app.db.models.invitation import Invitation
from app.db.models.plan import ScoringPlan
from app.db.models.questionnaire import QuestionnaireVersion
from app.db.models.round import EvaluationRound
from app.db.types import utcnow
from app.domain.fieldwork.errors import InvalidTokenError, TokenExpiredError
from app.domain.fieldwork.tokens import hash_token, well_formed
from app.domain.rounds.lifecycle import RoundState
from questionnaires import Questionnaire, from_dict

_CACHE: dict[str, Questionnaire] = {}
_CACHE_LOCK = Lock()


@dataclass(frozen=True, slots=True)
class OpenInvitation:
    invitation_id: int
    round_id: int
    status: str
    expires_at: datetime
    questionnaire_version_id: int
    questionnaire: Questionnaire


def questionnaire_of_version(session: Session, version_id: int) -> Questionnaire:
    head = session.execute(
        sql_select(col(QuestionnaireVersion.sha256), col(QuestionnaireVersion.status)).where(
            col(QuestionnaireVersion.id) == version_id
        )
    ).first()
    if head is None or head[1] != "published":
        raise InvalidTokenError()
    cached = _CACHE.get(head[0])
    if cached is not None:
        return cached
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:
        raise InvalidTokenError()
    parsed = from_dict(version.content, source=f"questionnaire version {version_id}")
    with _CACHE_LOCK:
        _CACHE[head[0]] = parsed
    return parsed


def _invitation_query(
    where: ColumnElement[bool],
) -> Select[int | None, int, str, datetime, int, str]:
    return (
        sql_select(
            col(Invitation.id),
            col(Invitation.round_id),
            col(Invitation.status),
            col(Invitation.expires_at),
            col(ScoringPlan.questionnaire_version_id),
            col(EvaluationRound.state),
        )
        .join(ScoringPlan, col(ScoringPlan.round_id) == col(Invitation.round_id))
        .join(EvaluationRound, col(EvaluationRound.id) == col(Invitation.round_id))
        .where(where)
    )


def open_invitation(session: Session, token: str) -> OpenInvitation:
    """The invitation for ``token``; raises InvalidTokenError or TokenExpiredError."""
    if not well_formed(token):
        raise InvalidTokenError()
    digest = hash_token(token)
    row = session.execute(_invitation_query(col(Invitation.token_hash) == digest)).first()
    if row is None:  # a link sent with a reminder
        reminded = session.execute(
            sql_select(col(ReminderToken.invitation_id)).where(
                col(ReminderToken.token_hash) == digest
            )
        ).scalar_one_or_none()
        if reminded is not None:
            row = session.execute(_invitation_query(col(Invitation.id) == reminded)).first()
    if row is None:
        raise InvalidTokenError()
    inv_id, round_id, status, expires_at, version_id, round_state = row
    # An answered link still shows "already answered" after the deadline; others expire.
    closed = status == "expired" or expires_at <= utcnow() or round_state != RoundState.FIELDWORK
    if status != "answered" and closed:
        raise TokenExpiredError()
    return OpenInvitation(
        invitation_id=inv_id or 0,
        round_id=round_id,
        status=status,
        expires_at=expires_at,
        questionnaire_version_id=version_id,
        questionnaire=questionnaire_of_version(session, version_id),
    )
