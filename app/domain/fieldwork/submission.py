"""The final submission: validated, stored in one transaction, exactly once per token.

Exactly-once rests on the database, not on locks in this process. The write transaction first
claims the invitation with a conditional ``UPDATE … WHERE status <> 'answered'``: of any
number of concurrent submits for one token exactly one claims it (PostgreSQL makes the others
wait on the row and then re-check the condition; SQLite's ``BEGIN IMMEDIATE`` queues them);
the others find the winner's response. ``survey_response.invitation_id`` is UNIQUE as well, so
even a path that bypassed the claim could not store a second response. The same answers then
get the winner's receipt (an idempotent replay); different answers are refused.

This is the hottest write path of the platform (hundreds per second at the close of a
fieldwork wave), so it uses Core statements built once and run on the pooled connection's
driver cursor (:mod:`app.db.driver`: the same SQL and stored values, a tenth of the Python per
statement): the token lookup and answer check outside the write lock, then one transaction
holding the claim, the response, its answers (one multi-row INSERT), the draft's removal and
the audit entry.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col

from app.canonical import canonical_json
from app.db.driver import DriverConnection
from app.db.group_commit import group_commit
from app.db.models.fieldwork import SurveyDraft
from app.db.models.invitation import Invitation
from app.db.models.response import Answer, SurveyResponse
from app.db.outage import unavailable_as_domain_error
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.fieldwork.answers import AnswerValue, clean_answers
from app.domain.fieldwork.errors import AnswersInvalidError
from app.domain.fieldwork.lookup import OpenInvitation, open_invitation
from app.errors import ConflictError, TianpingError

MAX_IDEMPOTENCY_KEY = 128
MAX_DURATION = 7 * 24 * 3600.0

_CLAIM = (
    update(Invitation)
    .where(col(Invitation.id) == bindparam("inv"), col(Invitation.status) != "answered")
    .values(status="answered")
)
_TAKE_DRAFT = (
    delete(SurveyDraft)
    .where(col(SurveyDraft.invitation_id) == bindparam("inv"))
    .returning(col(SurveyDraft.started_at))
)
_EXISTING = select(
    col(SurveyResponse.receipt), col(SurveyResponse.submitted_at), col(SurveyResponse.body_sha256)
).where(col(SurveyResponse.invitation_id) == bindparam("inv"))
_INSERT_RESPONSE = insert(SurveyResponse).returning(col(SurveyResponse.id))
_ANSWER_COLUMNS = "response_id, item_code, value, text"
_ANSWERS_PER_INSERT = 1000


@lru_cache(maxsize=64)
def _insert_answers_sql(rows: int, marker: str) -> str:
    """One multi-row ``INSERT`` for ``rows`` answers, in the driver's parameter style.

    Not an ``executemany``: the SQLite driver lets go of the interpreter lock at every row it
    steps, and each time the writer may wait for other threads to hand it back, while every
    other writer waits for it. (SQLAlchemy's multi-row ``values()`` would do the same in one
    statement but costs milliseconds to build for two dozen rows; this is a cached string.)
    """
    one = "(" + ", ".join([marker] * 4) + ")"
    return (
        f"INSERT INTO {Answer.__tablename__} ({_ANSWER_COLUMNS}) "  # noqa: S608 (fixed names)
        f"VALUES {', '.join([one] * rows)}"
    )


@dataclass(frozen=True, slots=True)
class Receipt:
    receipt: str
    submitted_at: datetime
    replayed: bool = False  # True when this call returned an earlier submission's receipt


@dataclass(frozen=True, slots=True)
class _Stored:
    receipt: str
    submitted_at: datetime
    body_sha256: str


def body_sha256(answers: Mapping[str, AnswerValue]) -> str:
    """Fingerprint of the stored answers (canonical JSON), to recognise a replay."""
    return hashlib.sha256(canonical_json(dict(answers))).hexdigest()


def _existing(conn: DriverConnection, invitation_id: int) -> _Stored | None:
    row = conn.execute(_EXISTING, {"inv": invitation_id}).first()
    return _Stored(row[0], row[1], row[2]) if row is not None else None


def _replay_or_refuse(existing: _Stored, digest: str | None) -> Receipt:
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


@dataclass(frozen=True, slots=True)
class _Submission:
    opened: OpenInvitation
    cleaned: dict[str, AnswerValue]
    digest: str
    idempotency_key: str
    duration_seconds: float | None
    device_hash: str | None


def _store(conn: DriverConnection, sub: _Submission) -> Receipt | _Stored:
    """The write transaction's body; returns the earlier response when the token was used."""
    inv_id = sub.opened.invitation_id
    if not conn.execute(_CLAIM, {"inv": inv_id}).rowcount:
        existing = _existing(conn, inv_id)
        if existing is not None:
            return existing
        # Marked answered without a response (edited by hand): the UNIQUE still guards.
    now = utcnow()
    started_at = conn.execute(_TAKE_DRAFT, {"inv": inv_id}).scalar_one_or_none()
    duration = sub.duration_seconds
    if started_at is None and duration is not None:
        started_at = now - timedelta(seconds=duration)
    if duration is None and started_at is not None:
        duration = (now - started_at).total_seconds()
    receipt = secrets.token_hex(16)
    response_id = conn.execute(
        _INSERT_RESPONSE,
        {
            "round_id": sub.opened.round_id,
            "invitation_id": inv_id,
            "questionnaire_version_id": sub.opened.questionnaire_version_id,
            "idempotency_key": sub.idempotency_key,
            "body_sha256": sub.digest,
            "receipt": receipt,
            "duration_seconds": duration,
            "device_hash": (sub.device_hash or None) and sub.device_hash[:64],
            "started_at": started_at,
            "submitted_at": now,
        },
    ).scalar_one()
    assert response_id is not None  # a primary key
    if sub.cleaned:
        marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        items = list(sub.cleaned.items())
        # Chunks keep within the drivers' bound-parameter limits (SQLite 32,766).
        for start in range(0, len(items), _ANSWERS_PER_INSERT):
            chunk = items[start : start + _ANSWERS_PER_INSERT]
            conn.exec_driver_sql(
                _insert_answers_sql(len(chunk), marker),
                tuple(
                    x
                    for code, value in chunk
                    for x in (
                        response_id,
                        code,
                        value if isinstance(value, int) else None,
                        value if isinstance(value, str) else None,
                    )
                ),
            )
    # Last, so the chain's lock (serialising every audited write) is held for the least time.
    append(
        conn,
        actor="consumer",
        action="response.submit",
        object_type="survey_response",
        object_id=response_id,
        details={"round": sub.opened.round_id, "answers": len(sub.cleaned)},
    )
    return Receipt(receipt, now)


def _attempt(
    engine: Engine,
    token: str,
    answers: Mapping[str, AnswerValue],
    idempotency_key: str,
    duration_seconds: float | None,
    device_hash: str | None,
) -> Receipt:
    with engine.connect() as conn:
        db = DriverConnection(conn)
        opened = open_invitation(db, token)
        existing = _existing(db, opened.invitation_id) if opened.status == "answered" else None
        db.end_read()
    try:
        cleaned = clean_answers(opened.questionnaire, answers)
    except AnswersInvalidError:
        if existing is not None:
            _replay_or_refuse(existing, None)
        raise
    digest = body_sha256(cleaned)
    if existing is not None:
        return _replay_or_refuse(existing, digest)
    sub = _Submission(opened, cleaned, digest, idempotency_key, duration_seconds, device_hash)
    try:
        outcome = group_commit(engine, _store, "survey-submissions").run(engine, sub)
    except IntegrityError:
        with engine.connect() as conn:
            db = DriverConnection(conn)
            winner = _existing(db, opened.invitation_id)
            db.end_read()
        if winner is None:
            raise
        return _replay_or_refuse(winner, digest)
    if isinstance(outcome, _Stored):
        return _replay_or_refuse(outcome, digest)
    return outcome


def submit_response(
    engine: Engine,
    *,
    token: str,
    answers: Mapping[str, int | str | None],
    idempotency_key: str,
    duration_seconds: float | None = None,
    device_hash: str | None = None,
) -> Receipt:
    """Store the consumer's final answers once; replays get the original receipt.

    A connection lost mid-way (a database restart, a failover) is retried once on a fresh
    connection: if the first commit did land, the retry finds it and returns its receipt.
    Raises DatabaseUnavailableError when the database cannot take the submission.
    """
    _check_inputs(idempotency_key, duration_seconds)
    with unavailable_as_domain_error():
        try:
            return _attempt(engine, token, answers, idempotency_key, duration_seconds, device_hash)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        return _attempt(engine, token, answers, idempotency_key, duration_seconds, device_hash)
