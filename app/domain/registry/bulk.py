"""Fast inserts of service cases: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The ORM would build a million Python objects and send a million statements; these paths send
rows straight to the driver inside the caller's transaction, using the column types' own bind
processors so values are stored exactly as the ORM would store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from app.db.models.registry import ServiceCase

CASE_COLUMNS: tuple[str, ...] = (
    "registry_id", "round_id", "enterprise_id", "case_id", "stratum", "attributes",
    "phone_enc", "email_enc", "contact_hash", "opened_at", "first_response_at",
    "resolved_at", "complaint", "complaint_class", "outcome",
)  # fmt: skip

CaseTuple = tuple[Any, ...]


# SQLite's default page cache (2 MiB) makes every insert into the random-keyed contact-hash
# index a disk round trip once the table outgrows it; 256 MiB keeps a 1M-case import's
# indexes in memory. Set for the import's connection only and restored afterwards.
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
_MEMO_LIMIT = 200_000


class CaseWriter:
    """Writes tuples ordered as :data:`CASE_COLUMNS` through one connection's transaction.

    Use as a context manager (or call :meth:`close`) so connection settings are restored.
    """

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._dialect = connection.dialect
        raw = connection.connection.driver_connection
        assert raw is not None, "a live DBAPI connection is needed for bulk inserts"
        self._raw: Any = raw
        table = ServiceCase.__table__  # type: ignore[attr-defined]
        self._processors: list[Callable[[Any], Any] | None] = [
            table.c[name].type.bind_processor(self._dialect) for name in CASE_COLUMNS
        ]
        # Values repeat a lot (timestamps to the minute, a handful of stratum attribute
        # sets), so each column's processed values are memoised.
        self._memo: list[dict[Any, Any]] = [{} for _ in CASE_COLUMNS]
        self._json: dict[tuple[tuple[str, Any], ...], str] = {}
        self._cache_before: int | None = None
        if self._dialect.name == "sqlite":
            cursor = self._raw.cursor()
            try:
                self._cache_before = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
            finally:
                cursor.close()

    def __enter__(self) -> CaseWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._cache_before is not None:
            cursor = self._raw.cursor()
            try:
                cursor.execute(f"PRAGMA cache_size = {self._cache_before}")
            finally:
                cursor.close()
            self._cache_before = None

    def write(self, rows: Sequence[CaseTuple]) -> None:
        if not rows:
            return
        if self._dialect.name == "sqlite":
            self._write_sqlite(rows)
        else:
            self._write_postgres(rows)

    def _processed_columns(self, rows: Sequence[CaseTuple]) -> list[Sequence[Any]]:
        """Column-wise bind processing (SQLite): one pass per column that needs it, memoised."""
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        attributes = CASE_COLUMNS.index("attributes")
        for c, proc in enumerate(self._processors):
            if proc is None:
                continue
            if c == attributes:
                columns[c] = [None if v is None else self._attributes(v, proc) for v in columns[c]]
                continue
            memo = self._memo[c]
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            out: list[Any] = []
            for v in columns[c]:
                if v is None:
                    out.append(None)
                    continue
                done = memo.get(v)
                if done is None:
                    done = proc(v)
                    if isinstance(done, datetime):
                        # What sqlite3's default datetime adapter would send, done once.
                        done = done.isoformat(" ")
                    memo[v] = done
                out.append(done)
            columns[c] = out
        return columns

    def _attributes(self, value: dict[str, Any], proc: Callable[[Any], Any]) -> Any:
        key = tuple(value.items())
        done = self._json.get(key)
        if done is None:
            done = self._json[key] = proc(value)
        return done

    def _write_sqlite(self, rows: Sequence[CaseTuple]) -> None:
        prepared = list(zip(*self._processed_columns(rows), strict=True))
        placeholders = ", ".join("?" for _ in CASE_COLUMNS)
        cursor = self._raw.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO service_case ({', '.join(CASE_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608 (fixed column names)
                prepared,
            )
        finally:
            cursor.close()

    def _write_postgres(self, rows: Sequence[CaseTuple]) -> None:
        attributes = CASE_COLUMNS.index("attributes")
        memo: dict[tuple[tuple[str, Any], ...], str] = self._json
        with self._raw.cursor() as cursor:
            statement = f"COPY service_case ({', '.join(CASE_COLUMNS)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    values = list(row)
                    attrs = values[attributes]
                    key = tuple(attrs.items())
                    text = memo.get(key)
                    if text is None:
                        text = memo[key] = json.dumps(attrs, ensure_ascii=False)
                    values[attributes] = text
                    copy.write_row(values)
