"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import TianpingError

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


class WeakPasswordError(TianpingError):
    """The chosen password does not meet the policy."""


def check_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(
            f"passwords need at least {MIN_PASSWORD_LENGTH} characters; a short phrase of "
            "several words is easy to remember and hard to guess"
        )


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
