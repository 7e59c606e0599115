"""Escalation rules on both engines: warnings from scorecards, reminders, overdue escalation,
repeated shortfalls in the next round, and the summaries other features read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import (
    Enterprise,
    Escalation,
    EscalationRule,
    EvaluationBody,
    EvaluationRound,
    Finding,
    Scorecard,
)
from app.domain.audit.chain import verify_chain
from app.domain.rectification.errors import RectificationInputError
from app.domain.rectification.escalation import (
    enterprises_under_rectification,
    evaluate_round,
    rectification_status,
    remind_overdue,
    round_escalations,
    set_rule,
)
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import create_round
from app.errors import ConflictError
from tests.integration.rectification.setup import TODAY, RectWorld, build
from tests.integration.web.helpers import section


@pytest.fixture
def rw(engine: Engine) -> RectWorld:
    return build(engine)


def _rule(engine: Engine, round_id: int, body_id: int, **overrides: Any) -> EscalationRule:
    args: dict[str, Any] = {
        "grade_below": None,
        "composite_below": 65.0,
        "days_to_rectify": 14,
        "severity": "major",
        "escalate_when_overdue": True,
        "escalate_when_repeated": True,
        **overrides,
    }
    with write_session(engine) as s:
        return set_rule(s, round_id=round_id, body_id=body_id, actor="a", user_id=None, **args)


def _evaluate(engine: Engine, round_id: int, body_id: int, today: date = TODAY) -> Any:
    with write_session(engine) as s:
        return evaluate_round(
            s, round_id=round_id, body_id=body_id, today=today, actor="a", user_id=None
        )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"grade_below": "Z"}, "grade_below", "no grade Z; its grades: A, B, C, D, E"),
        ({"composite_below": 130.0}, "composite_below", "between 0 and 100"),
        ({"composite_below": None}, "grade_below", "Give a grade or a composite"),
        ({"days_to_rectify": 0}, "days_to_rectify", "from 1 to 365"),
        ({"severity": "awful"}, "severity", "Choose one of"),
    ],
)
def test_bad_rules_are_refused(
    engine: Engine, rw: RectWorld, overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(RectificationInputError, match=message) as caught:
        _rule(engine, rw.round_id, rw.body_id, **overrides)
    assert caught.value.field == field
    with read_session(engine) as s:
        assert s.exec(select(EscalationRule)).first() is None


def test_evaluation_needs_a_rule(engine: Engine, rw: RectWorld) -> None:
    with pytest.raises(ConflictError, match="no escalation rule"):
        _evaluate(engine, rw.round_id, rw.body_id)


def test_warning_reminders_overdue_and_escalation(engine: Engine, rw: RectWorld) -> None:
    _rule(engine, rw.round_id, rw.body_id)
    outcome = _evaluate(engine, rw.round_id, rw.body_id)
    assert [w.enterprise_id for w in outcome.warnings] == [rw.failing]
    assert outcome.escalations == []
    assert outcome.unchanged == 1
    assert "composite 64.2 is below 65" in outcome.warnings[0].reason
    # Evaluating again warns nobody twice.
    assert _evaluate(engine, rw.round_id, rw.body_id).warnings == []
    with read_session(engine) as s:
        finding = s.exec(select(Finding)).one()
        assert (finding.target_kind, finding.source, finding.status) == (
            "composite",
            "rule",
            "open",
        )
        assert finding.deadline == TODAY + timedelta(days=14)
        under = enterprises_under_rectification(s, rw.round_id)
        assert [(u.enterprise_code, u.unresolved, u.escalated) for u in under] == [("E2", 1, False)]
        assert rectification_status(s, rw.round_id, rw.failing) == "under_rectification"
        assert rectification_status(s, rw.round_id, rw.good) == "none"

    def remind(day: date) -> Any:
        with write_session(engine) as s:
            return remind_overdue(s, round_id=rw.round_id, body_id=rw.body_id, today=day, actor="c")

    early = remind(TODAY + timedelta(days=1))
    assert (early.reminded, early.overdue, early.escalated) == ([], [], [])
    soon = remind(TODAY + timedelta(days=8))
    assert [r.finding_id for r in soon.reminded] == [finding.id]
    assert remind(TODAY + timedelta(days=8)).reminded == []  # once a day
    assert remind(TODAY + timedelta(days=14)).escalated == []  # the deadline day itself is fine
    late = remind(TODAY + timedelta(days=15))
    assert late.overdue == [finding.id]
    assert late.escalated == [finding.id]
    with read_session(engine) as s:
        assert s.get(Finding, finding.id).status == "escalated"  # type: ignore[union-attr]
        rows = round_escalations(s, rw.round_id, rw.body_id)
        assert [(r.escalation.level, r.escalation.cause) for r in rows] == [
            ("warning", "shortfall"),
            ("escalated", "overdue"),
        ]
        assert rectification_status(s, rw.round_id, rw.failing) == "escalated"
        assert enterprises_under_rectification(s, rw.round_id)[0].escalated
        assert verify_chain(s).ok


def test_without_overdue_escalation_findings_stay_overdue(engine: Engine, rw: RectWorld) -> None:
    _rule(engine, rw.round_id, rw.body_id, escalate_when_overdue=False)
    _evaluate(engine, rw.round_id, rw.body_id)
    with write_session(engine) as s:
        out = remind_overdue(
            s, round_id=rw.round_id, body_id=rw.body_id, today=TODAY + timedelta(30), actor="c"
        )
    assert len(out.overdue) == 1
    assert out.escalated == []
    with read_session(engine) as s:
        assert s.exec(select(Finding.status)).one() == "overdue"
        assert s.exec(select(Escalation.level)).all() == ["warning"]


def test_grade_rule_uses_the_plan_thresholds(engine: Engine, rw: RectWorld) -> None:
    with write_session(engine) as s:
        card = s.exec(select(Scorecard).where(Scorecard.enterprise_id == rw.failing)).one()
        card.content = {**card.content, "enterprise": {**section(64.25), "grade": {"grade": "D"}}}
        s.add(card)
    _rule(engine, rw.round_id, rw.body_id, grade_below="C", composite_below=None)
    outcome = _evaluate(engine, rw.round_id, rw.body_id)
    assert [(w.enterprise_id, w.reason) for w in outcome.warnings] == [
        (rw.failing, "grade D is below C")
    ]


def test_repeated_shortfall_escalates_in_the_next_round(engine: Engine, rw: RectWorld) -> None:
    _rule(engine, rw.round_id, rw.body_id)
    _evaluate(engine, rw.round_id, rw.body_id)
    with write_session(engine) as s:
        body = s.get(EvaluationBody, rw.body_id)
        ents = [s.get(Enterprise, rw.good), s.get(Enterprise, rw.failing)]
        assert body is not None
        nxt = create_round(
            s,
            body,
            code="R2",
            title="Re-evaluation",
            industry="appliances",
            period_start=date(2026, 4, 1),
            period_end=date(2026, 6, 30),
            enterprises=[e for e in ents if e is not None],
            created_by=None,
            actor="test",
            previous_round_id=rw.round_id,
        )
        nxt.state = RoundState.REVIEW.value
        s.add(nxt)
        s.flush()
        for ent_id, est in [(rw.good, 82.0), (rw.failing, 63.0)]:
            s.add(
                Scorecard(
                    round_id=nxt.id or 0,
                    enterprise_id=ent_id,
                    plan_sha256="b" * 64,
                    content={"enterprise": section(est)},
                )
            )
        next_id = nxt.id or 0
    _rule(engine, next_id, rw.body_id)
    outcome = _evaluate(engine, next_id, rw.body_id, TODAY + timedelta(days=90))
    assert [w.enterprise_id for w in outcome.warnings] == [rw.failing]
    assert [(e.enterprise_id, e.cause) for e in outcome.escalations] == [(rw.failing, "repeated")]
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, next_id)
        assert rnd is not None
        assert rnd.previous_round_id == rw.round_id
        assert rectification_status(s, next_id, rw.failing) == "escalated"
