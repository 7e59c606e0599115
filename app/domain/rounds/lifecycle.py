"""The evaluation-round lifecycle (DESIGN §1) as one explicit state machine.

Every state change of a round goes through :func:`check_transition`; nothing else in the code
compares states to decide whether a step is allowed. Preconditions that need data (coverage,
four eyes, plan hash) are checked by the services *before* they ask for the transition.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from app.errors import IllegalTransitionError


class RoundState(StrEnum):
    DRAFT = "draft"
    PLAN_FROZEN = "plan_frozen"
    SAMPLING = "sampling"
    FIELDWORK = "fieldwork"
    SCORING = "scoring"
    REVIEW = "review"
    ISSUED = "issued"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


S = RoundState

TRANSITIONS: Mapping[RoundState, frozenset[RoundState]] = {
    S.DRAFT: frozenset({S.PLAN_FROZEN}),
    S.PLAN_FROZEN: frozenset({S.SAMPLING}),
    S.SAMPLING: frozenset({S.FIELDWORK}),
    S.FIELDWORK: frozenset({S.SCORING}),
    # A reviewer may send scores back (with a reason) instead of approving them.
    S.SCORING: frozenset({S.REVIEW}),
    S.REVIEW: frozenset({S.ISSUED, S.SCORING}),
    S.ISSUED: frozenset({S.REVOKED, S.SUPERSEDED, S.EXPIRED}),
    S.REVOKED: frozenset(),
    S.SUPERSEDED: frozenset(),
    S.EXPIRED: frozenset(),
}

TERMINAL: frozenset[RoundState] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

# The plan may be edited only before it is frozen; afterwards it is evidence.
PLAN_EDITABLE: frozenset[RoundState] = frozenset({S.DRAFT})


def parse_state(value: str) -> RoundState:
    try:
        return RoundState(value)
    except ValueError:
        known = ", ".join(s.value for s in RoundState)
        raise IllegalTransitionError(f"unknown round state {value!r}; known: {known}") from None


def allowed_next(current: RoundState) -> frozenset[RoundState]:
    return TRANSITIONS[current]


def check_transition(current: RoundState | str, target: RoundState | str) -> RoundState:
    """Return ``target`` as a state if the lifecycle allows ``current → target``, else raise."""
    cur = parse_state(current) if isinstance(current, str) else current
    tgt = parse_state(target) if isinstance(target, str) else target
    allowed = TRANSITIONS[cur]
    if tgt not in allowed:
        if allowed:
            options = ", ".join(sorted(s.value for s in allowed))
            hint = f"from {cur.value} the round can only move to: {options}"
        else:
            hint = f"{cur.value} is final; create a new round instead"
        raise IllegalTransitionError(f"a round cannot move from {cur.value} to {tgt.value}; {hint}")
    return tgt


def require_four_eyes(scored_by: int | None, approver: int) -> None:
    """Issuance needs an approver other than the assessor who ran scoring (DESIGN §1)."""
    if scored_by is None:
        raise IllegalTransitionError("the round has not been scored yet; compute scorecards first")
    if scored_by == approver:
        raise IllegalTransitionError(
            "the assessor who ran scoring cannot also approve it; ask a second assessor to review"
        )
