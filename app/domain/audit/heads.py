"""Signed chain heads: the evaluation body's Ed25519 key vouches for the newest audit entry.

``sign_head`` is run periodically (``tianping audit sign-head`` from cron, or
:func:`sign_head_if_due` after a batch of appends). ``verify_all`` then checks, beyond the hash
chain itself, that every stored head signature is genuine and that the chain still passes
through each signed entry with the signed hash: cutting off the newest entries (truncation) or
rewriting a stretch with recomputed hashes is detected, naming the first entry affected.
Each signed head is also written to the ``tianping.audit`` log, so a copy outside the database
survives an attacker who deletes the newest rows of both tables.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from datetime import datetime

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import Session, col, func, select

from app.db.models.audit import AuditEntry
from app.db.models.audit_head import AuditHeadSignature
from app.db.types import utcnow
from app.domain.audit.chain import ChainVerdict, verify_chain

log = logging.getLogger("tianping.audit")


def signed_message(entry_seq: int, entry_hash: str, key_id: str, signed_at: datetime) -> bytes:
    return rfc8785.dumps(
        {
            "purpose": "tianping-audit-head",
            "seq": entry_seq,
            "entry_hash": entry_hash,
            "key_id": key_id,
            "signed_at": signed_at.isoformat(timespec="microseconds"),
        }
    )


def latest_head(session: Session) -> AuditHeadSignature | None:
    return session.exec(
        select(AuditHeadSignature).order_by(col(AuditHeadSignature.entry_seq).desc()).limit(1)
    ).first()


def sign_head(
    session: Session, key_id: str, key: Ed25519PrivateKey, *, now: datetime | None = None
) -> AuditHeadSignature | None:
    """Sign the newest entry (in the caller's write transaction).

    Returns None when the log is empty; returns the existing signature when the newest entry
    is already signed, so running it from cron more often than entries arrive adds nothing.
    """
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
    if last is None:
        return None
    previous = latest_head(session)
    if previous is not None and previous.entry_seq == last.seq:
        return previous
    signed_at = now or utcnow()
    signature = key.sign(signed_message(last.seq, last.entry_hash, key_id, signed_at))
    head = AuditHeadSignature(
        entry_seq=last.seq,
        entry_hash=last.entry_hash,
        key_id=key_id,
        signature=base64.b64encode(signature).decode("ascii"),
        signed_at=signed_at,
    )
    session.add(head)
    session.flush()
    log.info(
        "audit head signed: seq=%s hash=%s key=%s signature=%s",
        head.entry_seq,
        head.entry_hash,
        head.key_id,
        head.signature,
    )
    return head


def sign_head_if_due(
    session: Session, key_id: str, key: Ed25519PrivateKey, *, every: int = 100
) -> AuditHeadSignature | None:
    """Sign when at least ``every`` entries were appended since the last signed head."""
    newest = session.exec(select(func.max(AuditEntry.seq))).one() or 0
    previous = latest_head(session)
    if newest - (previous.entry_seq if previous else 0) < every:
        return None
    return sign_head(session, key_id, key)


def _signature_ok(head: AuditHeadSignature, public_keys: Mapping[str, Ed25519PublicKey]) -> bool:
    key = public_keys.get(head.key_id)
    if key is None:
        return False
    try:
        raw = base64.b64decode(head.signature, validate=True)
        key.verify(
            raw, signed_message(head.entry_seq, head.entry_hash, head.key_id, head.signed_at)
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def verify_heads(
    session: Session, public_keys: Mapping[str, Ed25519PublicKey], chain: ChainVerdict
) -> ChainVerdict:
    """Check every signed head against the chain (already verified up to ``chain.checked``)."""
    heads = session.exec(
        select(AuditHeadSignature).order_by(
            col(AuditHeadSignature.entry_seq), col(AuditHeadSignature.id)
        )
    ).all()
    last_seq = session.exec(select(func.max(AuditEntry.seq))).one() or 0
    previous_seq = 0
    for head in heads:
        if not _signature_ok(head, public_keys):
            return ChainVerdict(
                False,
                chain.checked,
                head.entry_seq,
                f"the signed head at entry {head.entry_seq} has an invalid signature or an "
                f"unknown key {head.key_id!r} (forged or altered head record)",
            )
        if head.entry_seq > last_seq:
            return ChainVerdict(
                False,
                chain.checked,
                last_seq + 1,
                f"entry {last_seq + 1} is missing: the chain ends at {last_seq} but entry "
                f"{head.entry_seq} was signed (the log was truncated)",
            )
        entry = session.exec(select(AuditEntry).where(AuditEntry.seq == head.entry_seq)).first()
        if entry is None or entry.entry_hash != head.entry_hash:
            first = previous_seq + 1
            return ChainVerdict(
                False,
                chain.checked,
                first,
                f"entry {head.entry_seq} no longer has its signed hash: entries {first} to "
                f"{head.entry_seq} were rewritten (first possibly altered entry: {first})",
            )
        previous_seq = head.entry_seq
    return chain


def verify_all(session: Session, public_keys: Mapping[str, Ed25519PublicKey]) -> ChainVerdict:
    """The hash chain, then the signed heads; the earliest problem found is reported."""
    chain = verify_chain(session)
    heads = verify_heads(session, public_keys, chain)
    if chain.ok:
        return heads
    if not heads.ok and heads.first_bad_seq is not None and chain.first_bad_seq is not None:
        return heads if heads.first_bad_seq < chain.first_bad_seq else chain
    return chain


def head_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditHeadSignature)).one())
