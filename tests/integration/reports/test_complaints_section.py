"""The certified report's "complaints and timeliness" section: filled at issuance from the
registry, shown in both languages, aggregates only."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session
from app.db.models import Enterprise
from app.domain.certificates import issuance
from app.pii import Keyring
from reports.batch import RenderJob
from reports.charts import CHARTS
from reports.render import render_html
from tests.integration.complaints.builders import LOCAL, Case, add_cases
from tests.integration.reports.conftest import RoundState

NO_CHARTS = dict.fromkeys(CHARTS, "<svg xmlns='http://www.w3.org/2000/svg'/>")
OPENED = datetime(2026, 10, 12, 9, 0, tzinfo=LOCAL)  # a working Monday
TODAY = date(2026, 12, 10)
CASES = [
    Case("R-1", opened=OPENED, first=2, assessed=5, resolved=6, closed=30, category="安装"),
    # late first response (30 h) and result (200 h, past the 3 working days)
    Case("R-2", opened=OPENED, first=30, assessed=40, resolved=200, closed=300, category="维修",
         phone="+8613900001111"),
    Case("R-3", cls="complex", opened=OPENED, first=1, assessed=10, followed=50, resolved=20,
         closed=100, category="维修"),
]  # fmt: skip


def _contexts(
    engine: Engine, st: RoundState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Gather and build the report jobs as issuance does, without the slow PDF rendering."""
    jobs: list[RenderJob] = []

    def capture(document: dict[str, Any], batch: list[RenderJob], signer: Any) -> Any:
        jobs.extend(batch)
        return [(job.out, "0" * 64) for job in batch]

    monkeypatch.setattr(issuance, "render_many", capture)
    with read_session(engine) as s:
        plan = issuance.gather(s, st.round_id, st.approver_id)
    signed = issuance.sign_all(plan, st.keys, TODAY, TODAY + timedelta(days=365))
    issuance.render_all(plan, signed, st.keys, tmp_path, "zh", "https://tianping.example.org")
    return plan.document, {job.enterprise_code: job.context for job in jobs}


def test_section_is_filled_at_issuance_and_shown_in_both_languages(
    engine: Engine, review_round: RoundState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ring = Keyring(keys={"k1": os.urandom(32)}, active="k1")
    with read_session(engine) as s:
        e001 = s.exec(select(Enterprise).where(Enterprise.code == "E001")).one()
    add_cases(engine, review_round.round_id, e001.id or 0, CASES, ring)
    document, contexts = _contexts(engine, review_round, tmp_path, monkeypatch)
    summary = contexts["E001"].complaints
    assert summary is not None
    assert (summary.complaints, summary.breaching) == (3, 1)
    general = next(c for c in summary.classes if c.complaint_class == "general")
    first = next(s for s in general.shares if s.limit == "first_response_24h")
    assert (first.estimate, first.census) == (0.5, True)
    none = contexts["E005"].complaints
    assert none is not None
    assert none.complaints == 0

    zh = render_html(document, "E001", "zh", contexts["E001"], NO_CHARTS)
    assert "投诉处理与时效" in zh
    assert "24小时内首次响应" in zh
    assert "一般投诉 (n=2)" in zh
    assert "复杂投诉72小时内跟进" in zh
    assert "50.0%" in zh  # one of two general complaints answered within 24 h
    assert "维修" in zh
    assert "2026-10" in zh
    en = render_html(document, "E001", "en", contexts["E001"], NO_CHARTS)
    assert "Complaints and timeliness" in en
    assert "First response within 24 h" in en
    assert "General (n=2)" in en
    assert "66.7%" in en  # all complaints: 2 of 3
    for html in (zh, en):
        for private in ("R-1", "R-2", "R-3", "1111", "139****"):
            assert private not in html
    empty = render_html(document, "E005", "en", contexts["E005"], NO_CHARTS)
    assert "The case registry records no complaint for this enterprise." in empty
    draft = render_html(
        document, "E001", "en", replace(contexts["E001"], complaints=None), NO_CHARTS
    )
    assert "Complaints and timeliness" not in draft  # callers without registry data
