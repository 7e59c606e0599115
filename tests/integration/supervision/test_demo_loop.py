"""`tianping demo` runs the supervision loop after its round: the failing enterprise is warned,
rectifies, and is re-evaluated in a small follow-up round that is issued and public.

The demo is SQLite by design (its own fresh database), so this runs once. PDF rendering is
replaced by a stand-in (it is tested in tests/integration/reports); everything else is the
demo's own code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from app.cli.main import cli
from app.db.engine import make_engine, read_session
from app.db.models import Certificate, Enterprise, EvaluationRound, Finding
from app.demo import plan as demo
from app.demo import runner
from app.domain.certificates import issuance
from app.domain.rounds.lifecycle import RoundState
from app.web.app import create_app
from reports.batch import RenderJob
from tests.integration.web.helpers import BASE_URL


def _no_pdf(_document: dict[str, Any], batch: list[RenderJob], _signer: Any) -> Any:
    return [(job.out, "0" * 64) for job in batch]


def test_demo_warns_rectifies_and_reevaluates_the_failing_enterprise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(issuance, "render_many", _no_pdf)
    data_dir = tmp_path / "demo"
    args = ["demo", "--no-serve", "--scale", "0.03", "--data-dir", str(data_dir),
            "--out", str(tmp_path / "out")]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert re.search(r"E008 warned \(composite \d+\.\d is below 50\); rectify by ", res.output)
    change = re.search(
        rf"E008: grade (\w) \(\d+\.\d\) in {demo.ROUND_CODE} → (\w) \(\d+\.\d\) in "
        rf"{demo.FOLLOW_UP_CODE}",
        res.output,
    )
    assert change is not None, res.output
    first_grade, new_grade = change.groups()
    assert new_grade < first_grade  # A is the best grade
    assert f"Re-evaluation {demo.FOLLOW_UP_CODE} is issued" in res.output

    settings = runner.demo_settings(data_dir)
    engine = make_engine(settings.effective_database_url)
    try:
        with read_session(engine) as s:
            first = s.exec(
                select(EvaluationRound).where(EvaluationRound.code == demo.ROUND_CODE)
            ).one()
            follow = s.exec(
                select(EvaluationRound).where(EvaluationRound.code == demo.FOLLOW_UP_CODE)
            ).one()
            assert follow.follows_round_id == first.id
            for rnd in (first, follow):
                assert (rnd.state, rnd.results_public) == (RoundState.ISSUED.value, True)
            e008 = s.exec(select(Enterprise).where(Enterprise.code == "E008")).one()
            certs = s.exec(select(Certificate).where(Certificate.round_id == follow.id)).all()
            assert [c.enterprise_id for c in certs] == [e008.id]
            finding = s.exec(select(Finding)).one()
            assert (finding.enterprise_id, finding.status) == (e008.id, "accepted")
        with TestClient(create_app(settings, engine=engine), base_url=BASE_URL) as client:
            listing = client.get("/results", headers={"accept-language": "en"}).text
            assert demo.ROUND_CODE in listing
            assert demo.FOLLOW_UP_CODE in listing
            now = client.get(f"/results/{follow.id}.json").json()["results"]
            assert [(r["enterprise_code"], r["grade"], r["certificate_status"]) for r in now] == [
                ("E008", new_grade, "valid")
            ]
            before = client.get(f"/results/{first.id}.json").json()["results"]
            row = next(r for r in before if r["enterprise_code"] == "E008")
            assert (row["grade"], row["reevaluated_in_round_code"]) == (
                first_grade,
                demo.FOLLOW_UP_CODE,
            )
    finally:
        engine.dispose()
