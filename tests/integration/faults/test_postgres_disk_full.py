"""Issue #9 item 7 on PostgreSQL: a real full disk under the server, not a simulated error.

The shared server's disk cannot be filled, so the private cluster (``pg_cluster.py``) gets a
small tmpfs mounted for the test, owned by the server's OS user, as a TABLESPACE, and a
database whose default tablespace it is: its tables, indexes and catalogs live on the small
disk while the WAL stays in the data directory, so the server itself keeps running when the
tablespace is full. A filler file then takes every free byte.

The scenario is the SQLite one of ``test_disk_full.py``: submissions are refused with 503
``storage_full`` (never a 500), an acknowledged one still replays, a registry import through the
API fails as a job and ``tianping registry import`` exits 1 with one ``error:`` line; nothing
partial is left, and once the filler is deleted the same tokens and files go through.

A page with room left takes a row without new disk space, so a few submissions may still be
acknowledged on the full disk (at most ``ROOM_FOR``); the first one needing a new page is
refused, and so is every one after it. PostgreSQL reports the full disk as SQLSTATE 53100 in
every path seen here (a table or its free-space map growing, ``COPY``); the registry's ``COPY``
raises it straight from the driver, unwrapped by SQLAlchemy, which ``app.db.outage`` classifies
too (``test_outage_classification.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.db.engine import make_engine
from app.db.migrate import upgrade
from tests.integration.faults.pg_cluster import PgCluster
from tests.integration.faults.test_disk_full import (
    _fill,
    _imports_refused_part_way,
    _recovers,
    _refusals_hold,
    _staged,
    _submit,
    _tiny_fs,
    _world,
)

pytestmark = pytest.mark.slow

DATABASE = "disk_full"
TABLESPACE = "tiny"
ROOM_FOR = 4  # submissions that may still fit into pages with room left


@contextmanager
def _database_on(cluster: PgCluster, fs: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated database whose default tablespace is ``fs``; dropped with it afterwards."""
    if cluster.run_as is not None:
        shutil.chown(fs, user=cluster.run_as, group=cluster.run_as)
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    engine: Engine | None = None
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE TABLESPACE {TABLESPACE} LOCATION '{fs}'"))
            conn.execute(text(f"CREATE DATABASE {DATABASE} TABLESPACE {TABLESPACE}"))
        url = cluster.url(DATABASE)
        engine = make_engine(url)
        upgrade(engine)
        yield url, engine
    finally:
        if engine is not None:
            engine.dispose()
        # Before the unmount: the server's files there would keep the filesystem busy.
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
            conn.execute(text(f"DROP TABLESPACE IF EXISTS {TABLESPACE}"))
        admin.dispose()


def test_full_postgresql_tablespace_refuses_clearly_keeps_what_was_acknowledged_and_recovers(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    # Inside the cluster's directory: the server's OS user can reach it, unlike tmp_path.
    with (
        _tiny_fs(pg_cluster.base / "fs", size="24m") as fs,
        _database_on(pg_cluster, fs) as (url, engine),
        _world(engine, tmp_path) as (client, tokens, api_token),
    ):
        stage, acked = _staged(
            client, engine, url, tmp_path, tokens, api_token, page_token=tokens[-1]
        )
        filler = _fill(fs)

        # Rows still fit into pages with room left; the first submission needing a new page
        # is refused, and so is every one after it.
        assert len(tokens) > 6 + ROOM_FOR
        for i in range(3, 4 + ROOM_FOR):
            response = _submit(client, tokens[i], f"k{i}")
            if response.status_code != 201:
                break
            acked.append(response)
        else:
            pytest.fail(f"the full disk took {ROOM_FOR + 1} more submissions")
        refused = {i: response, **{j: _submit(client, tokens[j], f"k{j}") for j in (i + 1, i + 2)}}
        _refusals_hold(stage, refused, acked)
        # Staged for real: the server itself met the full disk.
        assert "No space left on device" in pg_cluster.log_tail(200)

        # Nearly full: the import's COPY runs out of space part-way; then space is back.
        _imports_refused_part_way(stage, filler)
        _recovers(stage, filler, refused, acked)
