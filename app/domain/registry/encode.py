"""Validated registry rows → values ready for the bulk writer: encrypted, hashed, serialised.

Everything here is plain Python without a database connection, so it can run in a worker
process while the importing process inserts (see :mod:`app.domain.registry.pipeline`). The
output of :meth:`CaseEncoder.encode` is a tuple ordered as ``CASE_COLUMNS`` holding only
``str``/``int``/``bool``/``None`` — cheap to pickle and bound as-is by both drivers — with
exactly the values the ORM would store.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.errors import ConfigurationError
from app.pii import FORMAT_VERSION, NONCE_BYTES, Keyring, keyed_hash
from app.secrets import KeyMaterial
from sampling.rows import CaseRow

try:  # CPython's own SHA-256: copying its state is several times cheaper than OpenSSL's
    from _sha256 import sha256 as _fast_sha256
except ImportError:  # pragma: no cover - other interpreters
    _fast_sha256 = hashlib.sha256

CaseTuple = tuple[Any, ...]
_URLSAFE = bytes.maketrans(b"+/", b"-_")  # base64 → base64url, as base64.urlsafe_b64encode


class Sealer:
    """``Keyring.encrypt`` with one AES-GCM context and one ``urandom`` call per batch.

    Tokens are exactly ``Keyring.encrypt``'s (``v1.<key id>.<b64url(nonce‖ct‖tag)>``, key id
    as associated data, a fresh random 96-bit nonce per value); building the cipher once per
    import instead of once per value is most of the saving. The first token is decrypted
    with the keyring as a guard against the two ever drifting apart.
    """

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._cipher = AESGCM(keyring.keys[keyring.active])
        self._aad = Keyring._aad(keyring.active)
        self._prefix = f"{FORMAT_VERSION}.{keyring.active}."
        self._nonces = b""
        self._next = 0
        self._checked = False

    def refill(self, count: int) -> None:
        self._nonces = os.urandom(NONCE_BYTES * count)
        self._next = 0

    def seal(self, value: str) -> str:
        start = self._next
        if start + NONCE_BYTES > len(self._nonces):
            self.refill(1024)
            start = 0
        end = start + NONCE_BYTES
        nonce = self._nonces[start:end]
        self._next = end
        sealed = self._cipher.encrypt(nonce, value.encode(), self._aad)
        body = binascii.b2a_base64(nonce + sealed, newline=False).translate(_URLSAFE)
        token = self._prefix + body.decode("ascii").rstrip("=")
        if not self._checked:
            if self._keyring.decrypt(token) != value:
                raise RuntimeError("bulk encryption disagrees with Keyring.encrypt")
            self._checked = True
        return token


class ContactHasher:
    """``app.pii.keyed_hash`` from precomputed HMAC pad states (RFC 2104).

    Building an HMAC object per value costs more than the hash itself; copying two
    prepared SHA-256 states does not. The first value is checked against ``keyed_hash``.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigurationError("the personal-data hashing key must be at least 16 bytes")
        block = key if len(key) <= 64 else hashlib.sha256(key).digest()
        block = block.ljust(64, b"\0")
        self._key = key
        self._inner = _fast_sha256(bytes(b ^ 0x36 for b in block))
        self._outer = _fast_sha256(bytes(b ^ 0x5C for b in block))
        self._checked = False

    def __call__(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        digest: str = outer.hexdigest()
        if not self._checked:
            if keyed_hash(value, self._key) != digest:
                raise RuntimeError("bulk contact hash disagrees with keyed_hash")
            self._checked = True
        return digest


class _Timestamps(dict[datetime | None, str | None]):
    """Aware datetime → the text stored for it in a ``UTCDateTime`` column.

    SQLite: what SQLAlchemy's SQLite ``DATETIME`` writes for the ORM, naive UTC with
    microseconds (``2026-03-01 01:00:00.000000``); PostgreSQL: the UTC instant with its offset,
    which COPY reads into ``timestamptz``. Registries repeat the same minutes a lot, so
    results are memoised; the memo starts afresh when it grows large.
    """

    limit = 200_000

    def __init__(self, sqlite: bool) -> None:
        super().__init__({None: None})
        self._sqlite = sqlite

    def __missing__(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        if len(self) > self.limit:
            self.clear()
            self[None] = None
        utc = moment.astimezone(UTC)
        if self._sqlite:
            text = utc.replace(tzinfo=None).isoformat(" ", "microseconds")
        else:
            text = utc.isoformat(" ")
        self[moment] = text
        return text


@dataclass(frozen=True)
class EncodingContext:
    """What a worker needs to encode rows of one import (picklable)."""

    registry_id: int
    round_id: int
    strata: tuple[str, ...]
    enterprise_ids: Mapping[str, int]
    dialect: str  # "sqlite" or "postgresql": how attribute JSON is written
    keys: KeyMaterial


class CaseEncoder:
    """Turns :class:`CaseRow` batches into bulk-writer tuples; see the module docstring."""

    def __init__(self, ctx: EncodingContext) -> None:
        self._ctx = ctx
        self._sealer = Sealer(ctx.keys.keyring)
        self._hash = ContactHasher(ctx.keys.contact_hash_key)
        self._times = _Timestamps(ctx.dialect == "sqlite")
        # Stratum values → (stored stratum label, attributes JSON); a file has few distinct.
        self._strata: dict[tuple[str, ...], tuple[str, str]] = {}
        self._enterprises = dict(ctx.enterprise_ids)

    def _stratum(self, values: tuple[str, ...]) -> tuple[str, str]:
        attributes = dict(zip(self._ctx.strata, values, strict=True))
        # The ORM's JSON type escapes non-ASCII on SQLite; PostgreSQL stores the text as sent.
        text = json.dumps(attributes, ensure_ascii=self._ctx.dialect == "sqlite")
        done = self._strata[values] = ("|".join(values), text)
        return done

    def encode(self, rows: Sequence[CaseRow]) -> list[CaseTuple]:
        ctx = self._ctx
        registry_id, round_id = ctx.registry_id, ctx.round_id
        self._sealer.refill(2 * len(rows))
        seal = self._sealer.seal
        contact_hash = self._hash
        ts = self._times
        strata = self._strata
        enterprises = self._enterprises
        out: list[CaseTuple] = []
        append = out.append
        for row in rows:
            (
                _line, case_id, enterprise, values, phone, email, opened, first, resolved,
                complaint, complaint_class, outcome, assessed, followed, closed, extended,
                category,
            ) = row  # fmt: skip
            stratum = strata.get(values) or self._stratum(values)
            contact = phone or email
            append(
                (
                    registry_id, round_id, enterprises[enterprise], case_id, stratum[0],
                    stratum[1], seal(phone) if phone else None, seal(email) if email else None,
                    contact_hash(contact) if contact else None, ts[opened], ts[first],
                    ts[resolved], complaint, complaint_class, outcome, ts[assessed],
                    ts[followed], ts[closed], extended, category,
                )
            )  # fmt: skip
        return out
