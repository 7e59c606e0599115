"""A round with a plan, scorecards and two enterprises (one failing) for rectification tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from app.db.engine import write_session
from app.db.models import EvaluationRound
from app.demo.plan import PLAN
from app.domain.plans.service import set_plan
from app.domain.questionnaires.service import publish, save_draft
from app.domain.rounds.lifecycle import RoundState
from questionnaires.templates import load_template
from tests.integration.web.helpers import World, build_world

TODAY = date(2026, 5, 4)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


@dataclass(frozen=True)
class RectWorld:
    world: World
    body_id: int

    @property
    def round_id(self) -> int:
        return self.world.round_a

    @property
    def good(self) -> int:  # E1, composite 81.5, grade B
        return self.world.e1

    @property
    def failing(self) -> int:  # E2, composite 64.25
        return self.world.e2


def build(engine: Engine) -> RectWorld:
    """``build_world``'s issued round R1 given the after-sales questionnaire and demo plan."""
    world = build_world(engine)
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, world.round_a)
        assert rnd is not None
        rnd.state = RoundState.DRAFT.value
        s.add(rnd)
        s.flush()
        draft = save_draft(
            s, body_id=rnd.body_id, questionnaire=load_template("after-sales"), actor="test"
        )
        version = publish(s, version_id=draft.id or 0, body_id=rnd.body_id, actor="test")
        set_plan(
            s,
            round_id=rnd.id or 0,
            body_id=rnd.body_id,
            questionnaire_version_id=version.id or 0,
            plan=PLAN,
            actor="test",
        )
        rnd.state = RoundState.ISSUED.value
        s.add(rnd)
        return RectWorld(world, rnd.body_id)
