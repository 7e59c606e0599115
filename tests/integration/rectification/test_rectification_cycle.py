"""A failing enterprise through warning, rectification and re-evaluation (issue #10 "done
when", at the service level), and `tianping findings remind` escalating an ignored warning."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from app.cli.main import cli
from app.db.engine import read_session, write_session
from app.db.models import AuditEntry, Enterprise, EvaluationBody, Finding, Scorecard
from app.domain.audit.chain import verify_chain
from app.domain.rectification.escalation import (
    enterprises_under_rectification,
    evaluate_round,
    rectification_status,
    round_escalations,
    set_rule,
)
from app.domain.rectification.evidence import check_file
from app.domain.rectification.findings import decide, submit_plan
from app.domain.rectification.scorecards import scorecard_targets
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import create_round
from tests.integration.rectification.setup import PDF, TODAY, RectWorld, build
from tests.integration.web.helpers import section


def _rule(engine: Engine, round_id: int, body_id: int) -> None:
    with write_session(engine) as s:
        set_rule(
            s,
            round_id=round_id,
            body_id=body_id,
            grade_below=None,
            composite_below=65.0,
            days_to_rectify=14,
            severity="major",
            escalate_when_overdue=True,
            escalate_when_repeated=True,
            actor="assessor1",
            user_id=None,
        )


def _warn(engine: Engine, round_id: int, body_id: int, today: date) -> list[int]:
    with write_session(engine) as s:
        outcome = evaluate_round(
            s, round_id=round_id, body_id=body_id, today=today, actor="assessor1", user_id=None
        )
        return [w.enterprise_id for w in outcome.warnings]


def _reevaluation(engine: Engine, rw: RectWorld, failing_score: float) -> int:
    with write_session(engine) as s:
        body = s.get(EvaluationBody, rw.body_id)
        ents = [s.get(Enterprise, rw.good), s.get(Enterprise, rw.failing)]
        assert body is not None
        rnd = create_round(
            s,
            body,
            code="R1-re",
            title="Re-evaluation after rectification",
            industry="appliances",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            enterprises=[e for e in ents if e is not None],
            created_by=None,
            actor="assessor1",
            previous_round_id=rw.round_id,
        )
        rnd.state = RoundState.REVIEW.value
        s.add(rnd)
        s.flush()
        for ent_id, est in [(rw.good, 82.0), (rw.failing, failing_score)]:
            s.add(
                Scorecard(
                    round_id=rnd.id or 0,
                    enterprise_id=ent_id,
                    plan_sha256="c" * 64,
                    content={"enterprise": section(est)},
                )
            )
        return rnd.id or 0


def test_warning_rectification_reevaluation(engine: Engine, data_dir: Path) -> None:
    rw = build(engine)
    _rule(engine, rw.round_id, rw.body_id)
    assert _warn(engine, rw.round_id, rw.body_id, TODAY) == [rw.failing]
    with read_session(engine) as s:
        warning = s.exec(select(Finding)).one()
        assert rectification_status(s, rw.round_id, rw.failing) == "under_rectification"
    evidence = check_file("retraining.pdf", io.BytesIO(PDF), max_bytes=1 << 20)

    def plan(text: str, day: date) -> None:
        with write_session(engine) as s:
            submit_plan(
                s,
                finding_id=warning.id or 0,
                enterprise_id=rw.failing,
                text=text,
                files=[evidence],
                data_dir=data_dir,
                today=day,
                actor="viewer2",
                user_id=None,
            )

    def verdict(outcome: str, reason: str) -> None:
        with write_session(engine) as s:
            decide(
                s,
                finding_id=warning.id or 0,
                body_id=rw.body_id,
                outcome=outcome,
                reason=reason,
                actor="assessor2",
                user_id=None,
            )

    plan("Retrain staff.", TODAY + timedelta(days=3))
    verdict("reject", "No schedule and no owner named.")
    plan("Retrain all desk staff by 20 May; owner: service manager.", TODAY + timedelta(days=6))
    verdict("accept", "Training records and schedule checked.")
    with read_session(engine) as s:
        assert rectification_status(s, rw.round_id, rw.failing) == "rectified"
        assert enterprises_under_rectification(s, rw.round_id) == []

    # The re-evaluation round scores the enterprise again: it now clears the bar.
    again = _reevaluation(engine, rw, failing_score=71.5)
    _rule(engine, again, rw.body_id)
    assert _warn(engine, again, rw.body_id, TODAY + timedelta(days=90)) == []
    with read_session(engine) as s:
        before = {c.enterprise_code: c for c in scorecard_targets(s, rw.round_id, rw.body_id)}
        after = {c.enterprise_code: c for c in scorecard_targets(s, again, rw.body_id)}
        assert (before["E2"].composite, before["E2"].status) == (64.25, "rectified")
        assert (after["E2"].composite, after["E2"].status) == (71.5, "none")
        assert round_escalations(s, again, rw.body_id) == []
        actions = [
            a
            for a in s.exec(select(AuditEntry.action)).all()
            if a.startswith(("finding.", "rectification.", "escalation."))
        ]
        assert actions == [
            "escalation.rule_set",
            "finding.record",
            "escalation.warning",
            "rectification.plan_submitted",
            "rectification.reject",
            "rectification.plan_submitted",
            "rectification.accept",
            "escalation.rule_set",
        ]
        assert verify_chain(s).ok


def test_cli_remind_escalates_an_ignored_warning(engine: Engine, database_url: str) -> None:
    rw = build(engine)
    _rule(engine, rw.round_id, rw.body_id)
    _warn(engine, rw.round_id, rw.body_id, TODAY)
    runner = CliRunner()
    env = {"TIANPING_DATABASE_URL": database_url}

    def remind(day: date) -> str:
        args = ["findings", "remind", "--round", str(rw.round_id), "--today", day.isoformat()]
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
        return result.output

    soon = remind(TODAY + timedelta(days=10))
    assert "0 newly overdue, 0 escalated, 1 reminded" in soon
    assert f"remind enterprise {rw.failing}" in soon
    assert "0 newly overdue, 0 escalated, 0 reminded" in remind(TODAY + timedelta(days=10))
    late = remind(TODAY + timedelta(days=15))
    # Escalated findings are the regulator's now: no further reminders from here.
    assert "1 newly overdue, 1 escalated, 0 reminded" in late
    with read_session(engine) as s:
        assert s.exec(select(Finding.status)).one() == "escalated"
        rows = round_escalations(s, rw.round_id, rw.body_id)
        assert [(r.escalation.level, r.escalation.cause) for r in rows] == [
            ("warning", "shortfall"),
            ("escalated", "overdue"),
        ]
        assert rectification_status(s, rw.round_id, rw.failing) == "escalated"
    bad = runner.invoke(cli, ["findings", "remind", "--round", "1", "--today", "soon"], env=env)
    assert bad.exit_code == 1
    assert "--today 'soon'" in bad.output
    missing = runner.invoke(cli, ["findings", "remind", "--round", "999"], env=env)
    assert missing.exit_code == 1
    assert "no round 999" in missing.output
