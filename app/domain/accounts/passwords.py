"""Password change (by the user) and reset (one-time token issued by an admin or the CLI)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.db.models.user import User
from app.db.models.web_session import PasswordResetToken
from app.db.types import utcnow
from app.domain.accounts.sessions import end_all_sessions, token_hash
from app.domain.audit.chain import append
from app.domain.users.passwords import hash_password, verify_password
from app.errors import NotFoundError, TianpingError

RESET_VALIDITY = timedelta(hours=24)


class WrongPasswordError(TianpingError):
    """The current password given for a change is wrong."""


class ResetTokenError(TianpingError):
    """A reset link is unknown, used or expired."""


def change_password(
    session: Session, user_id: int, current: str, new: str, *, keep_session_id: int | None
) -> None:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFoundError("no such account")
    if not verify_password(user.password_hash, current):
        raise WrongPasswordError("the current password is wrong; type it again")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    session.add(user)
    # Other browsers logged in with the old password are logged out.
    end_all_sessions(session, user_id, keep_session_id=keep_session_id)
    append(
        session,
        actor=user.username,
        action="user.password_change",
        object_type="user",
        object_id=user_id,
    )


def issue_reset_token(
    session: Session, username: str, *, actor: str, now: datetime | None = None
) -> str:
    """A one-time reset token for ``username`` (shown once, stored hashed)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            token_hash=token_hash(token),
            user_id=user.id or 0,
            created_at=now,
            expires_at=now + RESET_VALIDITY,
        )
    )
    append(
        session, actor=actor, action="user.reset_token", object_type="user", object_id=user.id or 0
    )
    return token


def reset_with_token(
    session: Session, token: str, new: str, *, now: datetime | None = None
) -> User:
    now = now or utcnow()
    row = session.exec(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash(token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ResetTokenError(
            "this reset link is unknown, already used or expired; "
            "ask an administrator for a new one"
        )
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise ResetTokenError("this account is disabled; ask an administrator")
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    row.used_at = now
    session.add(user)
    session.add(row)
    end_all_sessions(session, user.id or 0)
    append(
        session,
        actor=user.username,
        action="user.password_reset",
        object_type="user",
        object_id=user.id or 0,
    )
    return user
