"""Background jobs for long work (registry import, scoring, report rendering).

A request starts the job and returns at once; the page polls ``/jobs/{id}.json`` for progress.
Jobs run in a small thread pool of this worker process and their status lives in its memory:
with several workers the poll must reach the same worker (sticky sessions), or the status table
moves into the database (see docs/web.md). Only the user who started a job may read it.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from app.errors import TianpingError

JobState = Literal["running", "done", "failed"]
MAX_KEPT = 200


@dataclass
class Job:
    id: str
    owner_id: int
    label: str
    state: JobState = "running"
    done: float = 0.0
    total: float = 0.0
    message: str = ""
    result_url: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, done: float, total: float | None) -> None:
        with self._lock:
            self.done = float(done)
            self.total = float(total or 0)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            share = self.done / self.total if self.total else None
            return {
                "id": self.id,
                "label": self.label,
                "state": self.state,
                "share": share,
                "message": self.message,
                "result_url": self.result_url,
            }


class JobRunner:
    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tianping-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self,
        owner_id: int,
        label: str,
        work: Callable[[Job], str | None],
        *,
        result_url: str | None = None,
    ) -> Job:
        job = Job(id=secrets.token_urlsafe(16), owner_id=owner_id, label=label)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_KEPT:
                self._jobs.popitem(last=False)

        def run() -> None:
            try:
                message = work(job)
                job.message = message or ""
                job.result_url = result_url
                job.state = "done"
            except TianpingError as exc:
                job.message = str(exc)
                job.state = "failed"
            except Exception as exc:
                job.message = f"unexpected {type(exc).__name__}; the error was logged"
                job.state = "failed"
                import logging

                logging.getLogger("tianping.web").error("job %s failed: %s", label, type(exc))

        self._pool.submit(run)
        return job

    def get(self, job_id: str, owner_id: int) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner_id == owner_id else None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
