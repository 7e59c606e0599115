"""The password policy: length, the bundled common-password list and its thin disguises."""

from __future__ import annotations

from pathlib import Path

import pytest

import app.domain.users as users_package
from app.domain.users.passwords import (
    CommonPasswordError,
    WeakPasswordError,
    check_policy,
    common_passwords,
    hash_password,
    verify_password,
)


def test_list_is_bundled_inside_the_package() -> None:
    # Inside the package directory, so hatch puts it in the wheel with the code.
    bundled = Path(users_package.__file__).parent / "common-passwords.txt"
    header = bundled.read_text(encoding="utf-8").splitlines()[:3]
    assert any("Openwall" in line for line in header)
    known = common_passwords()
    assert len(known) > 3000
    assert {"password", "123456", "iloveyou", "qwerty", "1qaz2wsx3edc"} <= known
    assert all(w == w.lower() for w in known)


@pytest.mark.parametrize(
    "password",
    [
        "1qaz2wsx3edc",  # listed
        "1QAZ2WSX3EDC",  # listed, other case
        "Password123456",  # listed word + digits
        "iloveyou2024!!",  # listed word + digits and punctuation
        "monkey 123456 ",  # listed word + spaced digits
        "qwertyqwerty",  # listed word repeated
        "abcabcabcabc",  # short unit repeated
        "aaaaaaaaaaaaaaaa",
        "121212121212",
    ],
)
def test_common_passwords_refused(password: str) -> None:
    with pytest.raises(CommonPasswordError, match="commonly used passwords"):
        check_policy(password)
    with pytest.raises(CommonPasswordError):
        hash_password(password)


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "plum kettle orbit seventeen", "zhang-3 bought 7 fans"],
)
def test_good_passphrases_pass(password: str) -> None:
    check_policy(password)
    assert verify_password(hash_password(password), password)


def test_short_password_message_names_the_rule() -> None:
    with pytest.raises(WeakPasswordError, match="at least 12 characters") as info:
        check_policy("short")
    assert not isinstance(info.value, CommonPasswordError)
