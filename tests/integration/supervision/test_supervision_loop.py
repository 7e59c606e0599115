"""Issue #10 end to end (both engines): a round with a failing enterprise → warning with a
deadline → the enterprise's plan with evidence → accepted → certificates and public results →
a follow-up round of the enterprises under rectification → its own certificates and public
results, where the failing enterprise's grade has improved and the change table marks the
significant dimensions; its report has the complaints and change sections in zh and en.

Both rounds run through the demo's steps (registry import, verifiable draw, fieldwork with
simulated answers, the real scoring service, four-eyes issuance). Only the PDF rendering of
issuance is replaced by a capture of its render jobs: the report HTML is rendered from them
(the slow WeasyPrint/Kaleido step is tested in tests/integration/reports).
"""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import Certificate, Enterprise, EvaluationRound, Finding, Scorecard
from app.demo import plan as demo
from app.demo import runner
from app.demo.synthetic import ENTERPRISES, FOLLOW_UP_DAYS, FOLLOW_UP_START
from app.domain.audit.chain import verify_chain
from app.domain.certificates import issuance
from app.domain.disclosure.publication import set_results_public
from app.domain.plans.service import freeze_plan
from app.domain.rectification.escalation import (
    enterprises_under_rectification,
    evaluate_round,
    rectification_status,
    round_escalations,
    set_rule,
)
from app.domain.rectification.evidence import check_file
from app.domain.rectification.findings import decide, submit_plan
from app.domain.reevaluation.change import change_since_previous
from app.domain.reevaluation.follow_up import create_follow_up_round
from app.domain.rounds.lifecycle import RoundState
from app.web.app import create_app
from reports.batch import RenderJob
from reports.charts import CHARTS
from reports.render import render_html
from tests.integration.web.helpers import BASE_URL

TODAY = date(2026, 12, 1)  # the findings' clock: the round is scored, its follow-up starts
FAILING = "E008"  # the demo's clearly failing enterprise (true quality -1.1)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
NO_CHARTS = dict.fromkeys(CHARTS, "<svg xmlns='http://www.w3.org/2000/svg'/>")
GRADES = "ABCDE"
SECTIONS = {
    "zh": ("投诉处理与时效", "整改后复评：与上一轮相比的变化", "显著提升"),
    "en": (
        "Complaints and timeliness",
        "Re-evaluation: change since the last round",
        "significant improvement",
    ),
}


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, pii_keys=f"t1:{base64.b64encode(b'k' * 32).decode()}",
        pii_active_key="t1", contact_hash_key=base64.b64encode(b"h" * 32).decode(),
        secret_key="s" * 40,
    )  # fmt: skip


def _noop(_done: int, _total: int) -> None:
    return None


class CapturedReports:
    """Stands in for ``render_many``: keeps the report document and jobs, writes no PDF."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.jobs: dict[tuple[str, str], RenderJob] = {}

    def __call__(self, document: dict[str, Any], batch: list[RenderJob], _signer: Any) -> Any:
        for job in batch:
            self.documents[job.context.round_code] = document
            self.jobs[job.context.round_code, job.enterprise_code] = job
        return [(job.out, "0" * 64) for job in batch]

    def html(self, round_code: str, enterprise: str, lang: str) -> str:
        job = self.jobs[round_code, enterprise]
        document = self.documents[round_code]
        return render_html(document, enterprise, lang, job.context, NO_CHARTS)  # type: ignore[arg-type]


def _run_round(
    engine: Engine,
    settings: Settings,
    result: runner.DemoResult,
    rng: np.random.Generator,
    **registry: Any,
) -> None:
    """Registry → draw → fieldwork → scoring, as the demo does (``registry``: its options)."""
    quality = registry.pop("quality", None)
    scale = registry.pop("scale")
    runner.import_registries(engine, settings, result, rng, scale, _noop, **registry)
    runner.draw(engine, result, rng)
    runner.fieldwork(engine, result, rng, _noop, quality=quality)
    runner.score(engine, result, settings.data_dir / "out")


def _grades(engine: Engine, round_id: int) -> dict[str, str]:
    with read_session(engine) as s:
        rows = s.exec(
            select(Enterprise.code, Scorecard.content)
            .join(Scorecard, Scorecard.enterprise_id == Enterprise.id)  # type: ignore[arg-type]
            .where(Scorecard.round_id == round_id)
        ).all()
    return {code: content["enterprise"]["grade"]["grade"] for code, content in rows}


def _public_row(client: TestClient, round_id: int, code: str) -> dict[str, Any]:  # type: ignore[type-arg]
    response = client.get(f"/results/{round_id}.json")
    assert response.status_code == 200, response.text
    row: dict[str, Any] = next(
        r for r in response.json()["results"] if r["enterprise_code"] == code
    )
    return row


def _publish(engine: Engine, round_id: int, body_id: int) -> None:
    with write_session(engine) as s:
        set_results_public(s, round_id=round_id, body_id=body_id, public=True, actor=demo.ADMIN)


def test_failing_enterprise_warned_rectified_reevaluated_and_public_result_changes(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    reports = CapturedReports()
    monkeypatch.setattr(issuance, "render_many", reports)
    rng = np.random.default_rng(10)

    # 1. The round: ten enterprises, one of them (E008) clearly failing.
    first = runner.DemoResult()
    runner.set_up_people_and_round(engine, first, "supervision loop password 1")
    _run_round(engine, settings, first, rng, scale=0.03)
    grades = _grades(engine, first.round_id)
    assert len(grades) == len(ENTERPRISES)
    first_grade = grades[FAILING]
    assert first_grade == "E"
    assert [c for c, g in grades.items() if g == "E"] == [FAILING]
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, first.round_id)
        assert rnd is not None
        body_id = rnd.body_id
        failing_id = s.exec(select(Enterprise.id).where(Enterprise.code == FAILING)).one()
        assert failing_id is not None

    # 2. The escalation rule warns the failing enterprise: a finding with a deadline.
    with write_session(engine) as s:
        set_rule(
            s,
            round_id=first.round_id,
            body_id=body_id,
            actor=demo.ASSESSOR,
            user_id=None,
            **demo.RULE,
        )
        outcome = evaluate_round(
            s,
            round_id=first.round_id,
            body_id=body_id,
            today=TODAY,
            actor=demo.ASSESSOR,
            user_id=None,
        )
        assert [w.enterprise_id for w in outcome.warnings] == [failing_id]
        assert outcome.escalations == []
        assert outcome.unchanged == len(ENTERPRISES) - 1
    with read_session(engine) as s:
        finding = s.exec(select(Finding)).one()
        assert (finding.enterprise_id, finding.status, finding.source) == (
            failing_id,
            "open",
            "rule",
        )
        assert finding.deadline == date(2026, 12, 31)  # 30 days to rectify
        assert "is below 50" in finding.required_action
        assert [r.escalation.level for r in round_escalations(s, first.round_id, body_id)] == [
            "warning"
        ]
        # Who the re-evaluation is for is decided while the warning is being answered.
        under = enterprises_under_rectification(s, first.round_id)
        assert [(u.enterprise_code, u.unresolved, u.escalated) for u in under] == [
            (FAILING, 1, False)
        ]

    # 3. The enterprise submits a plan with evidence; the assessor accepts it.
    evidence = check_file("training-record.pdf", io.BytesIO(PDF), max_bytes=1 << 20)
    with write_session(engine) as s:
        submit_plan(
            s,
            finding_id=finding.id or 0,
            enterprise_id=failing_id,
            text="Retrain every desk; stock the missing spare parts; weekly call-backs.",
            files=[evidence],
            data_dir=settings.data_dir,
            today=TODAY,
            actor="e008.viewer",
            user_id=None,
        )
    assert (settings.data_dir / "evidence" / evidence.sha256).read_bytes() == PDF
    with write_session(engine) as s:
        decide(
            s,
            finding_id=finding.id or 0,
            body_id=body_id,
            outcome="accept",
            reason="Training records checked.",
            actor=demo.ASSESSOR,
            user_id=None,
        )
    with read_session(engine) as s:
        assert rectification_status(s, first.round_id, failing_id) == "rectified"
        assert enterprises_under_rectification(s, first.round_id) == []

    # 4. Certificates (second assessor) and public results: the first grade is public.
    runner.issue(engine, settings, first, settings.data_dir / "out")
    assert len(first.reports) == len(ENTERPRISES)
    _publish(engine, first.round_id, body_id)
    with TestClient(create_app(settings, engine=engine), base_url=BASE_URL) as client:
        before = _public_row(client, first.round_id, FAILING)
    assert (before["grade"], before["certificate_status"]) == (first_grade, "valid")
    assert before["reevaluated_in_round_code"] is None

    # 5. The follow-up round for the enterprises under rectification, better true quality.
    with write_session(engine) as s:
        again = create_follow_up_round(
            s,
            first.round_id,
            [u.enterprise_id for u in under],
            demo.ASSESSOR,
            code=demo.FOLLOW_UP_CODE,
            title=demo.FOLLOW_UP_TITLE,
            period_start=demo.FOLLOW_UP_PERIOD[0],
            period_end=demo.FOLLOW_UP_PERIOD[1],
            body_id=body_id,
        )
        freeze_plan(s, round_id=again.id or 0, body_id=body_id, actor=demo.ASSESSOR, user_id=None)
        follow = runner.DemoResult(round_id=again.id or 0, round_code=again.code)
    failing = next(e for e in ENTERPRISES if e.code == FAILING)
    _run_round(
        engine,
        settings,
        follow,
        rng,
        scale=1.0,
        quality={FAILING: 0.8},
        enterprises=[replace(failing, cases=260, quality=0.8)],
        start=FOLLOW_UP_START,
        days=FOLLOW_UP_DAYS,
        folder_name="registries-follow-up",
    )
    new_grade = _grades(engine, follow.round_id)[FAILING]
    assert GRADES.index(new_grade) < GRADES.index(first_grade)

    with read_session(engine) as s:
        change = change_since_previous(s, follow.round_id, failing_id, body_id=body_id)
    assert change.previous_round_code == demo.ROUND_CODE
    rows = {r.measure: r for r in change.rows}
    assert rows["composite"].difference.estimate > 0
    assert rows["composite"].difference.significant
    significant = [m for m, r in rows.items() if m != "composite" and r.difference.significant]
    assert significant, "the change table marks no dimension as significant"

    # 6. Issuance and public results of the follow-up: the public grade has changed.
    runner.issue(engine, settings, follow, settings.data_dir / "out")
    with read_session(engine) as s:
        certs = s.exec(select(Certificate).where(Certificate.round_id == follow.round_id)).all()
        assert [c.enterprise_id for c in certs] == [failing_id]
        assert s.get(EvaluationRound, follow.round_id).state == RoundState.ISSUED  # type: ignore[union-attr]
    with TestClient(create_app(settings, engine=engine), base_url=BASE_URL) as client:
        assert client.get(f"/results/{follow.round_id}.json").status_code == 404
        _publish(engine, follow.round_id, body_id)
        after = _public_row(client, follow.round_id, FAILING)
        assert (after["grade"], after["follows_round_code"]) == (new_grade, demo.ROUND_CODE)
        assert after["certificate_status"] == "valid"
        old = _public_row(client, first.round_id, FAILING)
        assert (old["grade"], old["reevaluated_in_round_code"]) == (
            first_grade,
            demo.FOLLOW_UP_CODE,
        )
        page = client.get(f"/results/{first.round_id}", headers={"accept-language": "en"}).text
        assert f"Re-evaluated in {demo.FOLLOW_UP_CODE}" in page
        assert f'href="/results/{follow.round_id}"' in page

    # 7. The follow-up report: complaints and change sections, both languages.
    job = reports.jobs[demo.FOLLOW_UP_CODE, FAILING]
    assert job.context.complaints is not None
    assert job.context.change_since_last == change.rows
    for lang, texts in SECTIONS.items():
        html = reports.html(demo.FOLLOW_UP_CODE, FAILING, lang)
        for text in texts:
            assert text in html, (lang, text)
        assert demo.ROUND_CODE in html
        assert html.count('class="change-since-last"') == 1
    with read_session(engine) as s:
        assert verify_chain(s).ok
