"""Personal data helpers: normalise, encrypt (AES-256-GCM with key rotation), keyed hash, mask.

Pure: keys are passed in (the application reads them from configuration). Nothing here logs,
and error messages never contain the values — only key ids and what to do.

Token format (ASCII, safe for a database ``TEXT`` column)::

    v1.<key id>.<base64url(nonce 12 bytes || ciphertext || tag 16 bytes)>

The key id is also bound as associated data, so a token cannot be re-labelled to another key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.errors import ConfigurationError, TianpingError
from sampling.fields import normalise_email, normalise_phone

FORMAT_VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

__all__ = [
    "DecryptionError",
    "Keyring",
    "keyed_hash",
    "mask_email",
    "mask_phone",
    "normalise_email",
    "normalise_phone",
]


class DecryptionError(TianpingError):
    """A token cannot be decrypted: unknown key id, wrong format, or tampered/corrupted data."""


@dataclass(frozen=True)
class Keyring:
    """Several AES-256 keys by id; ``active`` encrypts, any listed key decrypts.

    Rotation: add a new key, make it active, re-encrypt stored tokens with :meth:`rotate`,
    and drop the old key once :meth:`needs_rotation` is false for every token.
    """

    keys: Mapping[str, bytes] = field(repr=False)
    active: str

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise ConfigurationError(
                    f"personal-data key id {key_id!r} must be 1–32 letters, digits, - or _"
                )
            if len(key) != KEY_BYTES:
                raise ConfigurationError(
                    f"personal-data key {key_id!r} must be {KEY_BYTES} bytes (AES-256), "
                    f"got {len(key)}; generate one with os.urandom(32)"
                )
        if self.active not in self.keys:
            raise ConfigurationError(
                f"the active personal-data key {self.active!r} is not in the keyring "
                f"(known ids: {', '.join(sorted(self.keys)) or 'none'})"
            )

    def encrypt(self, value: str) -> str:
        """Encrypt ``value`` (UTF-8) with the active key and a fresh random 96-bit nonce."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(
            nonce, value.encode(), self._aad(self.active)
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{FORMAT_VERSION}.{self.active}.{body}"

    def decrypt(self, token: str) -> str:
        """Decrypt a token made by :meth:`encrypt` with any key of this keyring."""
        key_id, blob = self._split(token)
        if key_id not in self.keys:
            raise DecryptionError(
                f"personal-data key {key_id!r} is not configured (known ids: "
                f"{', '.join(sorted(self.keys))}); add the retired key back to decrypt"
            )
        try:
            plain = AESGCM(self.keys[key_id]).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._aad(key_id)
            )
        except InvalidTag as exc:
            raise DecryptionError(
                f"encrypted value under key {key_id!r} failed authentication: it was altered "
                "or corrupted (or the key material is wrong)"
            ) from exc
        return plain.decode()

    def key_id_of(self, token: str) -> str:
        return self._split(token)[0]

    def needs_rotation(self, token: str) -> bool:
        return self.key_id_of(token) != self.active

    def rotate(self, token: str) -> str:
        """The token re-encrypted under the active key (unchanged if already active)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token))

    @staticmethod
    def _aad(key_id: str) -> bytes:
        return f"tianping-pii/{FORMAT_VERSION}/{key_id}".encode()

    @staticmethod
    def _split(token: str) -> tuple[str, bytes]:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != FORMAT_VERSION:
            raise DecryptionError(
                f"not an encrypted personal-data token (expected {FORMAT_VERSION}.<key id>.<data>)"
            )
        try:
            blob = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError("the encrypted personal-data token is not valid base64") from exc
        if len(blob) < NONCE_BYTES + 16:
            raise DecryptionError("the encrypted personal-data token is truncated")
        return parts[1], blob


def keyed_hash(value: str, key: bytes) -> str:
    """HMAC-SHA256 hex of an already-normalised value, for de-duplication and lookups.

    Use a key separate from the encryption keys: the hash is stored next to the ciphertext
    and must not help anyone who obtains one key. Without the key, a phone number's hash
    cannot be found by trying all 10^10 numbers.
    """
    if len(key) < 16:
        raise ConfigurationError("the personal-data hashing key must be at least 16 bytes")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    """``13812345678`` / ``+8613812345678`` → ``138****5678``; other lengths keep 2+2."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return f"{digits[:2]}{'*' * (len(digits) - 4)}{digits[-2:]}"
    return "*" * len(digits)


def mask_email(email: str) -> str:
    """``zhang.san@example.com`` → ``z***@example.com`` (the domain is not personal)."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"
