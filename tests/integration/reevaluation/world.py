"""A scored, issued round with a failing enterprise, built through the services (plan and
questionnaire real, scorecards written directly with known figures)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from app.db.engine import write_session
from app.db.models import EvaluationRound, Scorecard
from app.demo.plan import PLAN
from app.domain.plans.service import freeze_plan, set_plan
from app.domain.questionnaires.service import publish, save_draft
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import add_enterprise, create_round, get_or_create_body
from questionnaires.templates import load_template

DIMENSIONS = ("attitude", "efficiency", "content", "environment", "responsiveness")


@dataclass(frozen=True)
class Previous:
    body_id: int
    other_body_id: int
    round_id: int
    version_id: int
    good: int  # E1, grade B
    failing: int  # E2, grade E
    outsider: int  # E4: same body, not in the round


def section(composite: float, dims: dict[str, float], *, se: float = 1.5, df: int = 60) -> Any:
    def est(x: float) -> dict[str, float]:
        return {"estimate": x, "se": se, "ci_low": x - 2 * se, "ci_high": x + 2 * se, "df": df}

    grade = "A" if composite >= 85 else "B" if composite >= 75 else "C" if composite >= 65 else "E"
    return {
        "frame_size": 200,
        "sampled": 110,
        "responded": df + 2,
        "composite": est(composite),
        "dimensions": {d: est(dims.get(d, composite)) for d in DIMENSIONS},
        "grade": {"grade": grade, "borderline": False},
        "benchmark": {},
        "change": {},
    }


def store_scorecards(engine: Engine, round_id: int, cards: dict[int, Any]) -> None:
    with write_session(engine) as s:
        for ent_id, sec in cards.items():
            s.add(
                Scorecard(
                    round_id=round_id,
                    enterprise_id=ent_id,
                    plan_sha256="p" * 64,
                    content={
                        "plan_sha256": "p" * 64,
                        "confidence": 0.95,
                        "weights": {},
                        "enterprise": sec,
                    },
                )
            )


def set_state(engine: Engine, round_id: int, state: RoundState) -> None:
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, round_id)
        assert rnd is not None
        rnd.state = state.value
        s.add(rnd)


def publish_version(engine: Engine, body_id: int, questionnaire: Any) -> int:
    with write_session(engine) as s:
        v = save_draft(s, body_id=body_id, questionnaire=questionnaire, actor="alice")
        publish(s, version_id=v.id or 0, body_id=body_id, actor="alice")
        return v.id or 0


def renamed_dimension(old: str, new: str) -> Any:
    q = load_template("after-sales")
    dims = tuple(dataclasses.replace(d, code=new) if d.code == old else d for d in q.dimensions)
    return dataclasses.replace(q, dimensions=dims)


def build_previous(engine: Engine) -> Previous:
    with write_session(engine) as s:
        body = get_or_create_body(s, "B1", "Body one", "test")
        other = get_or_create_body(s, "B2", "Body two", "test")
        ents = [
            add_enterprise(s, body, code, name, actor="test")
            for code, name in [
                ("E1", "Alpha Appliances"),
                ("E2", "Beta Repairs"),
                ("E3", "Gamma Service"),
                ("E4", "Delta Outside"),
            ]
        ]
        rnd = create_round(
            s,
            body,
            code="R1",
            title="Round one",
            industry="appliances",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            enterprises=ents[:3],
            created_by=None,
            actor="test",
        )
        body_id, other_id, round_id = body.id or 0, other.id or 0, rnd.id or 0
        ids = [e.id or 0 for e in ents]
    version_id = publish_version(engine, body_id, load_template("after-sales"))
    with write_session(engine) as s:
        set_plan(
            s,
            round_id=round_id,
            body_id=body_id,
            questionnaire_version_id=version_id,
            plan=PLAN,
            actor="alice",
        )
        freeze_plan(s, round_id=round_id, body_id=body_id, actor="alice", user_id=None)
    store_scorecards(
        engine,
        round_id,
        {
            ids[0]: section(80.0, {"attitude": 82.0}),
            ids[1]: section(52.0, {"attitude": 45.0, "efficiency": 50.0}),
            ids[2]: section(70.0, {}),
        },
    )
    set_state(engine, round_id, RoundState.ISSUED)
    return Previous(body_id, other_id, round_id, version_id, ids[0], ids[1], ids[3])
