"""Engine creation for SQLite (embedded default) and PostgreSQL (production).

SQLite gets WAL, a busy timeout and enforced foreign keys on every connection. Its driver's
own transaction handling is switched off so that we emit ``BEGIN`` ourselves: write sessions
ask for ``BEGIN IMMEDIATE`` (take the write lock up front, so two writers queue on the busy
timeout instead of failing with "database is locked" when a read transaction upgrades), after
waiting for their turn among this process's threads and the other processes
(:mod:`app.db.write_turns`).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

from app.db.outage import watch_for_outages
from app.db.write_turns import sqlite_write_turn
from app.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT_MS = 10_000
IMMEDIATE = "tianping_immediate"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and pin them to psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            f"database URL {url!r} is not a URL; use sqlite:///path/to/file.sqlite3 or "
            "postgresql://user@host:5432/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigurationError(
            f"database {backend!r} is not supported; use SQLite or PostgreSQL (psycopg 3)"
        )
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, see module docstring
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            _ensure_writable_dir(path.parent)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
    else:
        engine = create_engine(
            url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size
        )
    watch_for_outages(engine)
    return engine


def _ensure_writable_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the data directory {directory}: {exc.strerror}; choose another "
            "with TIANPING_DATA_DIR or fix its permissions"
        ) from None
    # A private probe name: workers starting together in one data folder must not remove
    # each other's probe (a shared name made a healthy folder look read-only).
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".tianping-write-test-"):
            pass
    except OSError as exc:
        raise ConfigurationError(
            f"the data directory {directory} is not writable ({exc.strerror}); choose another "
            "with TIANPING_DATA_DIR or fix its permissions"
        ) from None


def write_turn(engine: Engine) -> Any:
    """Queue SQLite writers (threads, then processes) before they ask SQLite for its lock.

    SQLite's busy handler makes waiting writers sleep and poll, so under load some requests
    would wait far longer than others; see :mod:`app.db.write_turns`. PostgreSQL has row
    locks: no turn is needed.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    return sqlite_write_turn(engine.pool, engine.url.database, SQLITE_BUSY_TIMEOUT_MS / 1000)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction takes the write lock at BEGIN (SQLite); commits on success."""
    bound = (
        engine.execution_options(**{IMMEDIATE: True}) if engine.dialect.name == "sqlite" else engine
    )
    with write_turn(engine), Session(bound, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
