"""Browser sessions and one-time password-reset tokens (only hashes of the secrets are stored)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, timestamp


class WebSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds a random value; the table only its SHA-256."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, nullable=False)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = created_at()
    last_seen_at: datetime = timestamp(nullable=False)
    expires_at: datetime = timestamp(nullable=False)
    # True once the second factor (TOTP) was checked, or when the account has none.
    verified: bool = Field(default=True)


class PasswordResetToken(SQLModel, table=True):
    __tablename__ = "password_reset_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, nullable=False)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = created_at()
    expires_at: datetime = timestamp(nullable=False)
    used_at: datetime | None = timestamp()
