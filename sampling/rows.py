"""Types of the case registry: validated rows, problems, reading options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

from sampling.fields import DEFAULT_TIMEZONE

ComplaintClass = Literal["general", "complex", "urgent"]
StratumKey = tuple[str, ...]
"""``(enterprise, value of stratum column 1, ...)``."""

REQUIRED_COLUMNS = ("case_id", "enterprise")
OPTIONAL_COLUMNS = (
    "phone",
    "email",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "complaint",
    "complaint_class",
    "outcome",
    "assessed_at",
    "followed_up_at",
    "closed_at",
    "extended",
    "category",
)
TIMESTAMP_COLUMNS = (
    "opened_at",
    "first_response_at",
    "resolved_at",
    "assessed_at",
    "followed_up_at",
    "closed_at",
)
CATEGORY_MAX = 100  # the database column's length
COMPLAINT_VALUES = {
    "0": False,
    "1": True,
    "false": False,
    "true": True,
    "no": False,
    "yes": True,
    "否": False,
    "是": True,
}
COMPLAINT_CLASSES: dict[str, ComplaintClass] = {
    "general": "general",
    "complex": "complex",
    "urgent": "urgent",
    "一般": "general",
    "复杂": "complex",
    "紧急": "urgent",
}


class ProblemCode(StrEnum):
    """Why a registry row was rejected (stable codes for the downloadable error report)."""

    MISSING_CASE_ID = "missing_case_id"
    DUPLICATE_CASE_ID = "duplicate_case_id"
    MISSING_ENTERPRISE = "missing_enterprise"
    UNKNOWN_ENTERPRISE = "unknown_enterprise"
    MISSING_STRATUM = "missing_stratum_value"
    BAD_TIMESTAMP = "bad_timestamp"
    RESOLVED_BEFORE_OPENED = "resolved_before_opened"
    RESPONSE_BEFORE_OPENED = "response_before_opened"
    ASSESSED_BEFORE_OPENED = "assessed_before_opened"
    FOLLOWED_UP_BEFORE_OPENED = "followed_up_before_opened"
    CLOSED_BEFORE_OPENED = "closed_before_opened"
    BAD_PHONE = "bad_phone"
    BAD_EMAIL = "bad_email"
    BAD_COMPLAINT = "bad_complaint"
    BAD_COMPLAINT_CLASS = "bad_complaint_class"
    BAD_EXTENDED = "bad_extended"
    CATEGORY_TOO_LONG = "category_too_long"


@dataclass(frozen=True)
class Problem:
    """One rejected value: ``line`` as seen in the file, ``column`` as the user's header."""

    line: int
    column: str
    code: ProblemCode
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column!r}: {self.message}"


class CaseRow(NamedTuple):
    """One validated case. A NamedTuple rather than a dataclass: a million of them are built
    per import, and tuples are several times cheaper to create while staying immutable."""

    line: int
    case_id: str
    enterprise: str
    strata: tuple[str, ...]
    phone: str | None = None  # E.164, e.g. +8613812345678
    email: str | None = None  # trimmed, domain lower-cased
    opened_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    complaint: bool | None = None
    complaint_class: ComplaintClass | None = None
    outcome: str | None = None
    assessed_at: datetime | None = None
    followed_up_at: datetime | None = None
    closed_at: datetime | None = None
    extended: bool | None = None  # closure extended with the consumer's consent
    category: str | None = None  # complaint category, at most CATEGORY_MAX characters

    @property
    def stratum_key(self) -> StratumKey:
        return (self.enterprise, *self.strata)


@dataclass(frozen=True)
class RegistryOptions:
    """How to read a registry.

    ``mapping`` maps the user's headers to ours (``{"工单号": "case_id"}``); a header already
    equal to one of our names needs no mapping. ``stratum_columns`` are our names of the
    plan's stratum columns, in order. ``known_enterprises`` (when given) rejects other codes.
    ``timezone`` applies to naive timestamps. At most ``max_problems`` problems are kept
    (all are counted), so a wholly wrong file cannot exhaust memory.
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    stratum_columns: tuple[str, ...] = ()
    known_enterprises: frozenset[str] | None = None
    encoding: str | None = None
    sheet: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    max_problems: int = 10_000
