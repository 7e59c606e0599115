"""One-time survey tokens: 192 random bits, URL-safe, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 24  # 192 bits, above the 128-bit floor of DESIGN §6
# token_urlsafe(24) gives 32 characters; accept a little more for future longer tokens.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,86}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    """Cheap shape check before any database look-up (malformed input never reaches SQL)."""
    return bool(_TOKEN_SHAPE.fullmatch(token))
