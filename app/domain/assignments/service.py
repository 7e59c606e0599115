"""Assign a round's evaluation and visit tasks to the body's assessors at random, verifiably.

One assignment per round, like the sample draw: a second one would let someone re-draw until
the result suits them. The seed combines the round's public id with a witness value typed at
assignment time; the stored record (``sampling.assignment.assignment_to_json``) holds the
assessors, tasks and declared conflicts, so anyone can re-run it. Assessors are identified by
their user names (staff accounts, not consumers' personal data).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db.models.assignment import AssessorAssignment
from app.db.models.round import EvaluationRound, RoundEnterprise
from app.db.models.user import Role, User
from app.domain.audit.chain import append
from app.domain.draws.service import public_round_id
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import get_round, round_enterprises
from app.errors import ConflictError, TianpingError
from sampling.assignment import (
    AssignmentRecord,
    Task,
    assign,
    assignment_from_json,
    assignment_to_json,
    make_tasks,
    verify_assignment,
)
from sampling.seeds import SeedInputs

# Once certificates exist the assessors of a round are evidence; no assignment after that.
ASSIGNABLE_STATES: frozenset[RoundState] = frozenset(
    {
        RoundState.DRAFT,
        RoundState.PLAN_FROZEN,
        RoundState.SAMPLING,
        RoundState.FIELDWORK,
        RoundState.SCORING,
        RoundState.REVIEW,
    }
)
MAX_VISITS = 20
MIN_WITNESS = 8


@dataclass(frozen=True)
class StoredAssignment:
    """The stored row and its parsed record."""

    id: int
    round_id: int
    seed: str
    record: AssignmentRecord
    record_json: str


def body_assessors(session: Session, body_id: int) -> list[User]:
    """Active assessors of the body, by user name."""
    return list(
        session.exec(
            select(User)
            .where(
                User.body_id == body_id,
                User.role == Role.ASSESSOR.value,
                col(User.is_active).is_(True),
            )
            .order_by(col(User.username))
        ).all()
    )


def _row(session: Session, round_id: int) -> AssessorAssignment | None:
    return session.exec(
        select(AssessorAssignment).where(AssessorAssignment.round_id == round_id)
    ).first()


def _stored(row: AssessorAssignment) -> StoredAssignment:
    text = json.dumps(row.record, ensure_ascii=False)
    return StoredAssignment(row.id or 0, row.round_id, row.seed, assignment_from_json(text), text)


def get_assignment(session: Session, round_id: int, body_id: int) -> StoredAssignment | None:
    """The round's assignment (NotFound for another body's round), or None if not run yet."""
    get_round(session, round_id, body_id)
    row = _row(session, round_id)
    return _stored(row) if row is not None else None


def _check_conflicts(
    conflicts: Iterable[tuple[str, str]], assessors: set[str], enterprises: set[str]
) -> list[tuple[str, str]]:
    checked: list[tuple[str, str]] = []
    for assessor, enterprise in conflicts:
        if assessor not in assessors:
            raise TianpingError(f"{assessor!r} is not an active assessor of your body")
        if enterprise not in enterprises:
            raise TianpingError(f"enterprise {enterprise!r} does not take part in this round")
        checked.append((assessor, enterprise))
    return sorted(set(checked))


def run_assignment(
    session: Session,
    *,
    round_id: int,
    body_id: int,
    witness: str,
    conflicts: Iterable[tuple[str, str]],
    visits_per_enterprise: int,
    actor: str,
    user_id: int | None,
) -> StoredAssignment:
    """Assign every task, store the record, set ``round_enterprise.assessor_id``, audit it."""
    rnd = get_round(session, round_id, body_id)
    if RoundState(rnd.state) not in ASSIGNABLE_STATES:
        raise ConflictError(
            f"round {rnd.code} is {rnd.state}; assessors are assigned before certificates are "
            "issued"
        )
    if _row(session, round_id) is not None:
        raise ConflictError(
            f"round {rnd.code} already has an assessor assignment; a second one is not allowed"
        )
    if len(witness.strip()) < MIN_WITNESS:
        raise TianpingError(f"the witness value needs at least {MIN_WITNESS} characters")
    if not 0 <= visits_per_enterprise <= MAX_VISITS:
        raise TianpingError(f"on-site visits per enterprise must be 0 to {MAX_VISITS}")
    people = {u.username: u.id or 0 for u in body_assessors(session, body_id)}
    if not people:
        raise ConflictError("your body has no active assessor; create assessor accounts first")
    enterprises = {e.code: e.id or 0 for e in round_enterprises(session, round_id)}
    declared = _check_conflicts(conflicts, set(people), set(enterprises))
    tasks = make_tasks(sorted(enterprises), dict.fromkeys(enterprises, visits_per_enterprise))
    record = assign(
        people, tasks, declared, SeedInputs(public_round_id(rnd), witness.strip(), None)
    )
    return _store(session, rnd, record, people, enterprises, actor, user_id)


def _store(
    session: Session,
    rnd: EvaluationRound,
    record: AssignmentRecord,
    people: dict[str, int],
    enterprises: dict[str, int],
    actor: str,
    user_id: int | None,
) -> StoredAssignment:
    row = AssessorAssignment(
        round_id=rnd.id or 0,
        seed=record.seed,
        record=json.loads(assignment_to_json(record)),
        created_by=user_id,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise ConflictError(
            f"round {rnd.code} already has an assessor assignment; a second one is not allowed"
        ) from None
    evaluators = {
        a.enterprise: a.assessor
        for a in record.assignments
        if a.task_id == f"{a.enterprise}/evaluation"
    }
    links = session.exec(select(RoundEnterprise).where(RoundEnterprise.round_id == rnd.id)).all()
    by_id = {v: k for k, v in enterprises.items()}
    for link in links:
        chosen = evaluators.get(by_id.get(link.enterprise_id, ""))
        if chosen is not None:
            link.assessor_id = people[chosen]
            session.add(link)
    session.flush()
    append(
        session,
        actor=actor,
        action="assessors.assign",
        object_type="round",
        object_id=rnd.id or 0,
        details={
            "seed": record.seed,
            "tasks": len(record.tasks),
            "assessors": len(record.assessors),
            "conflicts": len(record.conflicts),
            "balanced": record.balanced,
        },
    )
    return _stored(row)


def verify_round_assignment(session: Session, round_id: int, body_id: int) -> str | None:
    """Re-run the stored assignment; None when it reproduces, else what differs.

    The tasks are rebuilt from the round's enterprises as they are now (with the recorded number
    of visits), so a record edited to add or drop an enterprise fails too.
    """
    rnd = get_round(session, round_id, body_id)
    stored = get_assignment(session, round_id, body_id)
    if stored is None:
        raise ConflictError(f"round {rnd.code} has no assessor assignment yet")
    record = stored.record
    if record.seed_inputs.round_id != public_round_id(rnd):
        return "the record was made for another round"
    if stored.seed != record.seed:
        return "the stored seed differs from the record's seed"
    visits = Counter(t.enterprise for t in record.tasks if t.kind == "visit")
    codes = sorted(e.code for e in round_enterprises(session, round_id))
    tasks: list[Task] = make_tasks(codes, dict(visits))
    return verify_assignment(record, record.assessors, tasks, record.conflicts)


def assessor_names(session: Session, round_id: int) -> dict[int, str]:
    """Enterprise id → assigned assessor's user name, for the round's pages."""
    rows = session.exec(
        select(RoundEnterprise.enterprise_id, User.username)
        .join(User, col(User.id) == col(RoundEnterprise.assessor_id))
        .where(RoundEnterprise.round_id == round_id)
    ).all()
    return {int(ent): str(name) for ent, name in rows}


__all__ = [
    "ASSIGNABLE_STATES",
    "StoredAssignment",
    "assessor_names",
    "body_assessors",
    "get_assignment",
    "run_assignment",
    "verify_round_assignment",
]
