"""Time-based one-time passwords (RFC 6238, SHA-1, 6 digits, 30 s) for admins and assessors.

The shared secret is stored encrypted with the personal-data keyring; a code is accepted in the
current step and one step either side (clock skew).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import time
from urllib.parse import quote

from sqlmodel import Session

from app.db.models.user import Role, User
from app.domain.audit.chain import append
from app.errors import NotFoundError, TianpingError
from app.pii import Keyring

STEP_SECONDS = 30
DIGITS = 6
TOTP_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.BODY_ADMIN, Role.ASSESSOR})
_B32_SECRET = re.compile(r"^[A-Z2-7]{16,64}$")


class TotpError(TianpingError):
    """A one-time code is malformed or wrong."""


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def code_at(secret_b32: str, counter: int) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def check_code(secret_b32: str, code: str, *, at: float | None = None) -> bool:
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return False
    counter = int((time.time() if at is None else at) // STEP_SECONDS)
    return any(
        hmac.compare_digest(code_at(secret_b32, counter + delta), code) for delta in (-1, 0, 1)
    )


def provisioning_uri(secret_b32: str, username: str) -> str:
    return (
        f"otpauth://totp/Tianping:{quote(username)}?secret={secret_b32}&issuer=Tianping"
        f"&digits={DIGITS}&period={STEP_SECONDS}"
    )


def enable_totp(
    session: Session, user_id: int, secret_b32: str, code: str, keyring: Keyring
) -> None:
    """Turn TOTP on once the user proved their authenticator produces the right codes."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("no such account")
    if Role(user.role) not in TOTP_ROLES:
        raise TianpingError("two-factor sign-in is for administrators and assessors")
    if not _B32_SECRET.match(secret_b32):
        raise TotpError("the key is malformed; reload the page to get a new one")
    if not check_code(secret_b32, code):
        raise TotpError("the code does not match; check the phone's clock and try the next code")
    user.totp_secret_enc = keyring.encrypt(secret_b32)
    session.add(user)
    append(
        session,
        actor=user.username,
        action="user.totp_enable",
        object_type="user",
        object_id=user_id,
    )


def verify_user_code(session: Session, user_id: int, code: str, keyring: Keyring) -> None:
    user = session.get(User, user_id)
    if user is None or user.totp_secret_enc is None:
        raise NotFoundError("no such account")
    if not check_code(keyring.decrypt(user.totp_secret_enc), code):
        raise TotpError("the code is wrong or too old; type the code your app shows now")
