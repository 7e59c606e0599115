"""Background jobs for long work (registry import, scoring, report rendering).

A request starts the job and returns at once; the page (or an API client) polls
``/jobs/{id}.json``. Jobs run in a small thread pool of the worker process that started them,
but their status lives in the ``background_job`` table (``app.domain.jobs.store``), so any
worker can answer the poll. Only the user who started a job may read it.

The work reports progress to an in-memory :class:`Job`; one flusher thread writes it (and a
heartbeat) to the database every second. The work itself never writes progress: it may hold a
write transaction (SQLite allows one writer), and a second write from the same thread would wait
on itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.db.engine import read_session, write_session
from app.domain.jobs.store import (
    JobStatus,
    create_job,
    fail_stale_jobs,
    finish_job,
    get_job,
    record_progress,
    this_worker,
)
from app.errors import TianpingError

log = logging.getLogger("tianping.web")
FLUSH_SECONDS = 1.0
HEARTBEAT_SECONDS = 30.0
FINISH_ATTEMPTS = 5


@dataclass
class Job:
    """Handle the work function receives: ``progress(done, total)`` only touches memory."""

    id: str
    owner_id: int
    label: str
    done: float = 0.0
    total: float = 0.0
    dirty: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, done: float, total: float | None) -> None:
        with self._lock:
            self.done = float(done)
            self.total = float(total or 0)
            self.dirty = True

    def mark_dirty(self) -> None:
        with self._lock:
            self.dirty = True

    def take(self) -> tuple[float, float] | None:
        with self._lock:
            if not self.dirty:
                return None
            self.dirty = False
            return self.done, self.total


class JobRunner:
    def __init__(self, engine: Engine, workers: int = 2) -> None:
        self._engine = engine
        self._worker = this_worker()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tianping-job")
        self._live: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    def fail_stale(self) -> int:
        """At start-up: jobs left "running" by a process that no longer exists failed."""
        try:
            with write_session(self._engine) as s:
                count = fail_stale_jobs(s, me=self._worker)
        except SQLAlchemyError as exc:
            log.warning("could not check for stale background jobs: %s", type(exc).__name__)
            return 0
        if count:
            log.warning("%d background job(s) of stopped processes marked failed", count)
        return count

    def start(
        self,
        owner_id: int,
        label: str,
        work: Callable[[Job], str | None],
        *,
        result_url: str | None = None,
    ) -> JobStatus:
        with write_session(self._engine) as s:
            status = create_job(
                s, owner_id=owner_id, label=label, result_url=result_url, worker=self._worker
            )
        job = Job(id=status.id, owner_id=owner_id, label=label)
        with self._lock:
            self._live[job.id] = job
        self._ensure_flusher()
        self._pool.submit(self._run, job, work)
        return status

    def _run(self, job: Job, work: Callable[[Job], str | None]) -> None:
        try:
            message = work(job) or ""
            state: Any = "done"
        except TianpingError as exc:
            message, state = str(exc), "failed"
        except Exception as exc:
            message = f"unexpected {type(exc).__name__}; the error was logged"
            state = "failed"
            # Type only: exception messages may quote personal data from the input.
            log.error("job %s failed: %s", job.label, type(exc).__name__)
        last = job.take()
        for attempt in range(FINISH_ATTEMPTS):
            try:
                with write_session(self._engine) as s:
                    if last is not None:
                        record_progress(s, job.id, *last)
                    finish_job(s, job.id, state, message)
                break
            except SQLAlchemyError as exc:
                # A busy database must not leave the job "running" for good: try again.
                if attempt == FINISH_ATTEMPTS - 1:
                    log.error("job %s: could not record its end: %s", job.label, type(exc).__name__)
                else:
                    time.sleep(1 + attempt)
        with self._lock:
            self._live.pop(job.id, None)

    def _ensure_flusher(self) -> None:
        with self._lock:
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_loop, name="tianping-job-flush", daemon=True
                )
                self._flusher.start()

    def _flush_loop(self) -> None:
        since_beat = 0.0
        while not self._stop.wait(FLUSH_SECONDS):
            since_beat += FLUSH_SECONDS
            beat = since_beat >= HEARTBEAT_SECONDS
            with self._lock:
                live = list(self._live.values())
                if not live:
                    self._flusher = None
                    return
            updates = []
            for job in live:
                taken = job.take()
                if taken is not None or beat:
                    updates.append((job, taken or (job.done, job.total)))
            if beat:
                since_beat = 0.0
            if not updates:
                continue
            try:
                with write_session(self._engine) as s:
                    for job, (done, total) in updates:
                        record_progress(s, job.id, done, total)
            except SQLAlchemyError:
                # SQLite: the job itself holds the write lock; progress shows on the next try.
                for job, _ in updates:
                    job.mark_dirty()

    def get(self, job_id: str, owner_id: int) -> JobStatus | None:
        with read_session(self._engine) as s:
            return get_job(s, job_id, owner_id)

    def shutdown(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=False)
