"""Background-job status lives in the database: any worker answers the poll, only the owner
sees it, and jobs of a dead process are failed at start-up (issue #6, long work shows progress)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import BackgroundJob, User
from app.db.types import utcnow
from app.domain.jobs.store import STALE_AFTER, fail_stale_jobs, this_worker
from app.errors import TianpingError
from app.web.app import create_app
from app.web.jobs import Job, JobRunner
from tests.integration.web.helpers import BASE_URL, World, login


def _user_id(engine: Engine, username: str) -> int:
    with read_session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        return user.id or 0


def _wait(runner: JobRunner, job_id: str, owner: int) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = runner.get(job_id, owner)
        assert found is not None
        if found.state != "running":
            return found
        time.sleep(0.05)
    raise AssertionError("job did not finish within 30 s")


def test_job_status_is_stored_and_owner_only(engine: Engine, world: World) -> None:
    owner = _user_id(engine, "assessor1")
    other = _user_id(engine, "assessor2")
    runner = JobRunner(engine)

    def work(job: Job) -> str:
        job.progress(3, 4)
        return "4 things done"

    try:
        started = runner.start(owner, "counting", work, result_url="/rounds")
        done = _wait(runner, started.id, owner)
        assert done.state == "done"
        assert done.message == "4 things done"
        assert done.result_url == "/rounds"
        assert done.share == 0.75
        assert runner.get(started.id, other) is None
        with read_session(engine) as s:
            row = s.get(BackgroundJob, started.id)
            assert row is not None
            assert row.state == "done"
            assert row.finished_at is not None
            assert row.worker == this_worker()
    finally:
        runner.shutdown()


def test_failed_jobs_say_why_without_internals(engine: Engine, world: World) -> None:
    owner = _user_id(engine, "assessor1")
    runner = JobRunner(engine)

    def refused(job: Job) -> str:
        raise TianpingError("round R1 is issued; nothing to score")

    def crashed(job: Job) -> str:
        raise RuntimeError("secret path /etc/shadow")

    try:
        a = _wait(runner, runner.start(owner, "a", refused, result_url="/x").id, owner)
        b = _wait(runner, runner.start(owner, "b", crashed).id, owner)
    finally:
        runner.shutdown()
    assert (a.state, a.message, a.result_url) == (
        "failed",
        "round R1 is issued; nothing to score",
        None,
    )
    assert b.state == "failed"
    assert "RuntimeError" in b.message
    assert "shadow" not in b.message


def _running(engine: Engine, job_id: str, worker: str, age: timedelta) -> None:
    with write_session(engine) as s:
        owner = s.exec(select(User).where(User.username == "assessor1")).one()
        when = utcnow() - age
        s.add(
            BackgroundJob(
                id=job_id,
                owner_id=owner.id or 0,
                label=job_id,
                worker=worker,
                created_at=when,
                updated_at=when,
            )
        )


def test_stale_jobs_of_dead_processes_fail_at_start_up(engine: Engine, world: World) -> None:
    host = this_worker().rpartition(":")[0]
    _running(engine, "dead-pid", f"{host}:999999999", timedelta(seconds=5))
    _running(engine, "silent", "elsewhere:12", STALE_AFTER + timedelta(minutes=1))
    _running(engine, "alive-elsewhere", "elsewhere:13", timedelta(seconds=5))
    _running(engine, "mine", this_worker(), STALE_AFTER + timedelta(hours=1))
    with write_session(engine) as s:
        assert fail_stale_jobs(s) == 2
    with read_session(engine) as s:
        states = {j.id: (j.state, j.message) for j in s.exec(select(BackgroundJob)).all()}
    assert states["dead-pid"][0] == "failed"
    assert "stopped" in states["dead-pid"][1]
    assert states["silent"][0] == "failed"
    assert states["alive-elsewhere"][0] == "running"
    assert states["mine"][0] == "running"


def test_app_start_up_fails_stale_jobs(engine: Engine, world: World) -> None:
    host = this_worker().rpartition(":")[0]
    _running(engine, "orphan", f"{host}:999999998", timedelta(seconds=1))
    with TestClient(create_app(Settings(), engine=engine), base_url=BASE_URL):
        pass
    with read_session(engine) as s:
        job = s.get(BackgroundJob, "orphan")
        assert job is not None
        assert job.state == "failed"


def test_any_worker_answers_the_poll_for_the_owner_only(engine: Engine, world: World) -> None:
    owner = _user_id(engine, "assessor1")
    first = JobRunner(engine)  # the worker process that runs the job
    try:
        job = first.start(owner, "import", lambda j: "12 cases imported", result_url="/rounds/1")
        _wait(first, job.id, owner)
    finally:
        first.shutdown()
    # Another worker process: its own app and runner, the same database.
    with TestClient(create_app(Settings(), engine=engine), base_url=BASE_URL) as other:
        assert other.get(f"/jobs/{job.id}.json").status_code == 401
        login(other, "assessor1")
        r = other.get(f"/jobs/{job.id}.json")
        assert r.status_code == 200
        assert r.json()["state"] == "done"
        assert r.json()["message"] == "12 cases imported"
        assert "no-store" in r.headers["cache-control"]
        assert other.get(f"/jobs/{job.id}").status_code == 404
        api = other.get(f"/api/v1/jobs/{job.id}")
        assert api.status_code == 200
        assert api.json()["status_url"] == f"/api/v1/jobs/{job.id}"
    with TestClient(create_app(Settings(), engine=engine), base_url=BASE_URL) as stranger:
        login(stranger, "assessor2")
        assert stranger.get(f"/jobs/{job.id}.json").status_code == 404
        assert stranger.get(f"/api/v1/jobs/{job.id}").status_code == 404
