"""RFC 8785 (JCS) canonical JSON, with a fast path for the values the hot paths hash.

Every survey submission hashes its answers and its audit entry. ``rfc8785.dumps`` is pure
Python; for JSON made only of dicts with string keys in the Basic Multilingual Plane, lists,
strings, booleans, None and integers in JavaScript's safe range, ``json.dumps`` with sorted
keys and no spaces writes the very same bytes (same escapes, no floats to format, keys in code
point order, which equals RFC 8785's UTF-16 order within the BMP), several times faster.
Anything else — floats, large integers, other types, keys beyond U+FFFF — goes to ``rfc8785``,
which also raises for what JCS cannot represent. ``tests/unit/app/test_canonical.py`` checks
the two agree on random values.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_SAFE_INT = 2**53 - 1  # RFC 8785 3.2.2.3: integers beyond this are not I-JSON numbers
_BMP_END = "\uffff"
_encode = json.JSONEncoder(
    ensure_ascii=False, check_circular=False, allow_nan=False, sort_keys=True, separators=(",", ":")
).encode


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of ``value`` as UTF-8 bytes."""
    if _plain(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 raises its own error for it
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INT <= value <= _SAFE_INT)
    if kind is dict:
        return all(
            type(key) is str and (key.isascii() or max(key) <= _BMP_END) and _plain(item)
            for key, item in value.items()
        )
    if kind is list:
        return all(_plain(item) for item in value)
    return False
