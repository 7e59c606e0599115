"""Bad configuration and environments give one clear line, exit 1, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TIANPING = [sys.executable, "-m", "app.cli"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TIANPING_")}
    return subprocess.run(
        [*TIANPING, *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TIANPING_DATABSE_URL": "sqlite://"}, "unknown setting 'databse_url'"),
        (
            {"TIANPING_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
            "cannot reach the PostgreSQL",
        ),
        ({"TIANPING_DATABASE_URL": "mysql://x@y/z"}, "not supported"),
        ({"TIANPING_DATA_DIR": "/proc/tianping-cannot-exist"}, "data directory"),
    ],
)
def test_one_line_no_traceback(env: dict[str, str], message: str) -> None:
    res = _run("db", "current", env=env)
    assert res.returncode == 1
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_unmigrated_database_says_what_to_run(tmp_path: Path) -> None:
    res = _run("serve", env={"TIANPING_DATA_DIR": str(tmp_path)})
    assert res.returncode == 1
    assert "run `tianping db upgrade`" in res.stderr


def test_debug_flag_shows_the_traceback() -> None:
    res = _run("--debug", "db", "current", env={"TIANPING_DATABSE_URL": "x"})
    assert res.returncode != 0
    assert "Traceback" in res.stderr


def test_help_lists_the_commands() -> None:
    res = _run("--help")
    assert res.returncode == 0
    for command in (
        "db",
        "serve",
        "demo",
        "questionnaire",
        "registry",
        "sample",
        "score",
        "audit",
        "user",
    ):
        assert command in res.stdout
