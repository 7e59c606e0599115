"""Turns for SQLite writers: threads of one process, then processes of one database.

SQLite admits one writer at a time. Left to itself, a writer that finds the lock taken sleeps
in SQLite's busy handler and polls (after 1, 2, 5, 10 … 100 ms), so under load some requests
wait many times longer than the write they wait for, and with several server processes the
cores idle while writers sleep: two workers served no more submissions than one.

Writers therefore queue before they ask SQLite for its lock, in two steps:

* threads of one process take a re-entrant lock per connection pool (not first come, first
  served: handing the lock to the longest waiter measured slower, each hand-over waiting for
  that thread to get the interpreter);
* the thread holding it then takes an exclusive ``flock`` on a file beside the database
  (``<database>-writer.lock``). The kernel hands a released ``flock`` to a waiting process at
  once, so another process's writer starts as soon as the previous write commits.

Both waits are bounded by the busy timeout and end in :class:`DatabaseUnavailableError`, as
SQLite's own busy timeout would: a long write (a registry import) must not pile requests up
behind it and exhaust the server's threads. A blocking ``flock`` cannot time out, so when the
file is taken the wait happens in a helper thread per file, and a waiter that gives up leaves
the helper to release the lock the moment it gets it.

This is ordering, not correctness: SQLite's lock still guards every write, so a writer that
cannot open the lock file (a read-only or full disk) simply goes straight to SQLite's lock,
which reports those conditions itself; processes that bypass these turns (migrations, another
program) still meet writers there.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.errors import DatabaseUnavailableError

BUSY_MESSAGE = "the database is busy with a long write; nothing was saved. Please try again."
LOCK_SUFFIX = "-writer.lock"


class FileTurn:
    """An exclusive ``flock`` on one file, taken with a timeout; see the module docstring.

    Callers must already be serialised within the process (the process turn): the lock
    belongs to the open file, which all threads of the process share.
    """

    #: The helper thread ends after this long without a waiter (a new one starts as needed).
    helper_idle_seconds = 5.0

    def __init__(self, fd: int) -> None:
        self._fd = fd
        weakref.finalize(self, os.close, fd)  # the helper holds us only while it runs
        # Plain locks as signals (a Condition costs several times more per hand-over, and
        # every contended write pays it): "wake" is released to send the helper to the file,
        # "granted" by the helper once it holds it. Both start taken.
        self._guard = threading.Lock()
        self._wake = threading.Lock()
        self._wake.acquire()
        self._granted = threading.Lock()
        self._granted.acquire()
        # free → wanted (the helper blocks in flock) → mine → free
        self._state = "free"
        self._abandoned = False
        self._helper: threading.Thread | None = None

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if self._state == "free":
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    self._state = "wanted"
                    if self._helper is None:
                        self._helper = threading.Thread(
                            target=self._wait_for_file, name="sqlite-writer-turn", daemon=True
                        )
                        self._helper.start()
                    self._wake.release()
                else:
                    self._state = "mine"
                    return True
            # "wanted": ours, or one an earlier waiter gave up on, which we now take over
            self._abandoned = False
        granted = self._granted.acquire(timeout=timeout)
        with self._guard:
            if granted or self._granted.acquire(blocking=False):  # or just as time ran out
                self._state = "mine"
                return True
            self._abandoned = True
            return False

    def release(self) -> None:
        with self._guard:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._state = "free"

    def _wait_for_file(self) -> None:
        while True:
            if not self._wake.acquire(timeout=self.helper_idle_seconds):
                with self._guard:
                    if self._state != "wanted":  # else a wake-up is already on its way
                        self._helper = None
                        return
                continue
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # the kernel wakes us when it is released
            with self._guard:
                if self._abandoned:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                    self._abandoned = False
                    self._state = "free"
                else:
                    self._granted.release()


class _Turns:
    """One connection pool's turns: the process turn, and the file turn once it is opened."""

    def __init__(self, database: str | None) -> None:
        self.process = threading.RLock()
        self.database = database
        self.file: FileTurn | None = None
        self.opened = not database or database == ":memory:"
        self.holder: int | None = None  # thread holding the file turn (re-entered turns skip it)

    def file_turn(self) -> FileTurn | None:
        if not self.opened:  # only ever called with the process turn held
            self.opened = True
            try:
                fd = os.open(
                    f"{self.database}{LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
                )
            except OSError:
                pass  # read-only or full: SQLite's lock alone, which reports those itself
            else:
                self.file = FileTurn(fd)
        return self.file


_GUARD = threading.Lock()
# Per connection pool: an engine and its execution_options() copies share one. Engines on the
# same file in one process get separate handles on the lock file, which exclude each other too.
_TURNS: weakref.WeakKeyDictionary[Any, _Turns] = weakref.WeakKeyDictionary()


@contextmanager
def sqlite_write_turn(pool: Any, database: str | None, timeout: float) -> Iterator[None]:
    """Wait for this thread's turn to write through ``pool`` to the SQLite file ``database``
    (None, empty or ``:memory:``: in memory, where the process turn is all there is)."""
    turns = _TURNS.get(pool)  # every write asks: no lock on the way when the entry exists
    if turns is None:
        with _GUARD:
            turns = _TURNS.get(pool)
            if turns is None:
                turns = _TURNS[pool] = _Turns(database)
    if not turns.process.acquire(timeout=timeout):
        raise DatabaseUnavailableError(BUSY_MESSAGE)
    try:
        me = threading.get_ident()
        if turns.holder == me:  # re-entered: the outer turn holds the file already
            yield
            return
        file_turn = turns.file_turn()
        if file_turn is not None and not file_turn.acquire(timeout):
            raise DatabaseUnavailableError(BUSY_MESSAGE)
        turns.holder = me
        try:
            yield
        finally:
            turns.holder = None
            if file_turn is not None:
                file_turn.release()
    finally:
        turns.process.release()
