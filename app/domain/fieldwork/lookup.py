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

from sqlalchemy import Connection, Select, bindparam
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from app.db.driver import DriverConnection
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


_Columns = tuple[int | None, int, str, datetime, int, str, str, str]


def _invitation_query() -> Select[int | None, int, str, datetime, int, str, str, str]:
    return (
        sql_select(
            col(Invitation.id),
            col(Invitation.round_id),
            col(Invitation.status),
            col(Invitation.expires_at),
            col(ScoringPlan.questionnaire_version_id),
            col(EvaluationRound.state),
            col(QuestionnaireVersion.sha256),
            col(QuestionnaireVersion.status),
        )
        .join(ScoringPlan, col(ScoringPlan.round_id) == col(Invitation.round_id))
        .join(EvaluationRound, col(EvaluationRound.id) == col(Invitation.round_id))
        .join(
            QuestionnaireVersion,
            col(QuestionnaireVersion.id) == col(ScoringPlan.questionnaire_version_id),
        )
    )


# Built once (every submission runs one of them): one indexed lookup by the token's hash, and
# the reminder links' table only when that misses.
_BY_TOKEN = _invitation_query().where(col(Invitation.token_hash) == bindparam("digest"))
_BY_REMINDER = (
    _invitation_query()
    .join(ReminderToken, col(ReminderToken.invitation_id) == col(Invitation.id))
    .where(col(ReminderToken.token_hash) == bindparam("digest"))
)
_CONTENT = sql_select(col(QuestionnaireVersion.content)).where(
    col(QuestionnaireVersion.id) == bindparam("version_id")
)


def _questionnaire(
    db: Session | Connection | DriverConnection, version_id: int, sha256: str
) -> Questionnaire:
    cached = _CACHE.get(sha256)
    if cached is not None:
        return cached
    content = db.execute(_CONTENT, {"version_id": version_id}).scalar_one_or_none()
    if content is None:
        raise InvalidTokenError()
    parsed = from_dict(content, source=f"questionnaire version {version_id}")
    with _CACHE_LOCK:
        _CACHE[sha256] = parsed
    return parsed


def _find(db: Session | Connection | DriverConnection, token: str) -> _Columns:
    if not well_formed(token):
        raise InvalidTokenError()
    params = {"digest": hash_token(token)}
    row = db.execute(_BY_TOKEN, params).first()
    if row is None:  # a link sent with a reminder
        row = db.execute(_BY_REMINDER, params).first()
    if row is None:
        raise InvalidTokenError()
    found: _Columns = tuple(row)  # the select's eight columns
    return found


def open_invitation(db: Session | Connection | DriverConnection, token: str) -> OpenInvitation:
    """The invitation for ``token``; raises InvalidTokenError or TokenExpiredError.

    Takes a Core or driver-level connection as well as a session: the submission path skips
    the ORM (:mod:`app.db.driver`).
    """
    inv_id, round_id, status, expires_at, version_id, round_state, sha256, published = _find(
        db, token
    )
    if published != "published":
        raise InvalidTokenError()
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
        questionnaire=_questionnaire(db, version_id, sha256),
    )
