"""Random assessor assignment (双随机): assessors drawn at random for enterprises and visits.

Verifiable like the draw: the seed comes from :func:`~sampling.seeds.make_seed`, the task order
and every tie-break from HMAC-SHA256 of the seed (purposes ``tianping-assign-v1/...``).

1. Tasks are taken in the order of their selection keys; each goes to the eligible assessor
   (no declared conflict with the task's enterprise) with the fewest tasks so far, ties broken
   by the (task, assessor) key — a random choice among the least loaded.
2. Workloads are then balanced by moving tasks along *cost-reducing paths* (an assessor with
   load L passes a task on, possibly through a chain of eligible assessors, to one with load
   ≤ L − 2). When no such path exists the assignment is an optimal semi-matching (Harvey,
   Ladner, Lovász & Tamir 2003): if loads still differ by more than 1, no assignment
   respecting the conflicts can do better, and the record says why.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sampling.errors import AssignmentError, DrawRecordError
from sampling.seeds import SeedInputs, make_seed, selection_keys

ASSIGN_ALGORITHM = "tianping-assign-v1"
TaskKind = Literal["evaluation", "visit"]


@dataclass(frozen=True)
class Task:
    task_id: str
    enterprise: str
    kind: TaskKind


@dataclass(frozen=True)
class Assignment:
    task_id: str
    enterprise: str
    assessor: str


@dataclass(frozen=True)
class AssignmentRecord:
    algorithm: str
    seed: str
    seed_inputs: SeedInputs
    drawn_at: str
    assessors: tuple[str, ...]
    tasks: tuple[Task, ...]
    conflicts: tuple[tuple[str, str], ...]
    assignments: tuple[Assignment, ...]
    balanced: bool
    note: str

    def loads(self) -> dict[str, int]:
        counts = dict.fromkeys(self.assessors, 0)
        for item in self.assignments:
            counts[item.assessor] += 1
        return counts


def make_tasks(enterprises: Iterable[str], visits: Mapping[str, int] | None = None) -> list[Task]:
    """One evaluation task per enterprise plus ``visits[e]`` on-site visits."""
    tasks: list[Task] = []
    for enterprise in enterprises:
        tasks.append(Task(f"{enterprise}/evaluation", enterprise, "evaluation"))
        for number in range(1, (visits or {}).get(enterprise, 0) + 1):
            tasks.append(Task(f"{enterprise}/visit-{number}", enterprise, "visit"))
    return tasks


def _check_inputs(assessors: list[str], tasks: list[Task]) -> None:
    if not assessors:
        raise AssignmentError("no assessors given; list at least one in the assessors file")
    for label, ids in (("assessor", assessors), ("task", [t.task_id for t in tasks])):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise AssignmentError(f"duplicate {label} ids: {', '.join(duplicates[:5])}")


def _greedy(
    order: list[Task], assessors: list[str], forbidden: set[tuple[str, str]], seed: str
) -> dict[str, str]:
    loads = dict.fromkeys(assessors, 0)
    result: dict[str, str] = {}
    for task in order:
        eligible = [a for a in assessors if (a, task.enterprise) not in forbidden]
        if not eligible:
            raise AssignmentError(
                f"every assessor has a declared conflict with enterprise {task.enterprise}; "
                "add an assessor without a conflict or review the conflicts file"
            )
        ties = selection_keys(
            [f"{task.task_id}\x1f{a}" for a in eligible], seed, f"{ASSIGN_ALGORITHM}/pair"
        ).tolist()
        chosen = min(range(len(eligible)), key=lambda i: (loads[eligible[i]], ties[i]))
        result[task.task_id] = eligible[chosen]
        loads[eligible[chosen]] += 1
    return result


def _improving_path(
    tasks: list[Task], holder: dict[str, str], assessors: list[str], forbidden: set[tuple[str, str]]
) -> list[tuple[str, str]] | None:
    """Moves ``(task_id, new assessor)`` along a cost-reducing path, or None if none exists."""
    loads = dict.fromkeys(assessors, 0)
    held: dict[str, list[Task]] = {a: [] for a in assessors}
    for task in tasks:
        loads[holder[task.task_id]] += 1
        held[holder[task.task_id]].append(task)
    for source in sorted(assessors, key=lambda a: (-loads[a], a)):
        parent: dict[str, tuple[str, str] | None] = {source: None}
        queue = deque([source])
        while queue:
            current = queue.popleft()
            for task in held[current]:
                for other in assessors:
                    if other in parent or (other, task.enterprise) in forbidden:
                        continue
                    parent[other] = (current, task.task_id)
                    if loads[other] <= loads[source] - 2:
                        return _unwind(parent, other)
                    queue.append(other)
    return None


def _unwind(parent: dict[str, tuple[str, str] | None], end: str) -> list[tuple[str, str]]:
    moves: list[tuple[str, str]] = []
    node = end
    while (step := parent[node]) is not None:
        moves.append((step[1], node))
        node = step[0]
    return moves


def _explain(loads: dict[str, int], forbidden: set[tuple[str, str]]) -> str:
    low = min(loads, key=lambda a: (loads[a], a))
    high = max(loads, key=lambda a: (loads[a], a))
    blocked = sorted(e for a, e in forbidden if a == low)
    return (
        f"workloads differ by {loads[high] - loads[low]} ({high}: {loads[high]}, {low}: "
        f"{loads[low]}) because of declared conflicts (e.g. {low} may not assess "
        f"{', '.join(blocked[:5]) or 'the remaining enterprises'}); no conflict-free "
        "assignment is more even"
    )


def assign(
    assessors: Iterable[str],
    tasks: Iterable[Task],
    conflicts: Iterable[tuple[str, str]],
    seed_inputs: SeedInputs,
    *,
    drawn_at: datetime | None = None,
) -> AssignmentRecord:
    """Assign one assessor to every task; see the module docstring for the rules."""
    people = sorted(set(assessors))
    task_list = sorted(tasks, key=lambda t: t.task_id)
    _check_inputs(sorted(assessors), task_list)
    forbidden = {(a, e) for a, e in conflicts}
    seed = make_seed(seed_inputs.round_id, seed_inputs.witness, seed_inputs.beacon)
    keys = selection_keys([t.task_id for t in task_list], seed, f"{ASSIGN_ALGORITHM}/task")
    order = [task_list[i] for i in sorted(range(len(task_list)), key=lambda i: int(keys[i]))]
    holder = _greedy(order, people, forbidden, seed)
    while (moves := _improving_path(task_list, holder, people, forbidden)) is not None:
        for task_id, new in moves:
            holder[task_id] = new
    loads = dict.fromkeys(people, 0)
    for assessor in holder.values():
        loads[assessor] += 1
    balanced = max(loads.values()) - min(loads.values()) <= 1
    return AssignmentRecord(
        algorithm=ASSIGN_ALGORITHM,
        seed=seed,
        seed_inputs=seed_inputs,
        drawn_at=(drawn_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        assessors=tuple(people),
        tasks=tuple(task_list),
        conflicts=tuple(sorted(forbidden)),
        assignments=tuple(
            Assignment(t.task_id, t.enterprise, holder[t.task_id]) for t in task_list
        ),
        balanced=balanced,
        note="workloads differ by at most 1" if balanced else _explain(loads, forbidden),
    )


def verify_assignment(
    record: AssignmentRecord,
    assessors: Iterable[str],
    tasks: Iterable[Task],
    conflicts: Iterable[tuple[str, str]],
) -> str | None:
    """None when recomputing gives the recorded assignment, else the first difference."""
    again = assign(assessors, tasks, conflicts, record.seed_inputs)
    if again.seed != record.seed:
        return "the record's seed is not the hash of its inputs; the record was altered"
    for label, now, then in (
        ("assessors", again.assessors, record.assessors),
        ("tasks", again.tasks, record.tasks),
        ("conflicts", again.conflicts, record.conflicts),
    ):
        if now != then:
            return f"the {label} differ from the record's (now {len(now)}, recorded {len(then)})"
    for now_item, then_item in zip(again.assignments, record.assignments, strict=True):
        if now_item != then_item:
            return (
                f"task {then_item.task_id}: assigned to {now_item.assessor} now, "
                f"{then_item.assessor} in the record"
            )
    return None


ASSIGN_SCHEMA = "tianping-assignment-record"
ASSIGN_SCHEMA_VERSION = 1


def assignment_to_json(record: AssignmentRecord) -> str:
    """Versioned JSON of an assignment record (loads included for readers' convenience)."""
    data = {
        "schema": ASSIGN_SCHEMA,
        "schema_version": ASSIGN_SCHEMA_VERSION,
        "algorithm": record.algorithm,
        "seed": record.seed,
        "seed_inputs": {
            "round_id": record.seed_inputs.round_id,
            "witness": record.seed_inputs.witness,
            "beacon": record.seed_inputs.beacon,
        },
        "drawn_at": record.drawn_at,
        "assessors": list(record.assessors),
        "tasks": [
            {"id": t.task_id, "enterprise": t.enterprise, "kind": t.kind} for t in record.tasks
        ],
        "conflicts": [list(pair) for pair in record.conflicts],
        "assignments": [
            {"task": a.task_id, "enterprise": a.enterprise, "assessor": a.assessor}
            for a in record.assignments
        ],
        "loads": record.loads(),
        "balanced": record.balanced,
        "note": record.note,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def assignment_from_json(text: str) -> AssignmentRecord:
    """Parse :func:`assignment_to_json` output; :class:`DrawRecordError` when malformed."""
    try:
        data = json.loads(text)
        if data.get("schema") != ASSIGN_SCHEMA or data["schema_version"] != ASSIGN_SCHEMA_VERSION:
            raise DrawRecordError("not an assignment record of a supported schema version")
        inputs = data["seed_inputs"]
        return AssignmentRecord(
            algorithm=data["algorithm"],
            seed=data["seed"],
            seed_inputs=SeedInputs(inputs["round_id"], inputs["witness"], inputs["beacon"]),
            drawn_at=data["drawn_at"],
            assessors=tuple(data["assessors"]),
            tasks=tuple(Task(t["id"], t["enterprise"], t["kind"]) for t in data["tasks"]),
            conflicts=tuple((a, e) for a, e in data["conflicts"]),
            assignments=tuple(
                Assignment(a["task"], a["enterprise"], a["assessor"]) for a in data["assignments"]
            ),
            balanced=bool(data["balanced"]),
            note=str(data["note"]),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, DrawRecordError):
            raise
        raise DrawRecordError(f"the assignment record is malformed ({exc})") from exc
