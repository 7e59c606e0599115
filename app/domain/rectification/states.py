"""The life of a finding as one explicit state machine (like the round lifecycle).

``open → plan_submitted → accepted | rejected``; a rejected plan may be resubmitted;
``open`` or ``rejected`` past the deadline becomes ``overdue``, and an overdue finding may be
``escalated`` to the regulator. ``accepted`` and ``escalated`` are final: a new shortfall is a
new finding (in the re-evaluation round), so the record of what happened never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from app.errors import ConflictError


class FindingStatus(StrEnum):
    OPEN = "open"
    PLAN_SUBMITTED = "plan_submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


F = FindingStatus

TRANSITIONS: Mapping[FindingStatus, frozenset[FindingStatus]] = {
    F.OPEN: frozenset({F.PLAN_SUBMITTED, F.OVERDUE}),
    F.PLAN_SUBMITTED: frozenset({F.ACCEPTED, F.REJECTED}),
    F.REJECTED: frozenset({F.PLAN_SUBMITTED, F.OVERDUE}),
    F.OVERDUE: frozenset({F.ESCALATED}),
    F.ACCEPTED: frozenset(),
    F.ESCALATED: frozenset(),
}

# The enterprise still owes something: a plan, a better plan, or an answer to escalation.
UNRESOLVED: frozenset[FindingStatus] = frozenset(
    {F.OPEN, F.PLAN_SUBMITTED, F.REJECTED, F.OVERDUE, F.ESCALATED}
)
# Only these can pass their deadline: the enterprise has the next move.
AWAITING_ENTERPRISE: frozenset[FindingStatus] = frozenset({F.OPEN, F.REJECTED})

TargetKind = Literal["dimension", "item", "kpi", "observation", "composite"]
TARGET_KINDS: tuple[TargetKind, ...] = ("dimension", "item", "kpi", "observation", "composite")
Severity = Literal["minor", "major", "critical"]
SEVERITIES: tuple[Severity, ...] = ("minor", "major", "critical")
Outcome = Literal["accept", "reject"]
OUTCOMES: tuple[Outcome, ...] = ("accept", "reject")
EscalationLevel = Literal["warning", "escalated"]
LEVELS: tuple[EscalationLevel, ...] = ("warning", "escalated")
Trigger = Literal["shortfall", "overdue", "repeated"]
TRIGGERS: tuple[Trigger, ...] = ("shortfall", "overdue", "repeated")


class FindingTransitionError(ConflictError):
    """A finding was asked to move to a state its life cycle does not allow."""


def check_transition(current: FindingStatus | str, target: FindingStatus) -> FindingStatus:
    cur = FindingStatus(current)
    allowed = TRANSITIONS[cur]
    if target not in allowed:
        if allowed:
            options = ", ".join(sorted(s.value for s in allowed))
            hint = f"from {cur.value} it can only move to: {options}"
        else:
            hint = f"{cur.value} is final"
        raise FindingTransitionError(
            f"a finding cannot move from {cur.value} to {target.value}; {hint}"
        )
    return target


def sql_in(values: tuple[str, ...] | type[StrEnum]) -> str:
    """``'a', 'b'`` for a CHECK constraint listing the accepted values."""
    items = [v.value for v in values] if isinstance(values, type) else list(values)
    return ", ".join(f"'{v}'" for v in items)
