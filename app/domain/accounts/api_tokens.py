"""Personal API tokens (``Authorization: Bearer …``) for scripts and integrations.

A token acts with its owner's role and tenancy, exactly like the owner's browser session, but
only on the JSON API. The clear value (``tp_`` + 256 random bits) is returned once at creation;
the table keeps its SHA-256 and a short prefix so the owner can tell tokens apart. Tokens end at
their expiry, when revoked, and when the account is disabled.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.db.models.api_token import ApiToken
from app.db.models.user import Role, User
from app.db.types import utcnow
from app.domain.accounts.sessions import SessionUser, token_hash
from app.domain.audit.chain import append
from app.errors import NotFoundError, TianpingError

TOKEN_PREFIX = "tp_"  # noqa: S105  # a marker, not a secret
PREFIX_CHARS = 10  # "tp_" and 7 random characters: enough to tell a user's tokens apart
MAX_DAYS = 365
MAX_NAME = 100
MAX_ACTIVE = 20
# Recording every use would turn every API read into a write.
TOUCH_INTERVAL = timedelta(minutes=5)


class ApiTokenError(TianpingError):
    """A token request that cannot be honoured (name, lifetime, too many tokens)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id or 0,
        row.name,
        row.prefix,
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.revoked_at,
    )


def create_token(
    session: Session,
    *,
    user_id: int,
    name: str,
    days: int,
    actor: str,
    now: datetime | None = None,
) -> tuple[TokenInfo, str]:
    """Store a new token of ``user_id`` and return it with its clear value (shown once)."""
    now = now or utcnow()
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ApiTokenError(f"name the token (1 to {MAX_NAME} characters), e.g. 'nightly import'")
    if not 1 <= days <= MAX_DAYS:
        raise ApiTokenError(f"a token lasts from 1 to {MAX_DAYS} days; got {days}")
    active = [t for t in list_tokens(session, user_id) if t.active(now)]
    if len(active) >= MAX_ACTIVE:
        raise ApiTokenError(f"you have {MAX_ACTIVE} active tokens; revoke one first")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user_id,
        name=name,
        prefix=clear[:PREFIX_CHARS],
        token_hash=token_hash(clear),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    append(
        session,
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_id=row.id or 0,
        details={"prefix": row.prefix, "days": days},
    )
    return _info(row), clear


def list_tokens(session: Session, user_id: int) -> list[TokenInfo]:
    rows = session.exec(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    ).all()
    return [_info(r) for r in rows]


def revoke_token(
    session: Session, *, user_id: int, token_id: int, actor: str, now: datetime | None = None
) -> TokenInfo:
    """Revoke one of the caller's own tokens (another user's token is simply not found)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFoundError(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
        session.add(row)
        session.flush()
        append(
            session,
            actor=actor,
            action="api_token.revoke",
            object_type="api_token",
            object_id=row.id or 0,
            details={"prefix": row.prefix},
        )
    return _info(row)


def resolve_token(
    session: Session, clear: str, *, now: datetime | None = None, touch: bool = True
) -> SessionUser | None:
    """The user behind a bearer token, or None if unknown, revoked, expired or disabled."""
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        return None
    now = now or utcnow()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(clear))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if touch and (row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL):
        row.last_used_at = now
        session.add(row)
        session.commit()
    return SessionUser(
        id=user.id or 0,
        username=user.username,
        role=Role(user.role),
        body_id=user.body_id,
        enterprise_id=user.enterprise_id,
        # Not a browser session: nothing to rotate or end, and no second factor to wait for
        # (the token was created from a fully signed-in session).
        session_id=0,
        verified=True,
        has_totp=user.totp_secret_enc is not None,
    )
