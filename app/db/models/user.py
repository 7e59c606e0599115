"""Accounts. A role decides what a user may do; the tenant binding decides over which data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, timestamp


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    BODY_ADMIN = "body_admin"
    ASSESSOR = "assessor"
    ENTERPRISE_VIEWER = "enterprise_viewer"


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('platform_admin', 'body_admin', 'assessor', 'enterprise_viewer')",
            name="role_known",
        ),
        # A viewer sees exactly one enterprise; nobody else is bound to one.
        CheckConstraint(
            "(role = 'enterprise_viewer') = (enterprise_id IS NOT NULL)",
            name="viewer_has_enterprise",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=32)
    body_id: int | None = Field(default=None, foreign_key="evaluation_body.id", index=True)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    totp_secret_enc: str | None = Field(default=None, max_length=255)
    created_at: datetime = created_at()
    password_changed_at: datetime | None = timestamp()
