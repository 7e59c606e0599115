"""A digest of every table's rows, to prove a refused request changed nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import app.db.models  # noqa: F401  (registers every table on the metadata)

# Logging in writes a session row and the session's last-seen time moves with requests; both
# are covered by the session tests, not by "a refused request writes nothing".
VOLATILE_TABLES = frozenset({"web_session"})


def table_digests(engine: Engine) -> dict[str, str]:
    digests = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            h = hashlib.sha256()
            for row in conn.execute(select(table).order_by(*order)):
                h.update(repr(tuple(row)).encode())
            digests[table.name] = h.hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
