"""The assignment service on both engines: audit, impossible conflicts, atomicity."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import AssessorAssignment, AuditEntry, RoundEnterprise
from app.domain.assignments.service import (
    get_assignment,
    run_assignment,
    verify_round_assignment,
)
from app.domain.rounds.lifecycle import RoundState
from app.errors import NotFoundError, TianpingError
from sampling.errors import AssignmentError
from tests.integration.web.helpers import World, build_world, set_state


@pytest.fixture
def world(engine: Engine) -> World:
    built = build_world(engine)
    set_state(engine, built.round_a, RoundState.SAMPLING)
    return built


def _run(engine: Engine, world: World, **kw: object) -> None:
    args: dict[str, object] = {
        "round_id": world.round_a,
        "body_id": 1,
        "witness": "witness-0001",
        "conflicts": [],
        "visits_per_enterprise": 2,
        "actor": "tester",
        "user_id": None,
    }
    args.update(kw)
    with write_session(engine) as s:
        run_assignment(s, **args)  # type: ignore[arg-type]


def test_run_is_audited_and_reproducible(engine: Engine, world: World) -> None:
    _run(engine, world)
    with read_session(engine) as s:
        stored = get_assignment(s, world.round_a, 1)
        assert stored is not None
        assert len(stored.record.tasks) == 6
        assert stored.record.balanced
        assert verify_round_assignment(s, world.round_a, 1) is None
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "assessors.assign")).one()
        assert entry.details["seed"] == stored.seed
        assert entry.details["tasks"] == 6


def test_impossible_conflicts_save_nothing(engine: Engine, world: World) -> None:
    conflicts = [("assessor1", "E1"), ("assessor2", "E1")]
    with pytest.raises(AssignmentError, match="E1"):
        _run(engine, world, conflicts=conflicts)
    with read_session(engine) as s:
        assert s.exec(select(AssessorAssignment)).first() is None
        links = s.exec(select(RoundEnterprise)).all()
        assert all(link.assessor_id is None for link in links)


def test_unknown_conflict_names_and_other_body(engine: Engine, world: World) -> None:
    with pytest.raises(TianpingError, match="not an active assessor"):
        _run(engine, world, conflicts=[("assessor3", "E1")])  # assessor3 is body B2's
    with pytest.raises(TianpingError, match="does not take part"):
        _run(engine, world, conflicts=[("assessor1", "E3")])
    with pytest.raises(NotFoundError):
        _run(engine, world, body_id=2)
