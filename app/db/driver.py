"""Core statements compiled once per dialect and run on the pooled DB-API cursor.

The survey submission is the platform's hottest write (hundreds a second at the close of a
fieldwork wave, one SQLite writer at a time). Through a SQLAlchemy ``Connection`` each of its
statements costs ~40 µs of Python around ~3 µs of SQLite, and most of that is spent while
holding the database's single write lock. :class:`DriverConnection` keeps what SQLAlchemy is
good at (the statements are ordinary Core constructs, compiled by SQLAlchemy for the dialect;
the values go through the columns' own type processors, so they are stored exactly as the ORM
stores them; the connection comes from and returns to the engine's pool) and drops the
per-call machinery: the SQL text, parameter order and converters are worked out once per
statement and dialect, and each call is one ``cursor.execute``.

It offers the few ``Connection`` methods the submission path uses (``execute`` returning a
result with ``first``/``scalar_one``/``scalar_one_or_none``/``rowcount``, ``exec_driver_sql``,
``dialect``), so the same code runs on either. Driver errors come out as SQLAlchemy's
``DBAPIError`` subclasses (``IntegrityError`` …) with parameters hidden, and a lost or
read-only connection is invalidated as :func:`app.db.outage.watch_for_outages` would, so the
callers' outage handling and retry work unchanged.

Transactions stay with SQLAlchemy (``with conn.begin()``: SQLite's ``BEGIN IMMEDIATE``, the
commit); reads outside one end with :meth:`DriverConnection.end_read`, because the driver,
not SQLAlchemy, opened them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from app.db.outage import needs_new_connection

_Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # positional drivers (SQLite): parameter names in order
    defaults: Mapping[str, Any]  # values bound in the statement itself
    binds: tuple[tuple[str, _Processor], ...]  # only the parameters that need converting
    results: tuple[_Processor | None, ...] | None  # one per result column; None: no converting

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        merged = {**self.defaults, **values} if self.defaults else dict(values)
        for name, process in self.binds:
            value = merged.get(name)
            if value is not None:
                merged[name] = process(value)
        if self.order is None:
            return merged
        return tuple(merged.get(name) for name in self.order)

    def convert(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return _convert_row(row, self.results)


def _convert_row(
    row: Sequence[Any], processors: Sequence[_Processor | None] | None
) -> tuple[Any, ...]:
    """One result row as Python values (``processors``: one per column, or None for none)."""
    if processors is None:
        return tuple(row)
    return tuple(
        value if process is None or value is None else process(value)
        for value, process in zip(row, processors, strict=True)
    )


_COMPILED: dict[tuple[int, str, frozenset[str]], tuple[ClauseElement, _Compiled]] = {}
_COMPILED_LOCK = Lock()


def _compile(stmt: ClauseElement, dialect: Dialect, keys: frozenset[str]) -> _Compiled:
    compiled = stmt.compile(dialect=dialect, column_keys=sorted(keys))
    assert isinstance(compiled, SQLCompiler)  # statements, not DDL
    positional = compiled.positional and compiled.positiontup is not None
    binds: list[tuple[str, _Processor]] = []
    defaults: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        if getattr(stmt, "is_insert", False) and name not in keys:
            # A column default would need SQLAlchemy's execution context to run it.
            table = getattr(stmt, "table", stmt)
            raise ValueError(f"INSERT into {table}: give {name!r} a value; defaults are not run")
        if not bind.required:
            defaults[name] = bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((name, process))
    columns = getattr(stmt, "exported_columns", None)
    results: tuple[_Processor | None, ...] | None = None
    if columns is not None and len(columns):
        found = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        results = found if any(p is not None for p in found) else None
    return _Compiled(
        sql=compiled.string,
        order=tuple(compiled.positiontup or ()) if positional else None,
        defaults=defaults,
        binds=tuple(binds),
        results=results,
    )


def compiled_for(
    stmt: ClauseElement, dialect: Dialect, keys: frozenset[str] = frozenset()
) -> _Compiled:
    """The statement's SQL and converters for ``dialect`` (an INSERT's columns: ``keys``)."""
    # Statements are module-level constants; keeping them in the value keeps their ids unique.
    cache_key = (id(stmt), dialect.name, keys)
    hit = _COMPILED.get(cache_key)
    if hit is not None and hit[0] is stmt:
        return hit[1]
    compiled = _compile(stmt, dialect, keys)
    with _COMPILED_LOCK:
        _COMPILED[cache_key] = (stmt, compiled)
    return compiled


# Bound parameters per statement: SQLite allows 32,766, psycopg 65,535.
MAX_PARAMETERS = 30_000


@lru_cache(maxsize=256)
def _bind_processor(column: Column[Any], dialect: Dialect) -> Any:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


@lru_cache(maxsize=256)
def _result_processor(column: Column[Any], dialect: Dialect) -> Any:
    return column.type.dialect_impl(dialect).result_processor(dialect, None)


@lru_cache(maxsize=256)
def _insert_sql(
    table: str, columns: tuple[str, ...], rows: int, returning: tuple[str, ...], marker: str
) -> str:
    one = "(" + ", ".join([marker] * len(columns)) + ")"
    # Names come from Table objects (insert_rows looks every column up first), never from input.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}"  # noqa: S608
    return sql + (f" RETURNING {', '.join(returning)}" if returning else "")


class DriverResult:
    """The rows of one statement, converted to Python values as SQLAlchemy would."""

    __slots__ = ("_compiled", "_rows", "rowcount")

    def __init__(self, compiled: _Compiled, rows: list[Any], rowcount: int) -> None:
        self._compiled = compiled
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> tuple[Any, ...] | None:
        return self._compiled.convert(self._rows[0]) if self._rows else None

    def scalar_one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise ValueError("expected at most one row")
        row = self.first()
        return row[0] if row is not None else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise ValueError(f"expected exactly one row, got {len(self._rows)}")
        row = self.first()
        assert row is not None
        return row[0]


class DriverConnection:
    """Runs compiled Core statements on ``conn``'s DB-API connection; see the module docstring."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None  # a checked-out pooled connection
        self._dbapi: Any = dbapi
        self._cursor = self._dbapi.cursor()
        self._error: type[Exception] = conn.dialect.loaded_dbapi.Error

    def execute(self, stmt: ClauseElement, params: Mapping[str, Any] | None = None) -> DriverResult:
        """Run a Core statement built once (a module-level constant: its compiled form is
        kept for good, keyed by the object)."""
        values = params or {}
        keys = frozenset(values) if getattr(stmt, "is_insert", False) else frozenset()
        compiled = compiled_for(stmt, self.dialect, keys)
        self._run(compiled.sql, compiled.parameters(values))
        cursor = self._cursor
        rows = list(cursor.fetchall()) if cursor.description is not None else []
        return DriverResult(compiled, rows, cursor.rowcount)

    def exec_driver_sql(self, sql: str, params: Sequence[Any]) -> int:
        self._run(sql, params)
        return int(self._cursor.rowcount)

    @property
    def marker(self) -> str:
        """The driver's positional parameter marker (``?`` SQLite, ``%s`` psycopg)."""
        return "?" if self.dialect.paramstyle == "qmark" else "%s"

    def fetch(
        self, sql: str, params: Sequence[Any], columns: Sequence[Column[Any] | None]
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` (written with ``?`` markers and fixed names, and no literal ``?`` or
        ``%``) and convert each result column as ``columns`` would (None: as it comes)."""
        if self.marker != "?":
            sql = sql.replace("?", self.marker)
        self._run(sql, params)
        return self._converted(self._cursor.fetchall(), columns)

    def insert_rows(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        returning: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """Multi-row INSERTs (as many rows per statement as the drivers allow), the values
        converted by the columns' types; returns the ``returning`` columns of every row."""
        binds = [_bind_processor(table.c[name], self.dialect) for name in columns]
        back = [table.c[name] for name in returning]
        per_statement = max(1, MAX_PARAMETERS // max(1, len(columns)))
        returned: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = _insert_sql(table.name, tuple(columns), len(chunk), tuple(returning), self.marker)
            flat = [
                value if process is None or value is None else process(value)
                for row in chunk
                for value, process in zip(row, binds, strict=True)
            ]
            self._run(sql, flat)
            if returning:
                returned += self._converted(self._cursor.fetchall(), back)
        return returned

    def _converted(
        self, rows: Sequence[Any], columns: Sequence[Column[Any] | None]
    ) -> list[tuple[Any, ...]]:
        found = [None if c is None else _result_processor(c, self.dialect) for c in columns]
        processors = found if any(found) else None
        return [_convert_row(row, processors) for row in rows]

    def end_read(self) -> None:
        """End the read transaction the driver may have opened (PostgreSQL; no-op on SQLite)."""
        try:
            self._dbapi.rollback()
        except self._error as exc:
            raise self._wrapped("ROLLBACK", (), exc) from exc

    def _run(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> None:
        try:
            self._cursor.execute(sql, params)
        except self._error as exc:
            raise self._wrapped(sql, params, exc) from exc

    def _wrapped(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any], exc: Exception
    ) -> DBAPIError:
        lost = needs_new_connection(exc) or self.dialect.is_disconnect(exc, self._dbapi, None)  # type: ignore[arg-type]
        if lost:
            self._conn.invalidate(exc)
        wrapped = DBAPIError.instance(
            sql,
            params,
            exc,
            self._error,
            hide_parameters=True,  # answers, token hashes: never in a message or a log
            connection_invalidated=lost,
            dialect=self.dialect,
        )
        assert isinstance(wrapped, DBAPIError)
        return wrapped
