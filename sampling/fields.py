"""Parsing and normalisation of single registry values: timestamps, phone numbers, e-mails.

These are pure functions shared by the registry validator and by ``app.pii`` (which encrypts
the normalised values), so a phone number written ``138 1234 5678`` in one file and
``+86-13812345678`` in another de-duplicates to the same keyed hash.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

#: Naive registry timestamps are local time of the evaluation body unless told otherwise.
DEFAULT_TIMEZONE = "Asia/Shanghai"

# Spreadsheet-style local times with one-digit fields: 2025/3/1 9:05, 2025-3-1 09:05:30.
_LOOSE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"^(?:\+86|0086)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^0(\d{2,3})-?(\d{7,8})$")
# Deliberately simple: the registry check must catch typos (missing @, spaces, no dot in the
# domain), not implement RFC 5322; deliverability is only known when the invitation is sent.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def zone(name: str) -> tzinfo:
    """The ``tzinfo`` for an IANA zone name; raises ``ValueError`` naming the bad zone."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai"
        ) from exc


def parse_timestamp(text: str, default_tz: tzinfo) -> datetime:
    """Parse ISO 8601, ``YYYY-MM-DD HH:MM[:SS]`` or ``YYYY/MM/DD HH:MM[:SS]`` (or a date alone).

    Naive values are taken to be in ``default_tz``; the result is always timezone-aware.
    Raises ``ValueError`` when the text is none of these forms.
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)  # the C fast path covers most registries
    except ValueError:
        loose = _LOOSE.match(value)
        if not loose:
            raise
        y, mo, d, h, mi, sec = (int(p) if p else 0 for p in loose.groups())
        parsed = datetime(y, mo, d, h, mi, sec)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def normalise_phone(text: str) -> str:
    """Return the phone number in E.164 form (``+8613812345678``) or raise ``ValueError``.

    Accepts mainland mobiles ``1[3-9]`` + 9 digits with an optional ``+86``/``0086`` prefix,
    and landlines ``0`` + 2–3 digit area code + 7–8 digits (``010-12345678``); spaces, dashes
    and parentheses are ignored.
    """
    compact = _SEPARATORS.sub("", text)
    mobile = _MOBILE.match(compact)
    if mobile:
        return "+86" + mobile.group(1)
    landline = _LANDLINE.match(compact)
    if landline:
        return "+86" + landline.group(1) + landline.group(2)
    raise ValueError(
        "not a mainland mobile (11 digits starting 13–19, optional +86) "
        "or landline (0 + area code + 7–8 digits)"
    )


def normalise_email(text: str) -> str:
    """Return the e-mail trimmed with a lower-cased domain, or raise ``ValueError``.

    The local part keeps its case: RFC 5321 lets servers treat it case-sensitively.
    """
    value = text.strip()
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address of the form name@example.com")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"
