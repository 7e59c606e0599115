"""On-site observation findings reach the certified report (issue #8): ``gather`` loads them
per enterprise and the rendered report lists each finding's text. One real render."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

import reports.render
from app.db.engine import read_session, write_session
from app.db.models import Enterprise, EvaluationRound, ObservationVisit
from app.domain.certificates.issuance import gather, render_all, sign_all
from app.domain.observations.service import publish_bundled_checklist
from tests.integration.reports.conftest import RoundState

TODAY = date(2026, 12, 10)
BADGE = "All staff on duty wore the uniform and a name badge"
PRICES = "Services and their prices are displayed where customers can see them"


def _visit(engine: Engine, st: RoundState, code: str, answers: dict[str, Any]) -> None:
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, st.round_id)
        assert rnd is not None
        ent = s.exec(select(Enterprise).where(Enterprise.code == code)).one()
        version = publish_bundled_checklist(s, body_id=rnd.body_id, actor="test")
        s.add(
            ObservationVisit(
                round_id=st.round_id,
                enterprise_id=ent.id or 0,
                questionnaire_version_id=version,
                assessor_id=None,
                outlet="Xinjiekou service centre",
                visit_date=date(2026, 11, 3),
                answers=answers,
                notes="",
            )
        )


def test_findings_are_gathered_and_printed_in_the_report(
    engine: Engine, review_round: RoundState, monkeypatch: pytest.MonkeyPatch
) -> None:
    _visit(engine, review_round, "E001", {"obs_staff_badge": "no", "obs_info_prices": "yes"})
    _visit(engine, review_round, "E005", {"obs_info_prices": "no"})
    with read_session(engine) as s:
        plan = gather(s, review_round.round_id, review_round.approver_id)
    assert [f.item_code for f in plan.findings["E001"]] == ["obs_staff_badge"]
    assert [f.item_code for f in plan.findings["E005"]] == ["obs_info_prices"]

    html_seen: list[str] = []
    real = reports.render.html_to_pdf

    def capture(html: str, *args: Any, **kwargs: Any) -> bytes:
        html_seen.append(html)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(reports.render, "html_to_pdf", capture)
    one = replace(plan, enterprises=tuple(e for e in plan.enterprises if e[1] == "E001"))
    signed = sign_all(one, review_round.keys, TODAY, TODAY + timedelta(days=365))
    out = review_round.settings.data_dir / "reports"
    files = render_all(one, signed, review_round.keys, out, "en", "https://verify.example")
    assert files[0][0].read_bytes().startswith(b"%PDF")
    (html,) = html_seen
    assert BADGE in html
    assert "Xinjiekou service centre (2026-11-03)" in html
    assert "Not met" in html
    assert PRICES not in html  # E005's finding stays in E005's report
    assert "No on-site observation was scheduled" not in html
