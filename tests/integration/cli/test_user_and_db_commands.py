"""`tianping user …`, `tianping db …` and `tianping audit verify` against real databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from app.cli.main import cli
from app.db.engine import read_session, write_session
from app.db.models import Enterprise, EvaluationBody, User
from app.domain.users.passwords import verify_password

runner = CliRunner()


def _invoke(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env={"TIANPING_DATABASE_URL": url})
    return result.exit_code, result.output


def _seed(engine: Engine) -> None:
    with write_session(engine) as s:
        body = EvaluationBody(code="CQA", name="Consumer Quality Assessors")
        s.add(body)
        s.flush()
        assert body.id is not None
        s.add(Enterprise(body_id=body.id, code="E001", name="Acme"))


def test_create_users_of_each_role(engine: Engine, database_url: str) -> None:
    _seed(engine)
    pw = "correct horse battery"
    assert (
        _invoke(
            database_url, "user", "create", "root", "--role", "platform_admin", "--password", pw
        )[0]
        == 0
    )
    assert (
        _invoke(
            database_url,
            "user",
            "create",
            "ann",
            "--role",
            "assessor",
            "--body",
            "CQA",
            "--password",
            pw,
        )[0]
        == 0
    )
    code, out = _invoke(
        database_url,
        "user",
        "create",
        "viewer",
        "--role",
        "enterprise_viewer",
        "--body",
        "CQA",
        "--enterprise",
        "E001",
        "--password",
        pw,
    )
    assert code == 0, out
    with read_session(engine) as s:
        users = {u.username: u for u in s.exec(select(User)).all()}
    assert users["viewer"].enterprise_id is not None
    assert verify_password(users["ann"].password_hash, pw)
    assert not verify_password(users["ann"].password_hash, "wrong password!")
    code, out = _invoke(database_url, "audit", "verify")
    assert code == 0
    assert "3 entries verified" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard"], "unknown role 'wizard'"),
        (["--role", "assessor"], "give --body CODE"),
        (["--role", "enterprise_viewer", "--body", "CQA"], "give --enterprise CODE"),
        (["--role", "assessor", "--body", "NOPE"], "no evaluation body with code 'NOPE'"),
        (
            ["--role", "assessor", "--body", "CQA", "--enterprise", "E001"],
            "only enterprise viewers",
        ),
    ],
)
def test_bad_user_input_is_one_line(
    engine: Engine, database_url: str, args: list[str], message: str
) -> None:
    _seed(engine)
    code, out = _invoke(
        database_url, "user", "create", "bob", *args, "--password", "long enough pass"
    )
    assert code == 1
    assert message in out
    assert "Traceback" not in out


def test_short_password_refused_and_nothing_saved(engine: Engine, database_url: str) -> None:
    _seed(engine)
    code, out = _invoke(
        database_url,
        "user",
        "create",
        "ann",
        "--role",
        "assessor",
        "--body",
        "CQA",
        "--password",
        "short",
    )
    assert code == 1
    assert "at least 12 characters" in out
    with read_session(engine) as s:
        assert s.exec(select(User)).all() == []


def test_disable_and_reset(engine: Engine, database_url: str) -> None:
    _seed(engine)
    _invoke(
        database_url,
        "user",
        "create",
        "ann",
        "--role",
        "assessor",
        "--body",
        "CQA",
        "--password",
        "first password 1",
    )
    assert _invoke(database_url, "user", "reset", "ann", "--password", "second password 2")[0] == 0
    assert _invoke(database_url, "user", "disable", "ann")[0] == 0
    with read_session(engine) as s:
        ann = s.exec(select(User)).one()
    assert not ann.is_active
    assert verify_password(ann.password_hash, "second password 2")
    code, out = _invoke(database_url, "user", "disable", "nobody")
    assert code == 1
    assert "no user 'nobody'" in out


def test_db_commands(database_url: str, tmp_path: Path) -> None:
    code, out = _invoke(database_url, "db", "upgrade")
    assert code == 0
    assert "already at" in out
    code, out = _invoke(database_url, "db", "current")
    assert "up to date" in out
    backup = tmp_path / "b.dump"
    assert _invoke(database_url, "db", "backup", str(backup))[0] == 0
    assert backup.stat().st_size > 0
    code, out = _invoke(database_url, "db", "restore", "--yes", str(backup))
    assert code == 0, out


def test_unmigrated_database_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    code, out = _invoke(url, "user", "disable", "x")
    assert code == 1
    assert "run `tianping db upgrade`" in out
