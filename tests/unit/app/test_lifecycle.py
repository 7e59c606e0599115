"""The round lifecycle state machine (DESIGN §1)."""

from __future__ import annotations

import itertools

import pytest

from app.domain.rounds.lifecycle import (
    TERMINAL,
    TRANSITIONS,
    RoundState,
    check_transition,
    require_four_eyes,
)
from app.errors import IllegalTransitionError

HAPPY_PATH = [
    RoundState.DRAFT,
    RoundState.PLAN_FROZEN,
    RoundState.SAMPLING,
    RoundState.FIELDWORK,
    RoundState.SCORING,
    RoundState.REVIEW,
    RoundState.ISSUED,
]


def test_happy_path_is_allowed_step_by_step() -> None:
    for current, target in itertools.pairwise(HAPPY_PATH):
        assert check_transition(current, target) is target


@pytest.mark.parametrize("end", [RoundState.REVOKED, RoundState.SUPERSEDED, RoundState.EXPIRED])
def test_issued_round_can_end(end: RoundState) -> None:
    assert check_transition(RoundState.ISSUED, end) is end


def test_review_can_send_scores_back() -> None:
    assert check_transition("review", "scoring") is RoundState.SCORING


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a in RoundState for b in RoundState if b not in TRANSITIONS[a]],
)
def test_every_other_pair_is_refused(current: RoundState, target: RoundState) -> None:
    with pytest.raises(IllegalTransitionError, match=f"from {current.value} to {target.value}"):
        check_transition(current, target)


def test_skipping_the_plan_freeze_names_the_allowed_step() -> None:
    with pytest.raises(IllegalTransitionError, match="can only move to: plan_frozen"):
        check_transition("draft", "sampling")


def test_final_states_say_so() -> None:
    assert {RoundState.REVOKED, RoundState.SUPERSEDED, RoundState.EXPIRED} == TERMINAL
    with pytest.raises(IllegalTransitionError, match="final"):
        check_transition("revoked", "issued")


def test_unknown_state_is_named() -> None:
    with pytest.raises(IllegalTransitionError, match="unknown round state 'done'"):
        check_transition("done", "issued")


def test_every_state_is_reachable_from_draft() -> None:
    seen = {RoundState.DRAFT}
    frontier = [RoundState.DRAFT]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(RoundState)


def test_four_eyes() -> None:
    require_four_eyes(scored_by=1, approver=2)
    with pytest.raises(IllegalTransitionError, match="second assessor"):
        require_four_eyes(scored_by=1, approver=1)
    with pytest.raises(IllegalTransitionError, match="not been scored"):
        require_four_eyes(scored_by=None, approver=1)
