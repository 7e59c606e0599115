"""Which driver errors mean "the database cannot take this now" (503) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import psycopg.errors
import pytest
from sqlalchemy.exc import DBAPIError

from app.db.outage import is_storage_full, is_unavailable, unavailable_as_domain_error
from app.errors import DatabaseUnavailableError, StorageFullError


def _wrapped(orig: Exception) -> DBAPIError:
    wrapped = DBAPIError.instance("INSERT …", {}, orig, Exception)
    assert isinstance(wrapped, DBAPIError)  # as SQLAlchemy wraps every driver error
    return wrapped


def _real_sqlite_error(setup: list[str], statement: str) -> sqlite3.Error:
    conn = sqlite3.connect(":memory:")
    try:
        for line in setup:
            conn.execute(line)
        with pytest.raises(sqlite3.Error) as caught:
            conn.execute(statement)
        return caught.value
    finally:
        conn.close()


def test_a_full_sqlite_database_is_an_outage() -> None:
    full = _real_sqlite_error(
        ["CREATE TABLE t (x BLOB)", "PRAGMA max_page_count = 3"],
        "INSERT INTO t SELECT zeroblob(100000)",
    )
    assert "full" in str(full)
    assert is_unavailable(_wrapped(full))


def test_a_read_only_sqlite_database_is_an_outage() -> None:
    read_only = _real_sqlite_error(
        ["CREATE TABLE t (x INTEGER)", "PRAGMA query_only = ON"], "INSERT INTO t VALUES (1)"
    )
    assert is_unavailable(_wrapped(read_only))


def test_sql_mistakes_and_constraint_violations_are_not_outages() -> None:
    typo = _real_sqlite_error([], "SELEC 1")
    missing = _real_sqlite_error([], "SELECT * FROM nowhere")
    duplicate = _real_sqlite_error(
        ["CREATE TABLE t (x INTEGER UNIQUE)", "INSERT INTO t VALUES (1)"],
        "INSERT INTO t VALUES (1)",
    )
    for error in (typo, missing, duplicate):
        assert not is_unavailable(_wrapped(error)), error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (psycopg.errors.DiskFull(), True),
        (psycopg.errors.ReadOnlySqlTransaction(), True),
        (psycopg.errors.AdminShutdown(), True),
        (psycopg.errors.CannotConnectNow(), True),
        (psycopg.errors.TooManyConnections(), True),
        (psycopg.OperationalError("connection refused"), True),
        (psycopg.errors.UniqueViolation(), False),
        (psycopg.errors.UndefinedTable(), False),
        (psycopg.errors.QueryCanceled(), False),
    ],
)
def test_postgresql_errors_by_sqlstate(error: Exception, outage: bool) -> None:
    assert is_unavailable(_wrapped(error)) is outage


def test_unwrapped_driver_errors_are_classified_too() -> None:
    """The registry's COPY (and SQLite's executemany) talk to the driver directly, so a full
    disk reaches the service as the driver's own error, not wrapped by SQLAlchemy."""
    full = _real_sqlite_error(
        ["CREATE TABLE t (x BLOB)", "PRAGMA max_page_count = 3"],
        "INSERT INTO t SELECT zeroblob(100000)",
    )
    for error in (full, psycopg.errors.DiskFull()):
        assert is_unavailable(error), error
        assert is_storage_full(error), error
        with pytest.raises(StorageFullError), unavailable_as_domain_error():
            raise error
    with pytest.raises(DatabaseUnavailableError) as caught, unavailable_as_domain_error():
        raise psycopg.OperationalError("server closed the connection unexpectedly")
    assert not isinstance(caught.value, StorageFullError)
    for mistake in (psycopg.errors.UniqueViolation(), _real_sqlite_error([], "SELEC 1")):
        assert not is_unavailable(mistake), mistake
        with pytest.raises(type(mistake)), unavailable_as_domain_error():
            raise mistake
