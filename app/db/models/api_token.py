"""Personal API tokens (``Authorization: Bearer …``) acting with the owner's role and tenancy."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, timestamp


class ApiToken(SQLModel, table=True):
    """Only the token's SHA-256 is stored; the clear value is shown once, at creation."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(max_length=100)
    # The first characters of the clear token, so its owner can tell tokens apart in lists.
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, nullable=False)
    created_at: datetime = created_at()
    expires_at: datetime = timestamp(nullable=False)
    last_used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()
