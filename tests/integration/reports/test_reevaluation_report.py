"""A re-evaluation's report has a "change since the last round" section, in zh and en, filled
by issuance's gather step from the round it follows (both engines)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.db.engine import read_session, write_session
from app.db.models import EvaluationBody, EvaluationRound, Scorecard
from app.domain.certificates import issuance
from app.domain.rounds.service import create_round, round_enterprises
from reports.batch import RenderJob
from reports.chart_export import ChartSession
from reports.render import prepare_report
from tests.integration.reports.conftest import RoundState

TODAY = date(2026, 12, 10)


def _earlier_section(current: dict[str, Any]) -> dict[str, Any]:
    """The previous round's figures implied by the fixture's own change block."""
    change = current["change"]

    def est(measure: str, now: dict[str, Any]) -> dict[str, Any]:
        c = change[measure]
        se = math.sqrt(max(c["se"] ** 2 - now["se"] ** 2, 1e-6))
        return {"estimate": c["previous"], "se": se, "df": now["df"]}

    return {
        "composite": est("composite", current["composite"]),
        "dimensions": {d: est(d, v) for d, v in current["dimensions"].items()},
        "grade": {"grade": "E"},
    }


@pytest.fixture
def reevaluation(engine: Engine, review_round: RoundState, round_scorecard: dict[str, Any]) -> int:
    with write_session(engine) as s:
        current = s.get(EvaluationRound, review_round.round_id)
        assert current is not None
        body = s.get(EvaluationBody, current.body_id)
        assert body is not None
        ents = round_enterprises(s, review_round.round_id)
        earlier = create_round(
            s,
            body,
            code="AS26Q2",
            title="家电售后服务质量评价 2026年第二季度",
            industry="appliances",
            period_start=date(2026, 4, 1),
            period_end=date(2026, 6, 30),
            enterprises=ents,
            created_by=None,
            actor="test",
        )
        earlier.state = "issued"
        s.add(earlier)
        s.flush()
        for ent in ents:
            s.add(
                Scorecard(
                    round_id=earlier.id or 0,
                    enterprise_id=ent.id or 0,
                    plan_sha256="e" * 64,
                    content={
                        "confidence": 0.95,
                        "enterprise": _earlier_section(round_scorecard["enterprises"][ent.code]),
                    },
                )
            )
        current.follows_round_id = earlier.id
        current.previous_round_id = earlier.id
        s.add(current)
        return earlier.id or 0


def test_change_section_in_both_languages(
    engine: Engine,
    review_round: RoundState,
    reevaluation: int,
    charts: ChartSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with read_session(engine) as s:
        plan = issuance.gather(s, review_round.round_id, review_round.approver_id)
    assert plan.follows_round_code == "AS26Q2"
    rows = {r.measure: r for r in plan.changes["E005"]}
    assert list(rows)[-1] == "composite"
    assert rows["efficiency"].difference.estimate == pytest.approx(6.668, abs=1e-3)
    assert rows["efficiency"].difference.significant
    assert not rows["environment"].difference.significant

    jobs: list[RenderJob] = []
    # The report context is what render_all hands to rendering; PDFs are not needed here.
    monkeypatch.setattr(issuance, "render_many", lambda _doc, js, _signer: jobs.extend(js) or [])
    signed = issuance.sign_all(plan, review_round.keys, TODAY, date(2027, 12, 10))
    issuance.render_all(plan, signed, review_round.keys, tmp_path, "zh", "https://v.example")
    ctx = next(j.context for j in jobs if j.enterprise_code == "E005")
    assert ctx.change_since_last == plan.changes["E005"]

    expected = {
        "zh": ("整改后复评：与上一轮相比的变化", "显著提升", "无显著变化", "AS26Q2"),
        "en": ("Re-evaluation: change since the last round", "significant improvement",
               "no significant change", "re-evaluates round AS26Q2"),
    }  # fmt: skip
    for lang, texts in expected.items():
        html, _, _ = prepare_report(plan.document, "E005", lang, ctx, charts)  # type: ignore[arg-type]
        for text in texts:
            assert text in html, (lang, text)
        assert html.count('class="change-since-last"') == 1
        assert "+6.7" in html  # efficiency
        # The plain trend table gives way to the fuller one; the trend chart stays.
        assert "No previous round" not in html
        assert "无上一轮" not in html
        assert html.count("<figcaption>") >= 3
