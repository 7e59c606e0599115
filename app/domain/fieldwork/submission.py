"""The final submission: validated, stored in one transaction, exactly once per token.

Exactly-once rests on the database, not on locks in this process: ``survey_response`` has a
UNIQUE ``invitation_id``. Of any number of concurrent submits for one token, one insert wins;
the others hit the constraint, roll back and re-read the winner. The same answers then get the
winner's receipt (an idempotent replay); different answers are refused.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import rfc8785
from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db.engine import read_session, write_session
from app.db.models.fieldwork import SurveyDraft
from app.db.models.invitation import Invitation
from app.db.models.response import Answer, SurveyResponse
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.fieldwork.answers import AnswerValue, clean_answers
from app.domain.fieldwork.errors import AnswersInvalidError
from app.domain.fieldwork.lookup import open_invitation
from app.errors import ConflictError, TianpingError

MAX_IDEMPOTENCY_KEY = 128
MAX_DURATION = 7 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Receipt:
    receipt: str
    submitted_at: datetime
    replayed: bool = False  # True when this call returned an earlier submission's receipt


def body_sha256(answers: Mapping[str, AnswerValue]) -> str:
    """Fingerprint of the stored answers (canonical JSON), to recognise a replay."""
    return hashlib.sha256(rfc8785.dumps(dict(answers))).hexdigest()


def _existing(session: Session, invitation_id: int) -> SurveyResponse | None:
    return session.exec(
        select(SurveyResponse).where(SurveyResponse.invitation_id == invitation_id)
    ).first()


def _replay_or_refuse(existing: SurveyResponse, digest: str | None) -> Receipt:
    if digest is not None and existing.body_sha256 == digest:
        return Receipt(existing.receipt, existing.submitted_at, replayed=True)
    raise ConflictError(
        "this survey has already been answered with different answers; a response cannot "
        "be changed once submitted"
    )


def _check_inputs(idempotency_key: str, duration_seconds: float | None) -> None:
    if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise TianpingError(
            f"idempotency_key must be 1..{MAX_IDEMPOTENCY_KEY} characters (e.g. a UUID the "
            "client keeps for its retries)"
        )
    if duration_seconds is not None and not 0 <= duration_seconds <= MAX_DURATION:
        raise TianpingError("duration_seconds must be between 0 and one week")


def submit_response(
    engine: Engine,
    *,
    token: str,
    answers: Mapping[str, int | str | None],
    idempotency_key: str,
    duration_seconds: float | None = None,
    device_hash: str | None = None,
) -> Receipt:
    """Store the consumer's final answers once; replays get the original receipt."""
    _check_inputs(idempotency_key, duration_seconds)
    with read_session(engine) as session:
        opened = open_invitation(session, token)
        existing = _existing(session, opened.invitation_id) if opened.status == "answered" else None
    try:
        cleaned = clean_answers(opened.questionnaire, answers)
    except AnswersInvalidError:
        if existing is not None:
            _replay_or_refuse(existing, None)
        raise
    digest = body_sha256(cleaned)
    if existing is not None:
        return _replay_or_refuse(existing, digest)
    now = utcnow()
    receipt = secrets.token_hex(16)
    try:
        with write_session(engine) as session:
            started_at = session.exec(
                select(SurveyDraft.started_at).where(
                    SurveyDraft.invitation_id == opened.invitation_id
                )
            ).first()
            if started_at is None and duration_seconds is not None:
                started_at = now - timedelta(seconds=duration_seconds)
            if duration_seconds is None and started_at is not None:
                duration_seconds = (now - started_at).total_seconds()
            # Core INSERT … RETURNING: the UNIQUE invitation_id decides the race here.
            response_id = session.execute(
                insert(SurveyResponse)
                .values(
                    round_id=opened.round_id,
                    invitation_id=opened.invitation_id,
                    questionnaire_version_id=opened.questionnaire_version_id,
                    idempotency_key=idempotency_key,
                    body_sha256=digest,
                    receipt=receipt,
                    duration_seconds=duration_seconds,
                    device_hash=(device_hash or None) and device_hash[:64],
                    started_at=started_at,
                    submitted_at=now,
                )
                .returning(col(SurveyResponse.id))
            ).scalar_one()
            rows = [
                {
                    "response_id": response_id,
                    "item_code": code,
                    "value": value if isinstance(value, int) else None,
                    "text": value if isinstance(value, str) else None,
                }
                for code, value in cleaned.items()
            ]
            if rows:
                session.execute(insert(Answer), rows)
            session.execute(
                update(Invitation)
                .where(Invitation.id == opened.invitation_id)  # type: ignore[arg-type]
                .values(status="answered")
            )
            session.execute(
                delete(SurveyDraft).where(
                    SurveyDraft.invitation_id == opened.invitation_id  # type: ignore[arg-type]
                )
            )
            append(
                session,
                actor="consumer",
                action="response.submit",
                object_type="survey_response",
                object_id=response_id,
                details={"round": opened.round_id, "answers": len(rows)},
            )
    except IntegrityError:
        with read_session(engine) as session:
            winner = _existing(session, opened.invitation_id)
        if winner is None:
            raise
        return _replay_or_refuse(winner, digest)
    return Receipt(receipt, now)
