"""Driver-level statements store and read values exactly as the ORM does, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.db import driver
from app.db.driver import DriverConnection
from app.db.engine import read_session, write_session
from app.db.models.audit import AuditEntry
from app.domain.audit.chain import Record, append, append_many, verify_chain

_AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
_BY_SEQ = select(col(AuditEntry.at), col(AuditEntry.details)).where(
    col(AuditEntry.seq) == bindparam("seq")
)


def test_driver_appends_continue_the_orm_chain_and_verify(engine: Engine) -> None:
    with write_session(engine) as s:
        append(s, actor="ann", action="a.one", object_type="x", object_id=1)
    with engine.connect() as conn, conn.begin():
        append_many(
            DriverConnection(conn),
            [
                Record("consumer", "a.two", "x", 2, details={"round": 7, "nested": {"k": [1, 2]}}),
                Record("consumer", "a.three", "x", 3, reason="why", details={"zh": "中文"}),
            ],
        )
    with write_session(engine) as s:
        append(s, actor="bob", action="a.four", object_type="x", object_id=4)
    with read_session(engine) as s:
        verdict = verify_chain(s)
        rows = s.scalars(select(AuditEntry).order_by(col(AuditEntry.seq))).all()
    assert verdict.ok, verdict.problem
    assert verdict.checked == 4
    assert [r.action for r in rows] == ["a.one", "a.two", "a.three", "a.four"]
    assert rows[1].details == {"round": 7, "nested": {"k": [1, 2]}}
    assert rows[2].details == {"zh": "中文"}
    assert rows[2].reason == "why"
    assert rows[1].at.tzinfo is not None
    assert rows[1].at.utcoffset() == timedelta(0)


def test_reads_convert_like_the_orm(engine: Engine) -> None:
    with write_session(engine) as s:
        append(s, actor="ann", action="a", object_type="x", object_id=1, details={"n": 1})
    with read_session(engine) as s:
        orm_row = s.execute(_BY_SEQ, {"seq": 1}).one()
    with engine.connect() as conn:
        db = DriverConnection(conn)
        row = db.execute(_BY_SEQ, {"seq": 1}).first()
        missing = db.execute(_BY_SEQ, {"seq": 99}).first()
        db.end_read()
    assert row == tuple(orm_row)
    assert isinstance(row[0], datetime)
    assert row[0].tzinfo is not None
    assert missing is None


def _audit_row(seq: int, entry_hash: str) -> dict[str, object]:
    return {
        "seq": seq,
        "at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "actor": "t",
        "action": "t",
        "object_type": "t",
        "object_id": "1",
        "reason": "",
        "details": {"secret": "do-not-print-me"},
        "prev_hash": "0" * 64,
        "entry_hash": entry_hash,
    }


def test_driver_errors_are_sqlalchemy_errors_without_parameters(engine: Engine) -> None:
    stmt = insert(AuditEntry)
    with engine.connect() as conn, conn.begin():
        DriverConnection(conn).execute(stmt, _audit_row(1, "a" * 64))
    with pytest.raises(IntegrityError) as caught, engine.connect() as conn, conn.begin():
        DriverConnection(conn).execute(stmt, _audit_row(1, "b" * 64))  # seq is UNIQUE
    assert "do-not-print-me" not in str(caught.value)
    assert not caught.value.connection_invalidated


def test_an_insert_without_a_defaulted_column_is_refused(engine: Engine) -> None:
    row = _audit_row(1, "a" * 64)
    del row["at"]  # has a Python default, which only SQLAlchemy's execution would run
    with pytest.raises(ValueError, match="'at'"), engine.connect() as conn:
        DriverConnection(conn).execute(insert(AuditEntry), row)


def test_insert_rows_splits_at_the_parameter_limit_and_returns_every_row(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "MAX_PARAMETERS", 25)  # two ten-column rows per INSERT
    statements: list[str] = []
    run = DriverConnection._run

    def counted(self: DriverConnection, sql: str, params: Any) -> None:
        statements.append(sql)
        run(self, sql, params)

    monkeypatch.setattr(DriverConnection, "_run", counted)
    columns = tuple(_audit_row(0, ""))
    rows = [tuple(_audit_row(i, f"{i:064x}").values()) for i in range(1, 8)]
    with engine.connect() as conn, conn.begin():
        returned = DriverConnection(conn).insert_rows(_AUDIT, columns, rows, ("seq", "at"))
    assert len(statements) == 4  # 2 + 2 + 2 + 1 rows
    assert sorted(r[0] for r in returned) == list(range(1, 8))
    assert {r[1] for r in returned} == {datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)}
    with read_session(engine) as s:
        stored = s.scalars(select(AuditEntry).order_by(col(AuditEntry.seq))).all()
    assert [e.entry_hash for e in stored] == [f"{i:064x}" for i in range(1, 8)]
    assert stored[0].details == {"secret": "do-not-print-me"}
