"""Signed heads of the audit chain: the evaluation body's Ed25519 key vouches for an entry.

The hash chain alone cannot reveal that its newest entries were cut off (what remains still
chains correctly), nor a rewrite of the whole tail with recomputed hashes. A signature over
(seq, entry hash) made with a key the database does not hold pins the chain: every later
verification must find that entry, with that hash, still in the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db.models._columns import BigId, created_at


class AuditHeadSignature(SQLModel, table=True):
    __tablename__ = "audit_head_signature"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    entry_seq: int = Field(sa_type=BigId, index=True)
    entry_hash: str = Field(max_length=64)
    key_id: str = Field(max_length=100)
    # Base64 of the Ed25519 signature over the RFC 8785 JSON of seq, hash, key id and time.
    signature: str = Field(max_length=128)
    signed_at: datetime = created_at()
