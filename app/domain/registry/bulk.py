"""Fast inserts of service cases: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The ORM would build a million Python objects and send a million statements; these paths send
rows straight to the driver inside the caller's transaction. Rows arrive already encoded by
:class:`app.domain.registry.encode.CaseEncoder` (strings, ints, bools), holding exactly the
values the ORM would store, so writing is no more than handing them to the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

CASE_COLUMNS: tuple[str, ...] = (
    "registry_id", "round_id", "enterprise_id", "case_id", "stratum", "attributes",
    "phone_enc", "email_enc", "contact_hash", "opened_at", "first_response_at",
    "resolved_at", "complaint", "complaint_class", "outcome", "assessed_at", "followed_up_at",
    "closed_at", "extended", "category",
)  # fmt: skip

CaseTuple = tuple[Any, ...]

# SQLite's default page cache (2 MiB) makes inserts into the (round, case id) unique index a
# disk round trip once the table outgrows it, case ids arriving in no particular order;
# 256 MiB keeps a 1M-case import's indexes in memory. Set for the import's connection only
# and restored afterwards.
SQLITE_IMPORT_CACHE_KIB = 256 * 1024

_COLUMN_LIST = ", ".join(CASE_COLUMNS)
_SQLITE_INSERT = (
    f"INSERT INTO service_case ({_COLUMN_LIST}) "  # noqa: S608 (fixed column names)
    f"VALUES ({', '.join('?' for _ in CASE_COLUMNS)})"
)
_COPY = f"COPY service_case ({_COLUMN_LIST}) FROM STDIN"


class CaseWriter:
    """Writes encoded tuples ordered as :data:`CASE_COLUMNS` through one connection's
    transaction.

    Use as a context manager (or call :meth:`close`) so connection settings are restored.
    """

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        assert raw is not None, "a live DBAPI connection is needed for bulk inserts"
        self._raw: Any = raw
        self._cache_before: int | None = None
        if self._sqlite:
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
        if self._sqlite:
            cursor = self._raw.cursor()
            try:
                cursor.executemany(_SQLITE_INSERT, rows)
            finally:
                cursor.close()
            return
        with self._raw.cursor() as cursor, cursor.copy(_COPY) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
