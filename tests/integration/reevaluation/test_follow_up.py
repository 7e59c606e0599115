"""Follow-up rounds (re-evaluation) and the change table, on both engines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.db.engine import read_session, write_session
from app.db.models import AuditEntry, EvaluationRound, Scorecard, ScoringPlan
from app.domain.plans.service import freeze_plan
from app.domain.reevaluation.change import change_since_previous
from app.domain.reevaluation.errors import FollowUpConflictError
from app.domain.reevaluation.follow_up import create_follow_up_round
from app.domain.rounds.service import round_enterprises
from app.errors import ConflictError, NotFoundError, TianpingError
from questionnaires.templates import load_template
from tests.integration.reevaluation.world import (
    Previous,
    build_previous,
    publish_version,
    renamed_dimension,
    section,
    store_scorecards,
)


@pytest.fixture
def previous(engine: Engine) -> Previous:
    return build_previous(engine)


def _follow_up(engine: Engine, prev: Previous, ids: list[int], **kw: Any) -> int:
    args: dict[str, Any] = {
        "code": "R1-RE",
        "title": "Round one, re-evaluation",
        "period_start": date(2026, 6, 1),
        "period_end": date(2026, 7, 31),
        "body_id": prev.body_id,
    }
    args.update(kw)
    with write_session(engine) as s:
        rnd = create_follow_up_round(s, prev.round_id, ids, "alice", **args)
        return rnd.id or 0


def _rounds_named(engine: Engine, code: str) -> int:
    with read_session(engine) as s:
        return len(s.exec(select(EvaluationRound).where(EvaluationRound.code == code)).all())


def test_follow_up_copies_the_plan_and_links_the_rounds(engine: Engine, previous: Previous) -> None:
    rid = _follow_up(engine, previous, [previous.failing])
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        assert rnd.state == "draft"
        assert rnd.follows_round_id == previous.round_id
        assert rnd.previous_round_id == previous.round_id
        assert [e.id for e in round_enterprises(s, rid)] == [previous.failing]
        old = s.exec(select(ScoringPlan).where(ScoringPlan.round_id == previous.round_id)).one()
        new = s.exec(select(ScoringPlan).where(ScoringPlan.round_id == rid)).one()
        assert new.questionnaire_version_id == previous.version_id
        assert new.content == old.content
        assert new.sha256 is None  # frozen by the assessor, not silently
        frozen = freeze_plan(s, round_id=rid, body_id=previous.body_id, actor="a", user_id=None)
        # Same rules, same hash: the certificate proves the re-evaluation used the same plan.
        assert frozen.sha256 == old.sha256
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "round.follow_up")).one()
        assert entry.details["follows"] == "R1"
        assert entry.details["enterprises"] == ["E2"]


def test_comparable_questionnaire_version_is_accepted(engine: Engine, previous: Previous) -> None:
    v2 = publish_version(engine, previous.body_id, load_template("after-sales"))
    rid = _follow_up(engine, previous, [previous.failing], questionnaire_version_id=v2)
    with read_session(engine) as s:
        plan = s.exec(select(ScoringPlan).where(ScoringPlan.round_id == rid)).one()
        assert plan.questionnaire_version_id == v2
        assert plan.content["questionnaire"]["version"] == 2


def test_incomparable_questionnaire_is_refused_naming_the_codes(
    engine: Engine, previous: Previous
) -> None:
    v2 = publish_version(engine, previous.body_id, renamed_dimension("environment", "premises"))
    with pytest.raises(FollowUpConflictError, match="missing dimensions: environment") as info:
        _follow_up(engine, previous, [previous.failing], questionnaire_version_id=v2)
    assert info.value.field == "questionnaire_version_id"
    assert info.value.values == {"missing": "environment", "extra": "premises"}
    assert _rounds_named(engine, "R1-RE") == 0  # nothing half-saved


@pytest.mark.parametrize(
    ("who", "error", "message"),
    [
        ("outsider", NotFoundError, "did not take part in round R1"),
        ("nobody", TianpingError, "at least one enterprise"),
    ],
)
def test_enterprises_must_come_from_the_previous_round(
    engine: Engine, previous: Previous, who: str, error: type[Exception], message: str
) -> None:
    ids = [previous.outsider] if who == "outsider" else []
    with pytest.raises(error, match=message):
        _follow_up(engine, previous, ids)
    assert _rounds_named(engine, "R1-RE") == 0


def test_unscored_enterprise_is_refused(engine: Engine, previous: Previous) -> None:
    with write_session(engine) as s:
        s.execute(
            delete(Scorecard).where(
                col(Scorecard.round_id) == previous.round_id,
                col(Scorecard.enterprise_id) == previous.failing,
            )
        )
    with pytest.raises(ConflictError, match="no scorecard for E2"):
        _follow_up(engine, previous, [previous.failing])


def test_period_must_start_after_the_previous_round(engine: Engine, previous: Previous) -> None:
    with pytest.raises(TianpingError, match="period_start"):
        _follow_up(engine, previous, [previous.failing], period_start=date(2026, 3, 1))


def test_previous_round_of_another_body_is_not_found(engine: Engine, previous: Previous) -> None:
    with pytest.raises(NotFoundError):
        _follow_up(engine, previous, [previous.failing], body_id=previous.other_body_id)


def test_previous_round_without_frozen_plan_is_refused(engine: Engine, previous: Previous) -> None:
    with write_session(engine) as s:
        plan = s.exec(select(ScoringPlan).where(ScoringPlan.round_id == previous.round_id)).one()
        plan.sha256 = None
        s.add(plan)
    with pytest.raises(ConflictError, match="no frozen scoring plan"):
        _follow_up(engine, previous, [previous.failing])


def test_change_table_per_dimension_with_significance(engine: Engine, previous: Previous) -> None:
    rid = _follow_up(engine, previous, [previous.failing])
    # E2 improved a lot on attitude (45 → 70) and the composite (52 → 66), efficiency barely
    # moved (50 → 51); SE 1.5 on 60 df in both rounds, so the change SE is 1.5·√2 ≈ 2.12.
    store_scorecards(
        engine,
        rid,
        {previous.failing: section(66.0, {"attitude": 70.0, "efficiency": 51.0, "content": 66.0})},
    )
    with read_session(engine) as s:
        table = change_since_previous(s, rid, previous.failing)
    assert table.previous_round_code == "R1"
    assert table.confidence == 0.95
    rows = {r.measure: r for r in table.rows}
    assert list(rows) == ["attitude", "efficiency", "content", "environment", "responsiveness",
                          "composite"]  # fmt: skip
    att = rows["attitude"]
    assert (att.previous, att.current) == (45.0, 70.0)
    assert att.difference.estimate == pytest.approx(25.0)
    assert att.difference.se == pytest.approx(1.5 * 2**0.5)
    assert att.difference.df == pytest.approx(120.0)  # equal SEs: df_a + df_b
    assert att.difference.significant
    assert not rows["efficiency"].difference.significant
    assert rows["composite"].difference.estimate == pytest.approx(14.0)
    assert rows["composite"].difference.significant


def test_change_of_a_round_that_follows_nothing_is_not_found(
    engine: Engine, previous: Previous
) -> None:
    with read_session(engine) as s, pytest.raises(NotFoundError, match="not a re-evaluation"):
        change_since_previous(s, previous.round_id, previous.failing)


def test_change_needs_the_follow_up_scorecard(engine: Engine, previous: Previous) -> None:
    rid = _follow_up(engine, previous, [previous.failing])
    with read_session(engine) as s, pytest.raises(ConflictError, match="score it first"):
        change_since_previous(s, rid, previous.failing)
