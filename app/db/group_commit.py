"""Group commit: one writer thread per connection pool stores queued units of work together.

Under load, many request threads each wanting the database's single write lock spend more
time handing it (and the interpreter lock) to each other than writing: with 64 concurrent
survey submissions the lock was held mostly by threads waiting for the interpreter, while the
other server process, and its core, waited for the lock. Here the request threads do their
reading and checking as before, then queue the write and wait (a thread blocks without the
interpreter lock; an async caller awaits the future and holds no thread) until it is done.
One writer thread takes everything queued, up to
``max_batch`` units, and stores it in **one transaction**:

* the work function stores the whole batch at once (set-wise, so the lock is held for a few
  statements, not a few per unit), inside a savepoint; if that fails, the batch is stored
  again unit by unit, each in its own savepoint, so a unit stays all-or-nothing: one that
  fails is rolled back and its caller gets the error, while the others commit;
* nothing is acknowledged before the commit that makes it durable: every caller waits for it,
  and if the commit fails every caller of that batch gets the error (nothing of it is stored);
* the write lock (and on SQLite the cross-process write turn, on PostgreSQL the audit chain's
  lock) is taken once per batch, not once per unit.

The thread starts with the first unit and ends after ``idle_seconds`` without work, so idle
pools (tests open hundreds) keep no thread. It holds the engine only while it has work.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine

from app.db.driver import DriverConnection
from app.db.engine import IMMEDIATE, write_turn

T = TypeVar("T")
R = TypeVar("R")

# Stores a list of units in the caller's transaction; one result per unit, in order.
Work = Callable[[DriverConnection, list[T]], list[R]]


@dataclass(slots=True)
class _Job(Generic[T, R]):
    engine: Engine
    item: T
    future: Future[R] = field(default_factory=Future)


class GroupCommit(Generic[T, R]):
    """Stores items queued from any thread with ``work(db, batch)``; see the module docstring."""

    max_batch = 100
    idle_seconds = 5.0

    def __init__(self, work: Work[T, R], name: str) -> None:
        self._work = work
        self._name = name
        self._queue: queue.SimpleQueue[_Job[T, R]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, engine: Engine, item: T) -> Future[R]:
        """Queue ``item``; the future ends once it is committed (or has failed).

        Async callers await it (``asyncio.wrap_future``) and hold no thread while they wait.
        """
        job: _Job[T, R] = _Job(engine, item)
        self._queue.put(job)
        with self._lock:
            self._ensure_thread()
        return job.future

    def _ensure_thread(self) -> None:  # with self._lock held
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
            self._thread.start()

    def run(self, engine: Engine, item: T) -> R:
        """Store ``item`` with whatever else is queued; returns once it is committed."""
        return self.submit(engine, item).result()

    def _serve(self) -> None:
        try:
            self._serve_until_idle()
        finally:
            with self._lock:  # ended by an error nothing caught: queued units get a new thread
                if self._thread is threading.current_thread():
                    self._thread = None
                    if not self._queue.empty():
                        self._ensure_thread()

    def _serve_until_idle(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:  # a unit queued from now on starts a new thread
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)
            del batch, first  # hold no engine while idle

    def _commit(self, batch: list[_Job[T, R]]) -> None:
        engine = batch[0].engine
        outcomes: list[tuple[bool, Any]] = []
        try:
            with engine.connect() as conn:
                db = DriverConnection(conn)
                if conn.dialect.name == "sqlite":
                    conn.execution_options(**{IMMEDIATE: True})
                with write_turn(engine), conn.begin():
                    outcomes = self._all(db, batch)
        except BaseException as exc:  # the commit (or the lock) failed: nothing was stored
            for job in batch:
                job.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for job, (ok, value) in zip(batch, outcomes, strict=True):
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)

    def _all(self, db: DriverConnection, batch: list[_Job[T, R]]) -> list[tuple[bool, Any]]:
        """The whole batch in one go; if that fails, unit by unit, each in its savepoint."""
        if len(batch) == 1:  # its failure rolls the transaction back: no savepoint needed
            return [(True, self._check(self._work(db, [batch[0].item]), 1)[0])]
        failed = self._in_savepoint(db, [job.item for job in batch])
        if not isinstance(failed, BaseException):
            return [(True, value) for value in failed]
        outcomes: list[tuple[bool, Any]] = []
        for job in batch:
            one = self._in_savepoint(db, [job.item])
            outcomes.append((False, one) if isinstance(one, BaseException) else (True, one[0]))
        return outcomes

    def _in_savepoint(self, db: DriverConnection, items: list[T]) -> list[R] | Exception:
        db.exec_driver_sql("SAVEPOINT units", ())
        try:
            values = self._work(db, items)
        except Exception as exc:
            if getattr(exc, "connection_invalidated", False):
                raise  # the transaction is gone: the whole batch fails
            db.exec_driver_sql("ROLLBACK TO SAVEPOINT units", ())
            db.exec_driver_sql("RELEASE SAVEPOINT units", ())
            return exc
        db.exec_driver_sql("RELEASE SAVEPOINT units", ())
        return self._check(values, len(items))

    def _check(self, values: list[R], units: int) -> list[R]:
        if len(values) != units:
            raise RuntimeError(f"{self._name}: {len(values)} results for {units} units")
        return values


class _Writers(dict[str, GroupCommit[Any, Any]]):
    """A pool's writers by name (a dict subclass, so the weak-keyed map can hold it)."""


_BY_POOL: weakref.WeakKeyDictionary[Any, _Writers] = weakref.WeakKeyDictionary()
_BY_POOL_LOCK = threading.Lock()


def group_commit(engine: Engine, work: Work[T, R], name: str) -> GroupCommit[T, R]:
    """The writer for ``work`` on ``engine``'s pool (one per pool and name)."""
    key = engine.pool
    writers = _BY_POOL.get(key)
    if writers is None or name not in writers:
        with _BY_POOL_LOCK:
            writers = _BY_POOL.get(key)
            if writers is None:
                writers = _BY_POOL[key] = _Writers()
            if name not in writers:
                writers[name] = GroupCommit(work, name)
    return writers[name]
