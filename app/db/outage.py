"""Telling "the database cannot take this right now" apart from a bug.

A lost connection, a restarted or read-only server, a full disk or a lock held past the busy
timeout are not the caller's fault and not a bug: the request should fail with a clear
"try again later" (HTTP 503) and nothing half-saved, and the next request should work once the
database is back, without anybody restarting the app. :func:`watch_for_outages` makes the
engine drop its pooled connections after such an error (a connection opened while the
database was read-only stays read-only); :func:`unavailable_as_domain_error` turns the error
into :class:`~app.errors.DatabaseUnavailableError` for the layers above.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from app.errors import DatabaseUnavailableError, StorageFullError

# PostgreSQL SQLSTATE classes: connection exception, insufficient resources (disk full, out of
# memory, too many connections), operator intervention (shutdown, restart, not yet accepting).
_PG_UNAVAILABLE_PREFIXES = ("08", "53", "57P")
_PG_READ_ONLY = "25006"
_PG_DISK_FULL = "53100"
_SQLITE_UNAVAILABLE = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_BUSY", "SQLITE_LOCKED")
_SQLITE_REOPEN = ("SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN")
# Paths that hand rows to the driver themselves (the registry's COPY) get its errors unwrapped.
_DRIVER_ERRORS = (sqlite3.Error, psycopg.Error)


def _sqlite_name(orig: BaseException) -> str:
    return getattr(orig, "sqlite_errorname", "") if isinstance(orig, sqlite3.Error) else ""


def _pg_state(orig: BaseException) -> str | None:
    state = getattr(orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def _driver_error(exc: BaseException) -> BaseException | None:
    if isinstance(exc, DBAPIError):
        return exc.orig
    return exc if isinstance(exc, _DRIVER_ERRORS) else None


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that say the database is down, read-only, full or too busy."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = _driver_error(exc)
    if orig is None:
        return False
    name = _sqlite_name(orig)
    if name:
        return name.startswith(_SQLITE_UNAVAILABLE + _SQLITE_REOPEN)
    state = _pg_state(orig)
    if state is None:
        # psycopg reports a refused or broken connection without a SQLSTATE.
        return type(orig).__name__ == "OperationalError"
    return state == _PG_READ_ONLY or state.startswith(_PG_UNAVAILABLE_PREFIXES)


def is_storage_full(exc: BaseException) -> bool:
    """True when the database refused a write because its disk (or quota) is full."""
    orig = _driver_error(exc)
    if orig is None:
        return False
    return _sqlite_name(orig) == "SQLITE_FULL" or _pg_state(orig) == _PG_DISK_FULL


def outage_error(exc: BaseException) -> DatabaseUnavailableError:
    """The domain error for an outage: a full disk says so, as waiting alone will not fix it."""
    return StorageFullError() if is_storage_full(exc) else DatabaseUnavailableError()


def needs_new_connection(orig: BaseException) -> bool:
    name = _sqlite_name(orig)
    if name:
        return name.startswith(_SQLITE_REOPEN)
    return _pg_state(orig) == _PG_READ_ONLY


def watch_for_outages(engine: Engine) -> None:
    """Recycle the pool after errors that a fresh connection may not have."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        orig = context.original_exception
        if orig is not None and needs_new_connection(orig):
            context.is_disconnect = True


@contextmanager
def unavailable_as_domain_error() -> Iterator[None]:
    """Re-raise database outages as :class:`DatabaseUnavailableError`; other errors as they are."""
    try:
        yield
    except (DBAPIError, *_DRIVER_ERRORS) as exc:
        if is_unavailable(exc):
            raise outage_error(exc) from exc
        raise
