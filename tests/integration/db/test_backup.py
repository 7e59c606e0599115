"""`tianping db backup` / `db restore` round-trip every table on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from app.db import backup as backups
from app.db.engine import write_session
from app.db.models import Enterprise, EvaluationBody
from app.errors import DatabaseError


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = sorted(tuple(r) for r in rows)
    return out


def test_backup_then_restore_gives_back_every_row(engine: Engine, tmp_path: Path) -> None:
    with write_session(engine) as session:
        body = EvaluationBody(code="B", name="评价机构")
        session.add(body)
        session.flush()
        assert body.id is not None
        for i in range(3):
            session.add(Enterprise(body_id=body.id, code=f"E{i}", name=f"企业{i}"))
    before = _snapshot(engine)
    url = engine.url.render_as_string(hide_password=False)
    path = backups.backup(url, tmp_path / "backup.bin")

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprise"))
    assert _snapshot(engine) != before

    engine.dispose()
    backups.restore(url, path)
    assert _snapshot(engine) == before


def test_backup_refuses_to_overwrite(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "exists.bin"
    target.write_bytes(b"keep me")
    with pytest.raises(DatabaseError, match="already exists"):
        backups.backup(engine.url.render_as_string(hide_password=False), target)
    assert target.read_bytes() == b"keep me"


def test_restore_refuses_a_foreign_file(engine: Engine, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup", encoding="utf-8")
    with pytest.raises(DatabaseError, match="is not a"):
        backups.restore(engine.url.render_as_string(hide_password=False), bogus)
