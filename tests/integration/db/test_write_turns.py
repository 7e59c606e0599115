"""SQLite writers queue for their turn: threads of a process, then processes (app.db.write_turns).

The other "process" is a real one: a child Python holding the ``flock`` on the lock file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.db.engine import make_engine, write_session, write_turn
from app.db.write_turns import LOCK_SUFFIX, FileTurn, sqlite_write_turn
from app.errors import DatabaseUnavailableError

_HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()  # hold until the test says so (or dies: the kernel then releases it)
"""

_TRY = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("taken")
else:
    print("free")
"""


class Holder:
    """Another process holding the write turn's file lock until :meth:`release`."""

    def __init__(self, lock_file: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(lock_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("go\n")
            self.process.stdin.close()
            self.process.wait(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def other_process_sees(lock_file: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _TRY, str(lock_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER NOT NULL)"))
    yield engine
    engine.dispose()


def lock_file_of(engine: Engine) -> Path:
    return Path(f"{engine.url.database}{LOCK_SUFFIX}")


def test_a_write_holds_the_file_turn_and_gives_it_back(sqlite_engine: Engine) -> None:
    lock_file = lock_file_of(sqlite_engine)
    with write_session(sqlite_engine) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        assert other_process_sees(lock_file) == "taken"
    assert other_process_sees(lock_file) == "free"


def test_a_write_waits_for_another_process_then_goes_ahead(sqlite_engine: Engine) -> None:
    holder = Holder(lock_file_of(sqlite_engine))
    released = threading.Event()

    def release_soon() -> None:
        time.sleep(0.5)
        released.set()
        holder.release()

    threading.Thread(target=release_soon).start()
    with write_session(sqlite_engine) as session:
        assert released.is_set(), "the write went ahead while another process held the turn"
        session.execute(text("INSERT INTO t VALUES (1)"))
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 1


def test_a_wait_past_the_timeout_is_refused_cleanly_and_the_turn_recovers(
    sqlite_engine: Engine,
) -> None:
    lock_file = lock_file_of(sqlite_engine)
    holder = Holder(lock_file)
    try:
        with (
            pytest.raises(DatabaseUnavailableError, match="busy with a long write"),
            sqlite_write_turn(sqlite_engine.pool, sqlite_engine.url.database, 0.3),
        ):
            pytest.fail("the turn was granted while another process held it")
    finally:
        holder.release()
    # The abandoned wait must not keep the file: the helper releases it once it gets it.
    deadline = time.monotonic() + 10
    while other_process_sees(lock_file) != "free":
        assert time.monotonic() < deadline, "an abandoned wait kept the lock file"
        time.sleep(0.05)
    with write_session(sqlite_engine) as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [2]


def test_a_later_writer_takes_over_an_abandoned_wait(sqlite_engine: Engine) -> None:
    holder = Holder(lock_file_of(sqlite_engine))
    with (
        pytest.raises(DatabaseUnavailableError),
        sqlite_write_turn(sqlite_engine.pool, sqlite_engine.url.database, 0.2),
    ):
        pass
    released = threading.Event()

    def release() -> None:
        released.set()
        holder.release()

    threading.Timer(0.3, release).start()
    with sqlite_write_turn(sqlite_engine.pool, sqlite_engine.url.database, 10):
        assert released.is_set(), "granted before the other process let go"


def test_nested_write_sessions_in_one_thread_do_not_wait_on_themselves(
    sqlite_engine: Engine,
) -> None:
    lock_file = lock_file_of(sqlite_engine)
    with write_turn(sqlite_engine):
        with write_turn(sqlite_engine):
            assert other_process_sees(lock_file) == "taken"
        assert other_process_sees(lock_file) == "taken"  # the inner exit kept the outer's turn
    assert other_process_sees(lock_file) == "free"


def test_threads_take_turns_and_every_write_lands(sqlite_engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            for n in range(start, start + 50):
                with write_session(sqlite_engine) as session:
                    session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i * 100,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT n) FROM t")).scalar_one() == 300


def test_without_a_lock_file_writes_go_straight_to_sqlite(tmp_path: Path) -> None:
    """A lock file that cannot be created (read-only or full disk) must not block writes."""
    database = tmp_path / "db.sqlite3"
    Path(f"{database}{LOCK_SUFFIX}").mkdir()  # a directory: opening it for writing fails
    engine = make_engine(f"sqlite:///{database}")
    try:
        with write_session(engine) as session:
            session.execute(text("CREATE TABLE t (n INTEGER)"))
            session.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
    finally:
        engine.dispose()


def test_file_turn_hands_over_between_handles_in_one_process(tmp_path: Path) -> None:
    """Two open handles exclude each other like two processes (flock is per open file)."""
    path = tmp_path / "x.lock"
    first = FileTurn(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    second = FileTurn(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    assert first.acquire(1)
    assert not second.acquire(0.2)
    threading.Timer(0.2, first.release).start()
    assert second.acquire(10)
    assert not first.acquire(0.1)
    second.release()
    assert first.acquire(1)
    first.release()


def test_only_sqlite_writers_take_turns(engine: Engine) -> None:
    # PostgreSQL queues writers on row locks itself; SQLite's busy handler polls.
    assert isinstance(write_turn(engine), nullcontext) == (engine.dialect.name == "postgresql")
