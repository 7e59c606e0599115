"""Issue #9 item 6: signed chain heads detect truncation and rewrites; appends are serialised
under concurrency; `tianping audit verify` / `sign-head` name the first bad entry. Both engines."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from typer.testing import CliRunner

from app.cli.main import cli
from app.db.engine import make_engine, read_session, write_session
from app.db.models import AuditEntry, AuditHeadSignature
from app.domain.audit.chain import GENESIS_HASH, append, compute_hash, verify_chain
from app.domain.audit.heads import sign_head, sign_head_if_due, verify_all
from app.keys_store import KeyStore

runner = CliRunner()


@pytest.fixture
def keys(tmp_path: Path) -> KeyStore:
    store = KeyStore(tmp_path / "data" / "keys")
    store.init("Test body")
    return store


def _write(engine: Engine, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with write_session(engine) as session:
            append(
                session,
                actor="assessor:1",
                action="round.create",
                object_type="round",
                object_id=i,
                reason="test",
            )


def _sign(engine: Engine, keys: KeyStore) -> AuditHeadSignature:
    kid, key = keys.private_key()
    with write_session(engine) as session:
        head = sign_head(session, kid, key)
        assert head is not None
        session.expunge(head)
        return head


def _tamper(engine: Engine, *statements: str) -> None:
    """Act as an attacker with table-owner rights: drop the append-only triggers first."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for trigger in (
                "audit_entry_no_update",
                "audit_entry_no_delete",
                "audit_head_no_update",
                "audit_head_no_delete",
            ):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry"))
            conn.execute(
                text("DROP TRIGGER IF EXISTS audit_head_append_only ON audit_head_signature")
            )
        for statement in statements:
            conn.execute(text(statement))


def _verdict(engine: Engine, keys: KeyStore):  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return verify_all(session, keys.public_keys())


def test_signed_heads_verify_and_signing_is_idempotent(engine: Engine, keys: KeyStore) -> None:
    _write(engine, 3)
    first = _sign(engine, keys)
    assert first.entry_seq == 3
    assert first.key_id == keys.active_key_id()
    assert _sign(engine, keys).id == first.id  # nothing new to sign
    _write(engine, 2, start=3)
    assert _sign(engine, keys).entry_seq == 5
    verdict = _verdict(engine, keys)
    assert verdict.ok
    assert verdict.checked == 5


def test_heads_survive_key_rotation(engine: Engine, keys: KeyStore) -> None:
    _write(engine, 2)
    _sign(engine, keys)
    keys.rotate("Test body")
    _write(engine, 2, start=2)
    second = _sign(engine, keys)
    assert second.key_id == keys.active_key_id()
    assert _verdict(engine, keys).ok


def test_sign_head_if_due_waits_for_enough_entries(engine: Engine, keys: KeyStore) -> None:
    kid, key = keys.private_key()
    _write(engine, 4)
    with write_session(engine) as session:
        assert sign_head_if_due(session, kid, key, every=5) is None
    _write(engine, 1, start=4)
    with write_session(engine) as session:
        head = sign_head_if_due(session, kid, key, every=5)
        assert head is not None
        assert head.entry_seq == 5


def test_head_table_is_append_only(engine: Engine, keys: KeyStore) -> None:
    _write(engine, 1)
    _sign(engine, keys)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_head_signature"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_head_signature SET entry_seq = 0"))


def test_truncated_tail_is_detected(engine: Engine, keys: KeyStore) -> None:
    _write(engine, 6)
    _sign(engine, keys)
    _tamper(engine, "DELETE FROM audit_entry WHERE seq >= 5")
    with read_session(engine) as session:
        assert verify_chain(session).ok  # the plain chain cannot see a cut-off tail...
    verdict = _verdict(engine, keys)  # ...the signed head can
    assert not verdict.ok
    assert verdict.first_bad_seq == 5
    assert "truncated" in verdict.problem


def test_rewritten_stretch_with_recomputed_hashes_is_detected(
    engine: Engine, keys: KeyStore
) -> None:
    _write(engine, 3)
    _sign(engine, keys)  # head at 3
    _write(engine, 3, start=3)
    _sign(engine, keys)  # head at 6
    # The attacker alters entry 5 and recomputes every hash from there on, so the plain
    # chain verifies again; only the signed head at 6 no longer matches.
    with read_session(engine) as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))).all()
        for row in rows:
            session.expunge(row)
    prev = GENESIS_HASH
    updates = []
    for row in rows:
        if row.seq == 5:
            row.reason = "history rewritten"
        row.prev_hash = prev
        row.entry_hash = compute_hash(prev, row)
        prev = row.entry_hash
        if row.seq >= 5:
            updates.append(
                f"UPDATE audit_entry SET reason = '{row.reason}', prev_hash = '{row.prev_hash}',"
                f" entry_hash = '{row.entry_hash}' WHERE seq = {row.seq}"
            )
    _tamper(engine, *updates)
    with read_session(engine) as session:
        assert verify_chain(session).ok
    verdict = _verdict(engine, keys)
    assert not verdict.ok
    assert verdict.first_bad_seq == 4  # the first entry after the last intact signed head
    assert "rewritten" in verdict.problem


def test_forged_head_is_detected(engine: Engine, keys: KeyStore) -> None:
    _write(engine, 3)
    head = _sign(engine, keys)
    fake_hash = hashlib.sha256(b"fake").hexdigest()
    _tamper(
        engine,
        f"UPDATE audit_head_signature SET entry_hash = '{fake_hash}' WHERE id = {head.id}",
    )
    verdict = _verdict(engine, keys)
    assert not verdict.ok
    assert verdict.first_bad_seq == 3
    assert "invalid signature" in verdict.problem


def test_altered_and_deleted_entries_still_named_with_heads(engine: Engine, keys: KeyStore) -> None:
    _write(engine, 5)
    _sign(engine, keys)
    _tamper(engine, "UPDATE audit_entry SET actor = 'someone else' WHERE seq = 2")
    verdict = _verdict(engine, keys)
    assert verdict.first_bad_seq == 2
    assert "altered" in verdict.problem
    _tamper(engine, "DELETE FROM audit_entry WHERE seq = 1")
    verdict = _verdict(engine, keys)
    assert verdict.first_bad_seq == 1
    assert "missing" in verdict.problem


def test_concurrent_appends_keep_one_chain(database_url: str) -> None:
    """Eight threads, each with its own connection pool, append at once; the chain must come
    out gap-free (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock in ``append``)."""
    threads_n, per_thread = 8, 10
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    # Engines are made up front: make_engine probes the data directory, which is not meant
    # to be raced by eight threads at once.
    engines = [make_engine(database_url) for _ in range(threads_n)]

    def worker(n: int) -> None:
        engine = engines[n]
        try:
            barrier.wait(timeout=60)
            for i in range(per_thread):
                with write_session(engine) as session:
                    append(
                        session,
                        actor=f"worker:{n}",
                        action="test.append",
                        object_type="thread",
                        object_id=f"{n}-{i}",
                    )
                    # Hold the transaction open a moment, as a real request does, so that
                    # unserialised appends would overlap and collide.
                    time.sleep(0.005)
        except BaseException as exc:  # reported below, so a failure is not lost in a thread
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    engine = make_engine(database_url)
    try:
        with read_session(engine) as session:
            verdict = verify_chain(session)
            seqs = session.exec(select(AuditEntry.seq).order_by(col(AuditEntry.seq))).all()
    finally:
        engine.dispose()
    assert verdict.ok, verdict.problem
    assert verdict.checked == threads_n * per_thread
    assert list(seqs) == list(range(1, threads_n * per_thread + 1))


def _cli(database_url: str, data_dir: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        cli,
        list(args),
        env={"TIANPING_DATABASE_URL": database_url, "TIANPING_DATA_DIR": str(data_dir)},
    )
    return result.exit_code, result.output


def test_cli_sign_head_and_verify_name_the_truncation(
    engine: Engine, database_url: str, keys: KeyStore
) -> None:
    data_dir = keys.root.parent
    assert _cli(database_url, data_dir, "audit", "sign-head") == (
        0,
        "nothing to sign: no entries since the last signed head\n",
    )
    _write(engine, 4)
    code, out = _cli(database_url, data_dir, "audit", "sign-head")
    assert code == 0
    assert "signed audit head: entry 4" in out
    code, out = _cli(database_url, data_dir, "audit", "verify")
    assert code == 0
    assert out.strip() == "audit chain intact: 4 entries verified, 1 signed head(s) checked"
    _tamper(engine, "DELETE FROM audit_entry WHERE seq = 4")
    code, out = _cli(database_url, data_dir, "audit", "verify")
    assert code == 1
    assert "entry 4 is missing" in out
    assert "truncated" in out
