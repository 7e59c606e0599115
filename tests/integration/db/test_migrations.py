"""Migrations build the schema from empty on every engine, and agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

import app.db.models  # noqa: F401
from app.db.base import metadata
from app.db.engine import make_engine, write_session
from app.db.migrate import current_revision, ensure_current, head_revision, upgrade
from app.db.models import EvaluationBody, QuestionnaireVersion
from app.errors import DatabaseError


def test_upgrade_from_empty_builds_every_table(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        with pytest.raises(DatabaseError, match="run `tianping db upgrade`"):
            ensure_current(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        ensure_current(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
    finally:
        engine.dispose()


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_newer_schema_than_code_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('ffffffffffff')"))
    with pytest.raises(DatabaseError, match="newer release"):
        ensure_current(engine)


def _published_version(engine: Engine) -> int:
    with write_session(engine) as session:
        body = EvaluationBody(code="B1", name="Body")
        session.add(body)
        session.flush()
        assert body.id is not None
        q = QuestionnaireVersion(
            body_id=body.id, code="q", version=1, status="published", content={}, sha256="0" * 64
        )
        session.add(q)
        session.flush()
        assert q.id is not None
        return q.id


def test_published_questionnaire_cannot_be_updated(engine: Engine) -> None:
    qid = _published_version(engine)
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as conn:
        conn.execute(text("UPDATE questionnaire_version SET code = 'x' WHERE id = :i"), {"i": qid})
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as conn:
        conn.execute(text("DELETE FROM questionnaire_version WHERE id = :i"), {"i": qid})


def test_draft_questionnaire_can_be_edited(engine: Engine) -> None:
    with write_session(engine) as session:
        body = EvaluationBody(code="B1", name="Body")
        session.add(body)
        session.flush()
        assert body.id is not None
        session.add(
            QuestionnaireVersion(body_id=body.id, code="q", version=1, content={}, sha256="0" * 64)
        )
    with engine.begin() as conn:
        changed = conn.execute(text("UPDATE questionnaire_version SET code = 'q2'")).rowcount
    assert changed == 1


def test_audit_log_is_append_only(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entry (seq, at, actor, action, object_type, object_id, reason,"
                " details, prev_hash, entry_hash) VALUES (1, CURRENT_TIMESTAMP, 'a', 'b', 'c', 'd',"
                " '', '{}', :p, :h)"
            ),
            {"p": "0" * 64, "h": "1" * 64},
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry"))
