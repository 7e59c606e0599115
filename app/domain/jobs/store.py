"""Rows of ``background_job``: created by the request, updated by the worker, read by polls.

Any worker process may answer a poll, so the status lives here and not in memory. A job whose
process died stays "running" forever unless someone notices: live jobs touch ``updated_at``
regularly (a heartbeat), and at start-up each process fails the running jobs whose process is
gone (same host, no such pid) or whose heartbeat stopped long ago (any host).
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db.models.background_job import BackgroundJob
from app.db.types import utcnow

JobState = Literal["running", "done", "failed"]
MAX_MESSAGE = 4000
# Heartbeats come every few seconds; this much silence means the process is gone.
STALE_AFTER = timedelta(minutes=15)
DIED = "the server process running this job stopped; start it again"


def this_worker() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class JobStatus:
    id: str
    owner_id: int
    label: str
    state: JobState
    done: float
    total: float
    message: str
    result_url: str | None

    @property
    def share(self) -> float | None:
        return self.done / self.total if self.total else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "state": self.state,
            "share": self.share,
            "message": self.message,
            "result_url": self.result_url,
        }


def _status(row: BackgroundJob) -> JobStatus:
    state: JobState = row.state  # type: ignore[assignment]  # CHECK constraint on the column
    return JobStatus(
        row.id,
        row.owner_id,
        row.label,
        state,
        row.done,
        row.total,
        row.message,
        row.result_url,
    )


def create_job(
    session: Session,
    *,
    owner_id: int,
    label: str,
    result_url: str | None,
    worker: str | None = None,
) -> JobStatus:
    now = utcnow()
    row = BackgroundJob(
        id=secrets.token_urlsafe(16),
        owner_id=owner_id,
        label=label[:200],
        result_url=result_url,
        worker=worker or this_worker(),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return _status(row)


def record_progress(session: Session, job_id: str, done: float, total: float) -> None:
    """Progress and heartbeat of a running job (a finished job is left alone)."""
    session.execute(
        update(BackgroundJob)
        .where(col(BackgroundJob.id) == job_id, col(BackgroundJob.state) == "running")
        .values(done=done, total=total, updated_at=utcnow())
    )


def finish_job(
    session: Session, job_id: str, state: Literal["done", "failed"], message: str
) -> None:
    now = utcnow()
    values: dict[str, Any] = {
        "state": state,
        "message": message[:MAX_MESSAGE],
        "updated_at": now,
        "finished_at": now,
    }
    if state == "failed":
        # A failed job has no result to continue to.
        values["result_url"] = None
    session.execute(update(BackgroundJob).where(col(BackgroundJob.id) == job_id).values(**values))


def get_job(session: Session, job_id: str, owner_id: int) -> JobStatus | None:
    """The job if ``owner_id`` started it; another user's job is indistinguishable from none."""
    row = session.get(BackgroundJob, job_id[:32])
    if row is None or row.owner_id != owner_id:
        return None
    return _status(row)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _dead(worker: str, updated_at: datetime, now: datetime, me: str) -> bool:
    if worker == me:
        return False
    if updated_at + STALE_AFTER <= now:
        return True
    host, _, pid = worker.rpartition(":")
    if host == me.rpartition(":")[0] and pid.isdigit():
        return not _pid_alive(int(pid))
    return False


def fail_stale_jobs(session: Session, *, me: str | None = None, now: datetime | None = None) -> int:
    """Mark failed the running jobs whose process is gone; returns how many."""
    me = me or this_worker()
    now = now or utcnow()
    rows = session.exec(select(BackgroundJob).where(BackgroundJob.state == "running")).all()
    dead = [r.id for r in rows if _dead(r.worker, r.updated_at, now, me)]
    for job_id in dead:
        finish_job(session, job_id, "failed", DIED)
    return len(dead)
