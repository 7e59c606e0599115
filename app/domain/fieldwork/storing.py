"""The write half of a survey submission: a batch of checked submissions, stored set-wise.

Runs inside the group commit's transaction (:mod:`app.db.group_commit`), holding the database's
write lock, so it spends as few statements as it can: whatever the batch size, one claim of
the invitations, one read of responses already stored, one removal of saved drafts, one
INSERT of responses, the answers in as few INSERTs as the drivers allow, and one audit append.
Each statement hands the interpreter to other threads while the driver works, and each hand
back costs up to the switch interval under load: per-submission statements made the lock's
holder wait more than it wrote.

Exactly-once, as before: the conditional claim (``UPDATE … WHERE status <> 'answered'``)
lets one transaction take an invitation, and ``survey_response.invitation_id`` is UNIQUE. A
token twice in one batch is stored once; the second copy gets the first's receipt as an
earlier response, which the caller turns into a replay or a refusal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.db.driver import DriverConnection
from app.db.models.fieldwork import SurveyDraft
from app.db.models.invitation import Invitation
from app.db.models.response import Answer, SurveyResponse
from app.db.types import utcnow
from app.domain.audit.chain import Record, append_many
from app.domain.fieldwork.answers import AnswerValue
from app.domain.fieldwork.lookup import OpenInvitation

_INVITATION = Invitation.__table__  # type: ignore[attr-defined]
_RESPONSE = SurveyResponse.__table__  # type: ignore[attr-defined]
_DRAFT = SurveyDraft.__table__  # type: ignore[attr-defined]
_ANSWER = Answer.__table__  # type: ignore[attr-defined]
_RESPONSE_COLUMNS = (
    "round_id",
    "invitation_id",
    "questionnaire_version_id",
    "idempotency_key",
    "body_sha256",
    "receipt",
    "duration_seconds",
    "device_hash",
    "started_at",
    "submitted_at",
)
_ANSWER_COLUMNS = ("response_id", "item_code", "value", "text")


@dataclass(frozen=True, slots=True)
class Receipt:
    receipt: str
    submitted_at: datetime
    replayed: bool = False  # True when this call returned an earlier submission's receipt


@dataclass(frozen=True, slots=True)
class Stored:
    """A response already stored for the invitation (by an earlier or a concurrent submit)."""

    receipt: str
    submitted_at: datetime
    body_sha256: str


@dataclass(frozen=True, slots=True)
class Submission:
    """A submission checked outside the write lock, ready to store."""

    opened: OpenInvitation
    cleaned: dict[str, AnswerValue]
    digest: str
    idempotency_key: str
    duration_seconds: float | None
    device_hash: str | None

    def answer_rows(self, response_id: int) -> list[tuple[object, ...]]:
        return [
            (
                response_id,
                code,
                value if isinstance(value, int) else None,
                value if isinstance(value, str) else None,
            )
            for code, value in self.cleaned.items()
        ]


def _in(values: list[int]) -> str:
    return "(" + ", ".join(["?"] * len(values)) + ")"


def _claim(db: DriverConnection, ids: list[int]) -> set[int]:
    sql = (
        f"UPDATE {_INVITATION.name} SET status = 'answered' "  # noqa: S608 (fixed names)
        f"WHERE id IN {_in(ids)} AND status <> 'answered' RETURNING id"
    )
    return {row[0] for row in db.fetch(sql, ids, [None])}


def stored_responses(db: DriverConnection, ids: list[int]) -> dict[int, Stored]:
    """The responses stored for these invitations, by invitation id."""
    if not ids:
        return {}
    r = _RESPONSE.c
    sql = (
        "SELECT invitation_id, receipt, submitted_at, body_sha256 "  # noqa: S608 (fixed names)
        f"FROM {_RESPONSE.name} WHERE invitation_id IN {_in(ids)}"
    )
    rows = db.fetch(sql, ids, [None, None, r.submitted_at, None])
    return {inv: Stored(receipt, at, digest) for inv, receipt, at, digest in rows}


def _take_drafts(db: DriverConnection, ids: list[int]) -> dict[int, datetime]:
    """Remove the saved drafts; their start times (when the consumer opened the survey)."""
    sql = (
        f"DELETE FROM {_DRAFT.name} WHERE invitation_id IN {_in(ids)} "  # noqa: S608
        "RETURNING invitation_id, started_at"
    )
    return dict(db.fetch(sql, ids, [None, _DRAFT.c.started_at]))


def _response_row(
    sub: Submission, receipt: str, now: datetime, draft_started: datetime | None
) -> tuple[object, ...]:
    started_at, duration = draft_started, sub.duration_seconds
    if started_at is None and duration is not None:
        started_at = now - timedelta(seconds=duration)
    if duration is None and started_at is not None:
        duration = (now - started_at).total_seconds()
    return (
        sub.opened.round_id,
        sub.opened.invitation_id,
        sub.opened.questionnaire_version_id,
        sub.idempotency_key,
        sub.digest,
        receipt,
        duration,
        (sub.device_hash or None) and sub.device_hash[:64],
        started_at,
        now,
    )


def store_all(db: DriverConnection, subs: list[Submission]) -> list[Receipt | Stored]:
    """Store ``subs`` in the caller's write transaction; per submission, its new receipt or
    the response stored before it for the same invitation."""
    # Sorted: two PostgreSQL batches claiming overlapping invitations lock them in one order.
    ids = sorted({sub.opened.invitation_id for sub in subs})
    claimed = _claim(db, ids)
    # Not claimed: answered already. Its response, if any; an invitation marked answered
    # without one (edited by hand) gets one now, and the UNIQUE still guards.
    earlier = stored_responses(db, [i for i in ids if i not in claimed])
    creators: dict[int, int] = {}  # invitation id -> index of the submission that stores it
    for index, sub in enumerate(subs):
        inv = sub.opened.invitation_id
        if inv not in earlier and inv not in creators:
            creators[inv] = index
    now = utcnow()
    results: list[Receipt | Stored | None] = [None] * len(subs)
    receipts: dict[int, str] = {}
    if creators:
        drafts = _take_drafts(db, list(creators))
        receipts = {inv: secrets.token_hex(16) for inv in creators}
        rows = [
            _response_row(subs[index], receipts[inv], now, drafts.get(inv))
            for inv, index in creators.items()
        ]
        returned = db.insert_rows(_RESPONSE, _RESPONSE_COLUMNS, rows, ("id", "invitation_id"))
        response_ids = {inv: rid for rid, inv in returned}
        answers = [
            row
            for inv, index in creators.items()
            for row in subs[index].answer_rows(response_ids[inv])
        ]
        if answers:
            db.insert_rows(_ANSWER, _ANSWER_COLUMNS, answers)
        # Last, so the chain's lock (serialising every audited write) is held the least time.
        append_many(
            db,
            [
                Record(
                    actor="consumer",
                    action="response.submit",
                    object_type="survey_response",
                    object_id=response_ids[inv],
                    details={
                        "round": subs[index].opened.round_id,
                        "answers": len(subs[index].cleaned),
                    },
                )
                for inv, index in creators.items()
            ],
        )
        for inv, index in creators.items():
            results[index] = Receipt(receipts[inv], now)
    for index, sub in enumerate(subs):
        if results[index] is None:
            inv = sub.opened.invitation_id
            first = creators.get(inv)
            results[index] = (
                earlier[inv] if first is None else Stored(receipts[inv], now, subs[first].digest)
            )
    return [r for r in results if r is not None]
