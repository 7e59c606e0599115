"""Evidence files attached to a rectification plan.

The bytes live under ``<data_dir>/evidence/`` named by their SHA-256 (so a file is stored once
and its name can never be chosen by the uploader); the row keeps the name the enterprise gave,
the media type found from the file's magic bytes, and the size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at


class Evidence(SQLModel, table=True):
    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(
            "media_type IN ('application/pdf', 'image/png', 'image/jpeg')",
            name="media_type_known",
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="rectification_plan.id", index=True)
    original_filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    media_type: str = Field(max_length=64)
    size: int
    uploaded_at: datetime = created_at()
