"""Log lines for login attempts that an operator can correlate but that hold no personal data.

A username may be an e-mail address and a client address identifies a person, so neither is
written: each becomes a keyed hash (HMAC-SHA256, 16 hex digits). The same account or client
gives the same reference in every line of one deployment, which is enough to spot a guessing
campaign; without the key the reference cannot be turned back into a name. Passwords are never
passed here at all.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from typing import Literal

log = logging.getLogger("tianping.auth")

Outcome = Literal["failed", "throttled", "ok"]


def log_key(secret_key: str) -> bytes:
    """The HMAC key for references: derived from the app's secret key, else random per process.

    Development runs without a secret key; references then only correlate within one process.
    """
    if not secret_key:
        return os.urandom(32)
    return hashlib.sha256(b"tianping/login-log/" + secret_key.encode()).digest()


def reference(kind: str, value: str, key: bytes) -> str:
    digest = hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"{kind}-{digest[:16]}"


def log_attempt(
    outcome: Outcome, *, username: str, client: str, key: bytes, user_id: int | None = None
) -> None:
    account = reference("acct", username, key)
    origin = reference("client", client, key)
    if outcome == "ok":
        log.info("login ok: user_id=%s account=%s client=%s", user_id, account, origin)
    elif outcome == "throttled":
        log.warning("login throttled: account=%s client=%s", account, origin)
    else:
        log.warning("login failed: account=%s client=%s", account, origin)
