"""The final submission: validated, stored in one transaction, exactly once per token.

Exactly-once rests on the database, not on locks in this process. The write transaction first
claims the invitation with a conditional ``UPDATE … WHERE status <> 'answered'``: of any
number of concurrent submits for one token exactly one claims it (PostgreSQL makes the others
wait on the row and then re-check the condition; SQLite's ``BEGIN IMMEDIATE`` queues them);
the others find the winner's response. ``survey_response.invitation_id`` is UNIQUE as well, so
even a path that bypassed the claim could not store a second response. The same answers then
get the winner's receipt (an idempotent replay); different answers are refused.

This is the hottest write path of the platform (hundreds per second at the close of a
fieldwork wave). The token lookup and the answer check run outside the write lock, on the
pooled connection's driver cursor (:mod:`app.db.driver`). The write is queued for the pool's
group commit (:mod:`app.db.group_commit`): one writer thread stores whatever is queued in one
transaction (:mod:`app.domain.fieldwork.storing`), each submission all-or-nothing — its claim,
response, answers, the draft's removal and its audit entry — and every caller is answered
only once that transaction has committed.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.canonical import canonical_json
from app.db.driver import DriverConnection
from app.db.group_commit import GroupCommit, group_commit
from app.db.outage import unavailable_as_domain_error
from app.domain.fieldwork.answers import AnswerValue, clean_answers
from app.domain.fieldwork.errors import AnswersInvalidError
from app.domain.fieldwork.lookup import open_invitation
from app.domain.fieldwork.storing import (
    Receipt,
    Stored,
    Submission,
    store_all,
    stored_responses,
)
from app.errors import ConflictError, TianpingError

__all__ = ["Receipt", "body_sha256", "submit_response", "submit_response_async"]

MAX_IDEMPOTENCY_KEY = 128
MAX_DURATION = 7 * 24 * 3600.0


def body_sha256(answers: Mapping[str, AnswerValue]) -> str:
    """Fingerprint of the stored answers (canonical JSON), to recognise a replay."""
    return hashlib.sha256(canonical_json(dict(answers))).hexdigest()


def _existing(conn: DriverConnection, invitation_id: int) -> Stored | None:
    return stored_responses(conn, [invitation_id]).get(invitation_id)


def _replay_or_refuse(existing: Stored, digest: str | None) -> Receipt:
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
class _Request:
    token: str
    answers: Mapping[str, AnswerValue]
    idempotency_key: str
    duration_seconds: float | None
    device_hash: str | None


def _prepare(engine: Engine, req: _Request) -> Receipt | Submission:
    """Outside the write lock: the token, the answers and an earlier response if any."""
    with engine.connect() as conn:
        db = DriverConnection(conn)
        opened = open_invitation(db, req.token)
        existing = _existing(db, opened.invitation_id) if opened.status == "answered" else None
        db.end_read()
    try:
        cleaned = clean_answers(opened.questionnaire, req.answers)
    except AnswersInvalidError:
        if existing is not None:
            _replay_or_refuse(existing, None)
        raise
    digest = body_sha256(cleaned)
    if existing is not None:
        return _replay_or_refuse(existing, digest)
    return Submission(
        opened, cleaned, digest, req.idempotency_key, req.duration_seconds, req.device_hash
    )


def _writer(engine: Engine) -> GroupCommit[Submission, Receipt | Stored]:
    return group_commit(engine, store_all, "survey-submissions")


def _settled(sub: Submission, outcome: Receipt | Stored) -> Receipt:
    return _replay_or_refuse(outcome, sub.digest) if isinstance(outcome, Stored) else outcome


def _after_conflict(engine: Engine, sub: Submission, error: IntegrityError) -> Receipt:
    """A UNIQUE refused our response: another transaction stored one first."""
    with engine.connect() as conn:
        db = DriverConnection(conn)
        winner = _existing(db, sub.opened.invitation_id)
        db.end_read()
    if winner is None:
        raise error
    return _replay_or_refuse(winner, sub.digest)


def _attempt(engine: Engine, req: _Request) -> Receipt:
    prepared = _prepare(engine, req)
    if isinstance(prepared, Receipt):
        return prepared
    try:
        outcome = _writer(engine).run(engine, prepared)
    except IntegrityError as exc:
        return _after_conflict(engine, prepared, exc)
    return _settled(prepared, outcome)


async def _attempt_async(engine: Engine, req: _Request) -> Receipt:
    loop = asyncio.get_running_loop()
    prepared = await loop.run_in_executor(None, _prepare, engine, req)
    if isinstance(prepared, Receipt):
        return prepared
    try:
        outcome = await asyncio.wrap_future(_writer(engine).submit(engine, prepared))
    except IntegrityError as exc:
        return await loop.run_in_executor(None, _after_conflict, engine, prepared, exc)
    return _settled(prepared, outcome)


def _request(
    token: str,
    answers: Mapping[str, int | str | None],
    idempotency_key: str,
    duration_seconds: float | None,
    device_hash: str | None,
) -> _Request:
    _check_inputs(idempotency_key, duration_seconds)
    return _Request(token, answers, idempotency_key, duration_seconds, device_hash)


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

    The write is queued for the pool's group commit (:mod:`app.db.group_commit`) and this
    returns once it is committed. A connection lost mid-way (a database restart, a failover)
    is retried once on a fresh connection: if the first commit did land, the retry finds it
    and returns its receipt. Raises DatabaseUnavailableError when the database cannot take
    the submission.
    """
    req = _request(token, answers, idempotency_key, duration_seconds, device_hash)
    with unavailable_as_domain_error():
        try:
            return _attempt(engine, req)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        return _attempt(engine, req)


async def submit_response_async(
    engine: Engine,
    *,
    token: str,
    answers: Mapping[str, int | str | None],
    idempotency_key: str,
    duration_seconds: float | None = None,
    device_hash: str | None = None,
) -> Receipt:
    """:func:`submit_response` for the event loop: the reads run in the loop's executor and
    the wait for the commit holds no thread, so a busy server's threads keep preparing
    submissions (and the group commit gets full batches) instead of waiting."""
    req = _request(token, answers, idempotency_key, duration_seconds, device_hash)
    with unavailable_as_domain_error():
        try:
            return await _attempt_async(engine, req)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        return await _attempt_async(engine, req)
