"""`tianping user create/reset` refuse common passwords with a one-line message, saving nothing."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from app.cli.main import cli
from app.db.engine import read_session, write_session
from app.db.models import EvaluationBody, User
from app.domain.users.passwords import verify_password
from app.domain.users.service import create_user, parse_role

runner = CliRunner()


def _invoke(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env={"TIANPING_DATABASE_URL": url})
    return result.exit_code, result.output


def test_cli_create_refuses_common_password(engine: Engine, database_url: str) -> None:
    with write_session(engine) as s:
        s.add(EvaluationBody(code="CQA", name="Consumer Quality Assessors"))
    code, out = _invoke(
        database_url, "user", "create", "ann", "--role", "assessor", "--body", "CQA",
        "--password", "Qwerty123456!",
    )  # fmt: skip
    assert code == 1
    assert "commonly used passwords" in out
    assert "Qwerty123456" not in out  # the refused password is not echoed
    assert "Traceback" not in out
    with read_session(engine) as s:
        assert s.exec(select(User)).all() == []


def test_cli_reset_refuses_common_password(engine: Engine, database_url: str) -> None:
    first = "plum kettle orbit seventeen"
    with write_session(engine) as s:
        create_user(s, username="root", password=first, role=parse_role("platform_admin"))
    code, out = _invoke(database_url, "user", "reset", "root", "--password", "passwordpassword")
    assert code == 1
    assert "commonly used passwords" in out
    with read_session(engine) as s:
        assert verify_password(s.exec(select(User)).one().password_hash, first)
