"""The audit log's hash chain detects alteration and gaps, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.db.engine import read_session, write_session
from app.domain.audit.chain import AuditError, append, verify_chain


def _write(engine: Engine, n: int) -> None:
    for i in range(n):
        with write_session(engine) as session:
            append(
                session,
                actor="assessor:1",
                action="round.create",
                object_type="round",
                object_id=i,
                details={"code": f"R{i}", "nested": {"k": "值"}},
            )


def test_chain_of_appends_verifies(engine: Engine) -> None:
    _write(engine, 5)
    with read_session(engine) as session:
        verdict = verify_chain(session)
    assert verdict.ok
    assert verdict.checked == 5


def _bypass_guards(engine: Engine, statement: str) -> None:
    """Tamper as an attacker with table-owner rights would: drop the guard trigger first."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_entry_no_update"))
            conn.execute(text("DROP TRIGGER audit_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))
        conn.execute(text(statement))


def test_altered_entry_is_named(engine: Engine) -> None:
    _write(engine, 4)
    _bypass_guards(engine, "UPDATE audit_entry SET reason = 'nothing to see' WHERE seq = 3")
    with read_session(engine) as session:
        verdict = verify_chain(session)
    assert not verdict.ok
    assert verdict.first_bad_seq == 3
    assert "altered" in verdict.problem


def test_missing_entry_is_named(engine: Engine) -> None:
    _write(engine, 4)
    _bypass_guards(engine, "DELETE FROM audit_entry WHERE seq = 2")
    with read_session(engine) as session:
        verdict = verify_chain(session)
    assert not verdict.ok
    assert verdict.first_bad_seq == 2
    assert "missing" in verdict.problem


def test_personal_data_is_refused(engine: Engine) -> None:
    with pytest.raises(AuditError, match="personal data"), write_session(engine) as session:
        append(
            session,
            actor="a",
            action="x",
            object_type="case",
            object_id=1,
            details={"case": {"phone": "13812345678"}},
        )
