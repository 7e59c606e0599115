"""Password policy and hashing with argon2id (argon2-cffi's defaults follow RFC 9106).

Every password that is set (account creation, change, reset link, CLI) goes through
:func:`hash_password`, which applies :func:`check_policy` first: at least 12 characters and not
a common password (the bundled ``common-passwords.txt``, compared case-insensitively, including
the usual disguises: trailing digits or punctuation, or a short unit repeated).
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import TianpingError

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
_TRAILING_DECORATION = string.digits + string.punctuation + string.whitespace
# A unit this short repeated ("abcabcabcabc", "121212121212") is guessed as fast as the unit.
_MAX_REPEATED_UNIT = 4


class WeakPasswordError(TianpingError):
    """The chosen password does not meet the policy (here: it is too short)."""


class CommonPasswordError(WeakPasswordError):
    """The chosen password is a common one (or a thin disguise of one)."""


@cache
def common_passwords() -> frozenset[str]:
    text = (
        resources.files("app.domain.users")
        .joinpath("common-passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def _repeated_unit(value: str) -> str | None:
    for size in range(1, len(value) // 2 + 1):
        if len(value) % size == 0 and value[:size] * (len(value) // size) == value:
            return value[:size]
    return None


def is_common(password: str) -> bool:
    """True for a listed password, one with digits/punctuation tacked on, or one repeated."""
    known = common_passwords()
    lowered = password.lower()
    if lowered in known:
        return True
    core = lowered.rstrip(_TRAILING_DECORATION)
    if core and core in known:
        return True
    unit = _repeated_unit(lowered)
    return unit is not None and (len(unit) <= _MAX_REPEATED_UNIT or unit in known)


def check_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(
            f"passwords need at least {MIN_PASSWORD_LENGTH} characters; a short phrase of "
            "several words is easy to remember and hard to guess"
        )
    if is_common(password):
        raise CommonPasswordError(
            "this password is on the list of commonly used passwords that attackers try "
            "first; choose a phrase of several unrelated words"
        )


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def rehash_password(password: str) -> str:
    """A fresh hash of a password that just verified (new argon2 parameters): no policy check,
    since a password set before a policy change must not make its login fail."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
