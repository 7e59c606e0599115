"""Group commit: batches form under concurrency, a failing unit fails alone, a failed commit
fails every unit of its batch, and an idle writer thread goes away. On both engines."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from app.db import group_commit as gc_module
from app.db.driver import DriverConnection
from app.db.engine import read_session
from app.db.group_commit import GroupCommit, group_commit
from app.db.models.audit import AuditEntry
from app.domain.audit.chain import Record, append_many, verify_chain
from app.errors import DatabaseUnavailableError


class Refused(Exception):
    pass


class Recorder:
    """A work function that appends one audit entry per unit and records the batch sizes."""

    def __init__(self, *, hold: float = 0.0) -> None:
        self.batches: list[int] = []
        self.refused_batches: list[list[str]] = []
        self.hold = hold

    def __call__(self, db: DriverConnection, items: list[str]) -> list[str]:
        self.batches.append(len(items))
        if self.hold:
            time.sleep(self.hold)  # while holding the lock, so that others queue up
        if "bad" in items:
            self.refused_batches.append(list(items))
            raise Refused("unit 'bad' is refused")
        append_many(db, [Record("test", "unit", "item", item) for item in items])
        return [f"stored {item}" for item in items]


def _stored(engine: Engine) -> list[str]:
    with read_session(engine) as s:
        return list(s.scalars(select(col(AuditEntry.object_id)).order_by(col(AuditEntry.seq))))


def test_concurrent_units_are_committed_together_in_batches(engine: Engine) -> None:
    work = Recorder(hold=0.05)
    writer: GroupCommit[str, str] = GroupCommit(work, "test-batches")
    items = [f"u{i}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda item: writer.run(engine, item), items))
    assert results == [f"stored {item}" for item in items]
    assert sum(work.batches) == len(items)
    assert max(work.batches) > 1  # units queued while a batch held the lock went together
    assert sorted(_stored(engine)) == sorted(items)
    with read_session(engine) as s:
        assert verify_chain(s).ok


def test_a_failing_unit_fails_alone(engine: Engine) -> None:
    work = Recorder(hold=0.05)
    writer: GroupCommit[str, str] = GroupCommit(work, "test-failure")
    items = ["a", "b", "bad", "c", "d", "e"]
    outcomes: dict[str, object] = {}

    def submit(item: str) -> None:
        try:
            outcomes[item] = writer.run(engine, item)
        except Refused as exc:
            outcomes[item] = exc

    threads = [threading.Thread(target=submit, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # "bad" came in a batch with others, which were then stored unit by unit.
    assert any(len(batch) > 1 for batch in work.refused_batches)
    assert isinstance(outcomes.pop("bad"), Refused)
    assert outcomes == {item: f"stored {item}" for item in items if item != "bad"}
    assert sorted(_stored(engine)) == ["a", "b", "c", "d", "e"]
    with pytest.raises(Refused):  # alone in its batch: the transaction is rolled back
        writer.run(engine, "bad")
    assert sorted(_stored(engine)) == ["a", "b", "c", "d", "e"]
    with read_session(engine) as s:
        assert verify_chain(s).ok


def test_a_batch_that_cannot_commit_fails_every_unit_and_stores_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextmanager
    def no_turn(_engine: Engine) -> Iterator[None]:
        raise DatabaseUnavailableError()
        yield  # pragma: no cover

    monkeypatch.setattr(gc_module, "write_turn", no_turn)
    writer: GroupCommit[str, str] = GroupCommit(Recorder(), "test-unavailable")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(writer.run, engine, f"u{i}") for i in range(8)]
    for future in futures:
        assert isinstance(future.exception(), DatabaseUnavailableError)
    assert _stored(engine) == []


def test_the_writer_thread_ends_when_idle_and_comes_back(engine: Engine) -> None:
    writer: GroupCommit[str, str] = GroupCommit(Recorder(), "test-idle")
    writer.idle_seconds = 0.05
    assert writer.run(engine, "first") == "stored first"
    deadline = time.monotonic() + 5
    while writer._thread is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer._thread is None
    assert writer.run(engine, "second") == "stored second"
    assert _stored(engine) == ["first", "second"]


def test_one_writer_per_pool_and_name(engine: Engine) -> None:
    work = Recorder()
    assert group_commit(engine, work, "x") is group_commit(engine, work, "x")
    assert group_commit(engine, work, "x") is not group_commit(engine, work, "y")


# The writer thread ending with an exception is the scenario, not a flaw of the test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_writer_thread_killed_by_a_base_exception_is_replaced(engine: Engine) -> None:
    def work(db: DriverConnection, items: list[str]) -> list[str]:
        if "exit" in items:
            raise SystemExit("the thread ends here")
        append_many(db, [Record("test", "unit", "item", item) for item in items])
        return items

    writer: GroupCommit[str, str] = GroupCommit(work, "test-killed")
    with pytest.raises(SystemExit):
        writer.run(engine, "exit")  # its caller is told, and nothing is stored
    # A new thread serves what comes after (a timeout, not a hang, if none does).
    assert writer.submit(engine, "next").result(timeout=30) == "next"
    assert _stored(engine) == ["next"]
