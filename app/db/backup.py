"""Online backups and restores: SQLite's backup API, or pg_dump / pg_restore for PostgreSQL.

A backup is written to a temporary name and renamed at the end, so an interrupted backup never
leaves a file that looks complete. A restore first checks that the file is a Tianping backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from app.db.engine import is_sqlite, normalise_url, sqlite_path
from app.errors import DatabaseError

Progress = Callable[[int, int], None]

PG_DUMP_MAGIC = b"PGDMP"


def backup(url: str, target: Path, progress: Progress | None = None) -> Path:
    url = normalise_url(url)
    target = target.resolve()
    if target.exists():
        raise DatabaseError(f"{target} already exists; choose a new file name for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if is_sqlite(url):
            _sqlite_backup(_existing_sqlite(url), tmp, progress)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(tmp), _libpq(url)])
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def restore(url: str, source: Path, progress: Progress | None = None) -> None:
    url = normalise_url(url)
    if not source.is_file():
        raise DatabaseError(f"backup file {source} does not exist")
    head = source.read_bytes()[:16]
    if is_sqlite(url):
        if not head.startswith(b"SQLite format 3"):
            raise DatabaseError(f"{source} is not a SQLite backup (was it made from PostgreSQL?)")
        _check_is_tianping(source)
        path = sqlite_path(url)
        if path is None:
            raise DatabaseError("cannot restore into an in-memory SQLite database")
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_backup(source, path, progress)
        return
    if not head.startswith(PG_DUMP_MAGIC):
        raise DatabaseError(f"{source} is not a pg_dump backup (was it made from SQLite?)")
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq(url),
            str(source),
        ]
    )


def _existing_sqlite(url: str) -> Path:
    path = sqlite_path(url)
    if path is None or not path.is_file():
        raise DatabaseError(f"there is no SQLite database at {path}; nothing to back up")
    return path


def _sqlite_backup(source: Path, target: Path, progress: Progress | None) -> None:
    def _report(_status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)

    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=256, progress=_report)
    except sqlite3.Error as exc:
        raise DatabaseError(f"SQLite backup from {source} to {target} failed: {exc}") from None
    finally:
        dst.close()
        src.close()


def _check_is_tianping(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
    finally:
        conn.close()
    if not row or row[0] != 1:
        raise DatabaseError(f"{path} is a SQLite file but not a Tianping database backup")


def _libpq(url: str) -> str:
    """pg_dump takes a libpq URI, without SQLAlchemy's ``+psycopg`` driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(argv: list[str]) -> None:
    tool = argv[0]
    if shutil.which(tool) is None:
        raise DatabaseError(
            f"{tool} is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client)"
        )
    # A fixed tool name and our own arguments, no shell: nothing for a user to inject into.
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise DatabaseError(f"{tool} failed: {detail[-1] if detail else 'no output'}")
