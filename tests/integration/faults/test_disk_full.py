"""Issue #9 item 7, staged for real: the database's disk fills up, or turns read-only.

* **Full disk (SQLite).** The database lives on a small tmpfs mounted for the test; a filler
  file takes every free byte. Survey submissions (JSON API and survey page), a registry import
  through the API (a background job) and ``tianping registry import`` are then refused with a
  clear "storage is full" error (503 ``storage_full``, a failed job, exit status 1), never a
  500 or a traceback. Reads go on: an acknowledged submission still replays. Afterwards every
  acknowledged submission is whole, the refused ones left nothing (no response row, the token
  unused, no registry, no cases), and once the filler is deleted the same tokens and files go
  through with no manual step.
* **Read-only (SQLite).** The same tmpfs is remounted read-only (``mount -o remount,ro``), then
  read-write again. Linux refuses ``remount,ro`` while a file on it is open for writing, so the
  app's idle pooled connections are closed first: its next connections open the database on a
  read-only filesystem, and stay read-only after the switch back unless the app replaces them.
* **Read-only (PostgreSQL).** ``default_transaction_read_only`` on a private database (never on
  the shared ``test`` database), the app's connections cut as a failover would.

Mounting needs root (as in CI); elsewhere the SQLite staging is skipped (failed under CI).
"""

from __future__ import annotations

import base64
import errno
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg.errors
import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from app.config import Settings
from app.db.engine import make_engine, read_session, write_session
from app.db.models import CaseRegistry, EvaluationRound, Invitation, ServiceCase, SurveyResponse
from app.db.models.user import Role
from app.db.outage import is_storage_full, outage_error
from app.demo.synthetic import DemoEnterprise, write_registry
from app.domain.fieldwork.tokens import hash_token
from app.domain.rounds.lifecycle import RoundState
from app.domain.users.service import create_user
from app.errors import StorageFullError
from app.web.app import create_app
from tests.databases import PostgresFactory, SqliteFactory
from tests.integration.faults.checks import assert_submissions_whole
from tests.integration.registry.test_import import _round
from tests.integration.survey.builders import fieldwork_round, full_answers
from tests.integration.web.helpers import BASE_URL, PASSWORD, csrf_token
from tests.integration.web.test_api_tokens import bearer, make_token
from tests.integration.web.test_api_workflow import wait_job

FULL = "storage is full"
UNAVAILABLE = "unavailable or read-only"
CASES = 2000  # per registry file: far more than the room left on the nearly full disk
HEADROOM = 256 * 1024
TIANPING = str(Path(sys.executable).with_name("tianping"))
PII_KEY = base64.b64encode(b"k" * 32).decode()
HASH_KEY = base64.b64encode(b"h" * 32).decode()


# ---- staging -------------------------------------------------------------------------------------
def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@contextmanager
def _tiny_fs(where: Path, size: str = "32m") -> Iterator[Path]:
    where.mkdir()
    mounted = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tianping", str(where))
    if mounted.returncode != 0:
        reason = f"cannot mount a small filesystem here (needs root): {mounted.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield where
    finally:
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))  # detached now, freed once the last file closes


def _remount(where: Path, mode: str) -> None:
    done = _run("mount", "-o", f"remount,{mode}", str(where))
    assert done.returncode == 0, done.stderr


def _fill(directory: Path) -> Path:
    """A filler file taking every free byte (large writes first, then down to single bytes)."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            block = b"x" * size
            while True:
                try:
                    if os.write(fd, block) < size:
                        break
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    assert shutil.disk_usage(directory).free == 0
    return filler


@contextmanager
def _sqlite_on(where: Path, factory: SqliteFactory) -> Iterator[tuple[str, Engine]]:
    target = where / "tianping.sqlite3"
    shutil.copyfile(factory.template, target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()  # before the unmount: open files would keep it busy


# ---- the app, its data and its CLI ---------------------------------------------------------------
def _settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir, pii_keys=f"t1:{PII_KEY}", pii_active_key="t1",
        contact_hash_key=HASH_KEY, secret_key="s" * 40,
    )  # fmt: skip


def _cli_import(url: str, data_dir: Path, path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TIANPING_DATABASE_URL": url,
        "TIANPING_DATA_DIR": str(data_dir),
        "TIANPING_PII_KEYS": f"t1:{PII_KEY}",
        "TIANPING_PII_ACTIVE_KEY": "t1",
        "TIANPING_CONTACT_HASH_KEY": HASH_KEY,
        "TIANPING_SECRET_KEY": "s" * 40,
    }
    env.pop("TIANPING_DEBUG", None)
    command = [TIANPING, "registry", "import", str(path), "--round", "R1"]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _registry(directory: Path, enterprise: str, seed: int) -> Path:
    path = directory / f"{enterprise}.csv"
    ent = DemoEnterprise(enterprise, enterprise, enterprise, CASES, 0.2)
    write_registry(path, ent, np.random.default_rng(seed))
    return path


@contextmanager
def _world(engine: Engine, work: Path) -> Iterator[tuple[TestClient[Any], list[str], str]]:
    """The app on ``engine``; returns its client, survey tokens and an assessor's API token.

    Round R1 (enterprises E1, E2) has its plan frozen and waits for registries; round R2 is in
    fieldwork.
    """
    _round(engine)
    _, issued = fieldwork_round(engine, code="R2", enterprises=2, cases_per_stratum=3)
    with write_session(engine) as s:
        create_user(s, username="assessor", password=PASSWORD, role=Role.ASSESSOR, body_code="B")
    api_token = make_token(engine, "assessor")
    data_dir = work / "data"
    data_dir.mkdir()
    app = create_app(_settings(data_dir), engine=engine)
    with TestClient(app, base_url=BASE_URL) as client:
        yield client, [inv.token for inv in issued], api_token


def _submit(client: TestClient[Any], token: str, key: str) -> Any:
    body = {"token": token, "answers": full_answers(), "idempotency_key": key}
    return client.post("/api/v1/responses", json=body)


def _upload(client: TestClient[Any], api_token: str, path: Path, rid: int) -> Any:
    files = {"file": (path.name, path.read_bytes(), "text/csv")}
    return client.post(f"/api/v1/rounds/{rid}/registries", files=files, headers=bearer(api_token))


def _round_id(engine: Engine) -> int:
    with read_session(engine) as s:
        rnd = s.exec(select(EvaluationRound).where(EvaluationRound.code == "R1")).one()
        return rnd.id or 0


def _imported(engine: Engine) -> tuple[int, int, str]:
    """(registries, cases, state) of round R1."""
    rid = _round_id(engine)
    with read_session(engine) as s:
        registries = s.exec(
            select(func.count()).select_from(CaseRegistry).where(CaseRegistry.round_id == rid)
        ).one()
        cases = s.exec(
            select(func.count()).select_from(ServiceCase).where(ServiceCase.round_id == rid)
        ).one()
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        return int(registries), int(cases), str(rnd.state)


def _token_unused(engine: Engine, token: str) -> bool:
    """No response stored for the token's invitation, and the invitation not answered."""
    with read_session(engine) as s:
        invitation = s.exec(
            select(Invitation).where(Invitation.token_hash == hash_token(token))
        ).one()
        responses = s.exec(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.invitation_id == invitation.id)
        ).one()
    return responses == 0 and invitation.status != "answered"


def _assert_refused(response: Any, code: str, words: str) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["code"] == code, response.text
    assert words in response.json()["message"]


def _assert_cli_refused(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    # One line naming the problem (after any progress lines), no driver message.
    assert done.stderr.splitlines()[-1].startswith("error: "), done.stderr[-2000:]
    assert words in done.stderr, done.stderr[-2000:]


@dataclass(frozen=True)
class Stage:
    """A round under a filled disk: the app's client and what the checks below drive."""

    client: TestClient[Any]
    engine: Engine
    url: str
    work: Path  # the CLI's data directory lives under it
    tokens: list[str]
    api_token: str
    csrf: str
    registries: tuple[Path, Path]  # one imported through the API, one through the CLI
    round_id: int


def _staged(
    client: TestClient[Any],
    engine: Engine,
    url: str,
    work: Path,
    tokens: list[str],
    api_token: str,
    *,
    page_token: str,
) -> tuple[Stage, list[Any]]:
    """Where every full-disk scenario starts, before the disk fills: three acknowledged
    submissions, a survey opened with ``page_token`` (its cookie drives the page checks) and
    two registries to import."""
    acked = [_submit(client, tokens[i], f"k{i}") for i in range(3)]
    assert [r.status_code for r in acked] == [201] * 3, acked[-1].text
    csrf = csrf_token(client)
    assert client.get(f"/s/{page_token}", follow_redirects=False).status_code == 303
    stage = Stage(
        client, engine, url, work, tokens, api_token, csrf,
        (_registry(work, "E1", 1), _registry(work, "E2", 2)), _round_id(engine),
    )  # fmt: skip
    return stage, acked


def _api_import(stage: Stage, registry: Path) -> dict[str, Any]:
    """Upload ``registry`` through the API and wait for its job to end."""
    return wait_job(
        stage.client,
        _upload(stage.client, stage.api_token, registry, stage.round_id),
        stage.api_token,
    )


def _refusals_hold(stage: Stage, refused: dict[int, Any], acked: list[Any]) -> None:
    """Refused submissions say storage is full, leave their tokens unused, and reads still work."""
    for response in refused.values():
        _assert_refused(response, "storage_full", FULL)
    # Reading needs no space: an acknowledged submission still replays with its receipt.
    replay = _submit(stage.client, stage.tokens[0], "k0-again")
    assert replay.status_code == 200, replay.text
    assert replay.json()["receipt"] == acked[0].json()["receipt"]
    page = stage.client.post(
        "/survey",
        data={"screen": "0", "action": "next", "_csrf_token": stage.csrf},
        headers={"accept": "text/html"},
    )
    assert page.status_code == 503, page.text[:500]
    assert FULL in re.sub(r"\s+", " ", page.text)
    for i in refused:
        assert _token_unused(stage.engine, stage.tokens[i])


def _imports_refused_part_way(stage: Stage, filler: Path) -> None:
    """With a little room left, the API job and the CLI import start and run out of space."""
    os.truncate(filler, filler.stat().st_size - HEADROOM)
    api_file, cli_file = stage.registries
    job = _api_import(stage, api_file)
    assert job["state"] == "failed", job
    assert FULL in job["message"], job
    assert _imported(stage.engine) == (0, 0, RoundState.PLAN_FROZEN.value)
    _assert_cli_refused(_cli_import(stage.url, stage.work / "data", cli_file), FULL)
    assert _imported(stage.engine) == (0, 0, RoundState.PLAN_FROZEN.value)


def _recovers(stage: Stage, filler: Path, refused: dict[int, Any], acked: list[Any]) -> None:
    """Once space is back (nobody touches the app), the same tokens and files go through."""
    filler.unlink()
    again = {i: _submit(stage.client, stage.tokens[i], f"k{i}") for i in refused}
    assert [r.status_code for r in again.values()] == [201] * len(refused), again
    api_file, cli_file = stage.registries
    job = _api_import(stage, api_file)
    assert job["state"] == "done", job
    cli = _cli_import(stage.url, stage.work / "data", cli_file)
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert _imported(stage.engine) == (2, 2 * CASES, RoundState.SAMPLING.value)
    receipts = {r.json()["receipt"] for r in [*acked, *again.values()]}
    assert assert_submissions_whole(stage.engine, receipts) == len(acked) + len(refused)


# ---- full disk -----------------------------------------------------------------------------------
def test_full_disk_refuses_clearly_keeps_what_was_acknowledged_and_recovers(
    sqlite_factory: SqliteFactory, tmp_path: Path
) -> None:
    with (
        _tiny_fs(tmp_path / "fs") as fs,
        _sqlite_on(fs, sqlite_factory) as (url, engine),
        _world(engine, tmp_path) as (client, tokens, api_token),
    ):
        stage, acked = _staged(
            client, engine, url, tmp_path, tokens, api_token, page_token=tokens[5]
        )

        # An empty WAL: the next write has to grow a file, as every write eventually must.
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = _fill(fs)

        refused = {i: _submit(client, tokens[i], f"k{i}") for i in (3, 4)}
        _refusals_hold(stage, refused, acked)
        _imports_refused_part_way(stage, filler)
        _recovers(stage, filler, refused, acked)


def test_a_full_disk_is_told_apart_from_other_outages() -> None:
    """PostgreSQL's disk-full SQLSTATE gets the same clear error as SQLite's (staged for real on
    a private cluster in ``test_postgres_disk_full.py``); other outages keep the general message."""
    for orig, full in [
        (psycopg.errors.DiskFull(), True),
        (psycopg.errors.ReadOnlySqlTransaction(), False),
        (psycopg.errors.TooManyConnections(), False),
    ]:
        wrapped = DBAPIError.instance("INSERT …", {}, orig, Exception)
        assert isinstance(wrapped, DBAPIError)
        assert is_storage_full(wrapped) is full
        assert isinstance(outage_error(wrapped), StorageFullError) is full


# ---- read-only -----------------------------------------------------------------------------------
Switch = Callable[[bool], None]


def _read_only_then_back(
    client: TestClient[Any], tokens: list[str], api_token: str, switch: Switch, url: str, work: Path
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The scenario both engines share: returns the acknowledged receipts and the CLI's answer
    while the database was read-only (its wording differs by engine; its recovery is a new
    process like any other, shown by the full-disk test)."""
    engine = client.app.state.engine
    first = _submit(client, tokens[0], "k0")
    assert first.status_code == 201, first.text
    e1, e2 = _registry(work, "E1", 1), _registry(work, "E2", 2)
    rid = _round_id(engine)

    switch(True)
    _assert_refused(_submit(client, tokens[1], "k1"), "database_unavailable", UNAVAILABLE)
    # The import job cannot even be recorded: the upload is refused at once.
    _assert_refused(_upload(client, api_token, e1, rid), "database_unavailable", UNAVAILABLE)
    cli = _cli_import(url, work / "data", e2)
    switch(False)

    assert _imported(engine) == (0, 0, RoundState.PLAN_FROZEN.value)
    assert _token_unused(engine, tokens[1])
    # Writable again: the very next requests succeed, on whatever connections the app holds.
    again = _submit(client, tokens[1], "k1")
    assert again.status_code == 201, again.text
    job = wait_job(client, _upload(client, api_token, e1, rid), api_token)
    assert job["state"] == "done", job
    assert _imported(engine) == (1, CASES, RoundState.SAMPLING.value)
    return {first.json()["receipt"], again.json()["receipt"]}, cli


def test_read_only_sqlite_filesystem_refuses_clearly_and_recovers(
    sqlite_factory: SqliteFactory, tmp_path: Path
) -> None:
    with (
        _tiny_fs(tmp_path / "fs") as fs,
        _sqlite_on(fs, sqlite_factory) as (url, engine),
        _world(engine, tmp_path) as (client, tokens, api_token),
    ):

        def switch(on: bool) -> None:
            if on:
                engine.dispose()  # see the module docstring: the kernel wants no writer open
            _remount(fs, "ro" if on else "rw")

        receipts, cli = _read_only_then_back(client, tokens, api_token, switch, url, tmp_path)
        # The CLI checks the database's folder before it opens the database.
        _assert_cli_refused(cli, "not writable (Read-only file system)")
        assert assert_submissions_whole(engine, receipts) == 2


def test_read_only_postgresql_database_refuses_clearly_and_recovers(
    postgres_factory: PostgresFactory | None, tmp_path: Path
) -> None:
    if postgres_factory is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL but no server answers on 127.0.0.1:5432")
        pytest.skip("no PostgreSQL server (set TIANPING_TEST_POSTGRES_URL to test it)")
    url = postgres_factory.url()  # a private database: its settings are ours to change
    database = make_url(url).database or ""
    admin = create_engine(postgres_factory.admin_url, isolation_level="AUTOCOMMIT")
    engine = make_engine(url)

    def switch(on: bool) -> None:
        with admin.connect() as conn:
            value = "on" if on else "off"
            conn.execute(
                text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = {value}')
            )
            if on:  # a failover to a read-only node: the app's sessions are cut off
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                )

    try:
        with _world(engine, tmp_path) as (client, tokens, api_token):
            receipts, cli = _read_only_then_back(client, tokens, api_token, switch, url, tmp_path)
        _assert_cli_refused(cli, UNAVAILABLE)
        assert assert_submissions_whole(engine, receipts) == 2
    finally:
        switch(False)
        engine.dispose()
        admin.dispose()
        postgres_factory.drop(url)
