"""Random assessor assignment: conflicts respected, workloads balanced, verifiable."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.assignment import (
    assign,
    assignment_from_json,
    assignment_to_json,
    make_tasks,
    verify_assignment,
)
from sampling.errors import AssignmentError, DrawRecordError
from sampling.seeds import SeedInputs

SEED = SeedInputs("2026Q4", "witness")


def test_tasks_include_visits() -> None:
    tasks = make_tasks(["E1", "E2"], {"E2": 2})
    assert [t.task_id for t in tasks] == [
        "E1/evaluation",
        "E2/evaluation",
        "E2/visit-1",
        "E2/visit-2",
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 6),
    st.integers(1, 12),
    st.sets(st.tuples(st.integers(0, 5), st.integers(0, 11)), max_size=20),
)
def test_conflicts_respected_and_balanced(n_assessors: int, n_firms: int, raw: set) -> None:
    people = [f"A{i}" for i in range(n_assessors)]
    firms = [f"E{j}" for j in range(n_firms)]
    # Keep A0 conflict-free so every enterprise has an eligible assessor.
    conflicts = {(f"A{a}", f"E{e}") for a, e in raw if 0 < a < n_assessors and e < n_firms}
    record = assign(people, make_tasks(firms), conflicts, SEED)
    for item in record.assignments:
        assert (item.assessor, item.enterprise) not in conflicts
    loads = record.loads()
    if not conflicts:
        assert max(loads.values()) - min(loads.values()) <= 1
    assert record.balanced == (max(loads.values()) - min(loads.values()) <= 1)


def test_impossible_balance_is_explained() -> None:
    people = ["A1", "A2", "A3"]
    tasks = make_tasks(["E1", "E2", "E3", "E4", "E5", "E6"])
    conflicts = [("A2", f"E{i}") for i in range(1, 7)]
    record = assign(people, tasks, conflicts, SEED)
    assert not record.balanced
    assert record.loads() == {"A1": 3, "A2": 0, "A3": 3}
    assert "A2" in record.note
    assert "conflicts" in record.note


def test_balancing_moves_along_chains() -> None:
    # Only A1 may take E1..E3; A2 may take E4; greedy order cannot matter: A1 gets 3.
    people = ["A1", "A2", "A3"]
    conflicts = [(a, e) for a in ("A2", "A3") for e in ("E1", "E2", "E3")]
    record = assign(people, make_tasks(["E1", "E2", "E3", "E4", "E5"]), conflicts, SEED)
    assert record.loads()["A1"] == 3
    assert sorted(record.loads().values()) == [1, 1, 3]


def test_no_eligible_assessor_and_duplicates() -> None:
    with pytest.raises(AssignmentError, match="enterprise E1"):
        assign(["A1"], make_tasks(["E1"]), [("A1", "E1")], SEED)
    with pytest.raises(AssignmentError, match="duplicate assessor ids: A1"):
        assign(["A1", "A1"], make_tasks(["E1"]), [], SEED)
    with pytest.raises(AssignmentError, match="no assessors"):
        assign([], make_tasks(["E1"]), [], SEED)


def test_reproducible_seed_dependent_and_verifiable() -> None:
    people = [f"A{i}" for i in range(5)]
    tasks = make_tasks([f"E{i}" for i in range(20)], {"E3": 1})
    first = assign(people, tasks, [], SEED)
    assert (
        assign(list(reversed(people)), list(reversed(tasks)), [], SEED).assignments
        == first.assignments
    )
    other = assign(people, tasks, [], SeedInputs("2026Q4", "another"))
    assert other.assignments != first.assignments
    assert verify_assignment(first, people, tasks, []) is None
    moved = dataclasses.replace(
        first.assignments[0], assessor=next(p for p in people if p != first.assignments[0].assessor)
    )
    forged = dataclasses.replace(first, assignments=(moved, *first.assignments[1:]))
    assert verify_assignment(forged, people, tasks, []).startswith(f"task {moved.task_id}")  # type: ignore[union-attr]
    assert "assessors differ" in (verify_assignment(first, people[:-1], tasks, []) or "")


def test_json_round_trip() -> None:
    record = assign(["A1", "A2"], make_tasks(["E1", "E2", "E3"]), [("A1", "E1")], SEED)
    assert assignment_from_json(assignment_to_json(record)) == record
    with pytest.raises(DrawRecordError):
        assignment_from_json("{}")
