"""Append-only, hash-chained audit log (DESIGN §6).

Each entry's hash covers the previous entry's hash and the RFC 8785 canonical JSON of its own
fields, so altering, removing or re-ordering any entry breaks the chain from that point on, and
:func:`verify_chain` names the first entry where it breaks. Appends are serialised: on SQLite
by the write session's ``BEGIN IMMEDIATE``, on PostgreSQL by a transaction-level advisory lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, text
from sqlmodel import Session, col, select

from app.canonical import canonical_json
from app.db.driver import DriverConnection
from app.db.models.audit import AuditEntry
from app.db.types import utcnow
from app.errors import TianpingError

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x7469616E  # "tian"
# Keys that would carry personal data; the audit log must never hold any.
_PERSONAL_KEYS = frozenset({"phone", "email", "e-mail", "name", "contact", "address", "token"})
# Built once: every write path appends, and rebuilding these per call cost more than the insert.
_LOCK = text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_ADVISORY_LOCK_KEY)
_LAST = (
    select(col(AuditEntry.seq), col(AuditEntry.entry_hash))
    .order_by(col(AuditEntry.seq).desc())
    .limit(1)
)
_INSERT = insert(AuditEntry).returning(col(AuditEntry.id))


class AuditError(TianpingError):
    """An audit entry was refused (for example, it carried personal data)."""


def _payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "reason": entry.reason,
        "details": entry.details,
    }


def _hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    canonical = dict(fields)
    canonical["at"] = fields["at"].isoformat(timespec="microseconds")
    digest.update(canonical_json(canonical))
    return digest.hexdigest()


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    return _hash(prev_hash, _payload(entry))


def _check_no_personal_data(details: Mapping[str, Any]) -> None:
    for key, value in details.items():
        if key.lower() in _PERSONAL_KEYS:
            raise AuditError(f"audit details may not carry personal data (key {key!r})")
        if isinstance(value, Mapping):
            _check_no_personal_data(value)


@dataclass(frozen=True, slots=True)
class Record:
    """One entry to append, for :func:`append_many`."""

    actor: str
    action: str
    object_type: str
    object_id: str | int
    reason: str = ""
    details: Mapping[str, Any] | None = None


_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "reason",
    "details",
    "prev_hash",
    "entry_hash",
)


@dataclass(frozen=True, slots=True)
class Appended:
    id: int
    seq: int
    entry_hash: str


def append(
    session: Session | Connection,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> Appended:
    """Add one entry in the caller's (write) transaction (an ORM session or a Core
    connection; :func:`append_many` takes a driver-level one).

    Core statements and plain dicts, no ORM object: the entry is written once and never
    changed, and this runs on the hottest write path (every survey submission) while holding
    the chain's lock.
    """
    details = dict(details or {})
    _check_no_personal_data(details)
    dialect = session.get_bind().dialect if isinstance(session, Session) else session.dialect
    if dialect.name == "postgresql":
        session.execute(_LOCK)
    last = session.execute(_LAST).first()
    fields: dict[str, Any] = {
        "seq": (last[0] + 1) if last else 1,
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "reason": reason,
        "details": details,
    }
    prev_hash = last[1] if last else GENESIS_HASH
    entry_hash = _hash(prev_hash, fields)
    row_id = session.execute(
        _INSERT, {**fields, "prev_hash": prev_hash, "entry_hash": entry_hash}
    ).scalar_one()
    assert row_id is not None  # a primary key
    return Appended(row_id, fields["seq"], entry_hash)


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_entries(entries: Iterable[AuditEntry]) -> ChainVerdict:
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainVerdict(
                False,
                checked,
                expected_seq,
                f"entry {expected_seq} is missing (next is {entry.seq})",
            )
        if entry.prev_hash != prev_hash:
            return ChainVerdict(
                False, checked, entry.seq, f"entry {entry.seq} does not follow its predecessor"
            )
        if compute_hash(prev_hash, entry) != entry.entry_hash:
            return ChainVerdict(
                False, checked, entry.seq, f"entry {entry.seq} was altered after it was written"
            )
        prev_hash = entry.entry_hash
        expected_seq += 1
        checked += 1
    return ChainVerdict(True, checked)


def verify_chain(session: Session) -> ChainVerdict:
    rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all()
    return verify_entries(rows)


def append_many(db: DriverConnection, records: Sequence[Record]) -> None:
    """Add several entries in the caller's write transaction, in order, with one read of the
    chain's head and one multi-row INSERT (the survey's group commit: a batch of submissions
    holds the write lock for as few statements as possible)."""
    if not records:
        return
    if db.dialect.name == "postgresql":
        db.execute(_LOCK)
    last = db.execute(_LAST).first()
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    at = utcnow()
    rows: list[tuple[Any, ...]] = []
    for record in records:
        details = dict(record.details or {})
        _check_no_personal_data(details)
        seq += 1
        fields: dict[str, Any] = {
            "seq": seq,
            "at": at,
            "actor": record.actor,
            "action": record.action,
            "object_type": record.object_type,
            "object_id": str(record.object_id),
            "reason": record.reason,
            "details": details,
        }
        entry_hash = _hash(prev_hash, fields)
        rows.append((*fields.values(), prev_hash, entry_hash))
        prev_hash = entry_hash
    db.insert_rows(AuditEntry.__table__, _COLUMNS, rows)  # type: ignore[attr-defined]
