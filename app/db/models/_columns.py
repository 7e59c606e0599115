"""Helpers for column definitions repeated across tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer
from sqlmodel import Field

from app.db.types import UTCDateTime, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), so big ids need a variant.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def created_at() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def timestamp(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


def json_field(*, nullable: bool = False) -> Any:
    return Field(default_factory=dict, sa_type=JSON, nullable=nullable)


def big_fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    return Field(
        default=None if nullable else ...,
        foreign_key=target,
        sa_type=BigId,
        nullable=nullable,
        index=index,
    )


__all__ = ["BigId", "big_fk", "created_at", "datetime", "json_field", "timestamp"]
