"""Fast inserts of service cases: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The ORM would build a million Python objects and send a million statements; these paths send
rows straight to the driver inside the caller's transaction, using the column types' own bind
processors so values are stored exactly as the ORM would store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from app.db.models.registry import ServiceCase

CASE_COLUMNS: tuple[str, ...] = (
    "registry_id", "round_id", "enterprise_id", "case_id", "stratum", "attributes",
    "phone_enc", "email_enc", "contact_hash", "opened_at", "first_response_at",
    "resolved_at", "complaint", "complaint_class", "outcome",
)  # fmt: skip

CaseTuple = tuple[Any, ...]


class CaseWriter:
    """Writes tuples ordered as :data:`CASE_COLUMNS` through one connection's transaction."""

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

    def write(self, rows: Sequence[CaseTuple]) -> None:
        if not rows:
            return
        if self._dialect.name == "sqlite":
            self._write_sqlite(rows)
        else:
            self._write_postgres(rows)

    def _write_sqlite(self, rows: Sequence[CaseTuple]) -> None:
        procs = self._processors
        prepared = [
            tuple(
                p(v) if p is not None and v is not None else v
                for p, v in zip(procs, row, strict=True)
            )
            for row in rows
        ]
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
        with self._raw.cursor() as cursor:
            statement = f"COPY service_case ({', '.join(CASE_COLUMNS)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    values = list(row)
                    values[attributes] = json.dumps(values[attributes], ensure_ascii=False)
                    copy.write_row(values)
