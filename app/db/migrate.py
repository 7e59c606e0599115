"""Schema migrations through Alembic's API, plus the start-up check that the schema is current."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.errors import DatabaseError


def alembic_config(url: str) -> Config:
    cfg = Config()
    location = resources.files("app.db") / "migrations"
    cfg.set_main_option("script_location", str(Path(str(location))))
    cfg.attributes["url"] = url
    return cfg


def head_revisions() -> frozenset[str]:
    """The tips of the migration graph (one, unless branches await a merge revision)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = frozenset(script.get_heads())
    assert heads, "no migrations shipped"
    return heads


def head_revision() -> str:
    return ",".join(sorted(head_revisions()))


def current_revisions(engine: Engine) -> frozenset[str]:
    try:
        with engine.connect() as conn:
            return frozenset(MigrationContext.configure(conn).get_current_heads())
    except OperationalError as exc:
        raise DatabaseError(describe_connection_error(engine, exc)) from None


def current_revision(engine: Engine) -> str | None:
    current = current_revisions(engine)
    return ",".join(sorted(current)) if current else None


def upgrade(engine: Engine, revision: str = "heads") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise DatabaseError(describe_connection_error(engine, exc)) from None


def ensure_current(engine: Engine) -> None:
    """Refuse to run against an unmigrated or newer-than-code schema, saying what to do."""
    current_set = current_revisions(engine)
    if current_set == head_revisions():
        return
    current = current_revision(engine)
    head = head_revision()
    if not current_set:
        raise DatabaseError(
            f"the database at {_where(engine)} has no Tianping schema; run `tianping db upgrade`"
        )
    known = {
        rev.revision for rev in ScriptDirectory.from_config(alembic_config("")).walk_revisions()
    }
    if current not in known:
        raise DatabaseError(
            f"the database at {_where(engine)} is at revision {current}, which this version of "
            "Tianping does not know (it was migrated by a newer release); upgrade Tianping"
        )
    raise DatabaseError(
        f"the database at {_where(engine)} is at revision {current} but this release needs "
        f"{head}; run `tianping db upgrade`"
    )


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def describe_connection_error(engine: Engine, exc: OperationalError) -> str:
    first_line = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if engine.dialect.name == "sqlite":
        return f"cannot open the SQLite database {_where(engine)}: {first_line}"
    return (
        f"cannot reach the PostgreSQL database {_where(engine)}: {first_line}; check that the "
        "server is running and TIANPING_DATABASE_URL is right"
    )
