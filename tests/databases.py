"""Fresh, migrated databases for tests, on SQLite and (when reachable) PostgreSQL.

Each test gets its own database: a copy of a migrated SQLite template file, or a PostgreSQL
database cloned from a migrated template with ``CREATE DATABASE … TEMPLATE``. So no test sees
another's rows, and the suite passes in any order.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.db.engine import make_engine
from app.db.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server to test against, or None when none is configured or answering."""
    url = os.environ.get("TIANPING_TEST_POSTGRES_URL")
    candidate = url or DEFAULT_POSTGRES_URL
    candidate = candidate.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(
        candidate, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        if url:
            raise  # explicitly configured but unreachable: a failure, not a skip
        return None
    finally:
        engine.dispose()
    return candidate


class SqliteFactory:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.sqlite3"
        engine = make_engine(f"sqlite:///{self.template}")
        upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    def empty_url(self) -> str:
        return f"sqlite:///{self.workdir / f'empty-{uuid.uuid4().hex}.sqlite3'}"

    def url(self) -> str:
        target = self.workdir / f"t-{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        pass


class PostgresFactory:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"tp_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_template"
        self._create(self.template)
        engine = make_engine(self._url_for(self.template))
        upgrade(engine)
        engine.dispose()

    def _url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))

    def empty_url(self) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        self._create(name)
        return self._url_for(name)

    def url(self) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        self._create(name, self.template)
        return self._url_for(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()
