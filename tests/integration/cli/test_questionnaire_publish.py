"""`tianping questionnaire publish`: versions assigned by the database, published rows frozen."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from app.cli.main import cli
from app.db.engine import read_session, write_session
from app.db.models import EvaluationBody, QuestionnaireVersion
from questionnaires.templates import template_text


def _run(url: str, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args), env={"TIANPING_DATABASE_URL": url})
    return res.exit_code, res.output


def test_publish_twice_makes_two_versions(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with write_session(engine) as s:
        s.add(EvaluationBody(code="CQ", name="Body"))
    path = tmp_path / "q.yaml"
    path.write_text(template_text("after-sales"), encoding="utf-8")
    code, out = _run(database_url, "questionnaire", "publish", str(path), "--body", "CQ")
    assert code == 0, out
    assert "published after-sales v1" in out
    path.write_text(template_text("after-sales").replace("售后", "售后服务"), encoding="utf-8")
    code, out = _run(database_url, "questionnaire", "publish", str(path), "--body", "CQ")
    assert code == 0, out
    assert "v2" in out
    with read_session(engine) as s:
        versions = s.exec(select(QuestionnaireVersion).order_by(QuestionnaireVersion.version)).all()  # type: ignore[arg-type]
    assert [(v.version, v.status) for v in versions] == [(1, "published"), (2, "published")]
    assert versions[0].sha256 != versions[1].sha256
    code, out = _run(database_url, "questionnaire", "publish", str(path), "--body", "NOPE")
    assert code == 1
    assert "no evaluation body" in out
