"""Server-side login sessions (DESIGN §6).

The cookie carries 256 random bits; the table stores only their SHA-256, so a leaked database
copy cannot be replayed as a cookie. Sessions end on logout, after ``IDLE_TIMEOUT`` without a
request, at their absolute expiry, and when the account is disabled or its password changes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.db.models.user import Role, User
from app.db.models.web_session import WebSession
from app.db.types import utcnow
from app.domain.accounts.totp import TOTP_ROLES
from app.domain.audit.chain import append
from app.domain.users.passwords import (
    hash_password,
    needs_rehash,
    rehash_password,
    verify_password,
)
from app.errors import TianpingError

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Writing last_seen on every request would turn every page view into a write.
TOUCH_INTERVAL = timedelta(seconds=60)
# Verifying against this keeps unknown usernames as slow as wrong passwords (no user probing).
_DUMMY_HASH = hash_password("not-a-real-password-at-all")


class LoginFailedError(TianpingError):
    """Wrong username or password, or a disabled account (deliberately not told apart)."""


@dataclass(frozen=True, slots=True)
class SessionUser:
    """What a request knows about its logged-in user (no password hash, no TOTP secret)."""

    id: int
    username: str
    role: Role
    body_id: int | None
    enterprise_id: int | None
    session_id: int
    verified: bool
    has_totp: bool

    @property
    def is_viewer(self) -> bool:
        return self.role is Role.ENTERPRISE_VIEWER


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise LoginFailedError("wrong username or password")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise LoginFailedError("wrong username or password")
    if needs_rehash(user.password_hash):
        user.password_hash = rehash_password(password)
        session.add(user)
    return user


def needs_second_factor(user: User, *, required: bool) -> bool:
    """Whether a new session of ``user`` must pass the TOTP step before it is usable.

    Anyone who turned TOTP on must give a code; with ``required`` (production), admins and
    assessors without TOTP must also pass that step, which then enrols them.
    """
    return user.totp_secret_enc is not None or (required and Role(user.role) in TOTP_ROLES)


def start_session(
    session: Session,
    user: User,
    *,
    previous_token: str | None = None,
    now: datetime | None = None,
    require_second_factor: bool = False,
) -> str:
    """Create a fresh session for ``user`` and return the cookie value.

    The previous session (if any) is deleted: the id always rotates at login, so a session id
    planted before login (fixation) is worthless afterwards.
    """
    now = now or utcnow()
    if previous_token:
        end_session(session, previous_token)
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=token_hash(token),
        user_id=user.id or 0,
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_TIMEOUT,
        verified=not needs_second_factor(user, required=require_second_factor),
    )
    session.add(row)
    session.flush()
    append(
        session,
        actor=user.username,
        action="user.login",
        object_type="user",
        object_id=user.id or 0,
    )
    return token


def resolve(session: Session, token: str, *, now: datetime | None = None) -> SessionUser | None:
    """The user behind a cookie value, or None if it is unknown, expired or the account disabled."""
    now = now or utcnow()
    row = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + IDLE_TIMEOUT <= now:
        session.delete(row)
        session.commit()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return SessionUser(
        id=user.id or 0,
        username=user.username,
        role=Role(user.role),
        body_id=user.body_id,
        enterprise_id=user.enterprise_id,
        session_id=row.id or 0,
        verified=row.verified,
        has_totp=user.totp_secret_enc is not None,
    )


def mark_verified(session: Session, session_id: int) -> None:
    row = session.get(WebSession, session_id)
    if row is not None:
        row.verified = True
        session.add(row)


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))


def end_all_sessions(session: Session, user_id: int, *, keep_session_id: int | None = None) -> int:
    """Log the user out everywhere (disable, password change); returns how many ended."""
    stmt = delete(WebSession).where(col(WebSession.user_id) == user_id)
    if keep_session_id is not None:
        stmt = stmt.where(col(WebSession.id) != keep_session_id)
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
