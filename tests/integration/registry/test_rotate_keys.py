"""`tianping registry rotate-keys`: every stored personal-data token moves to the active key,
in batches, idempotently; a missing old key is a one-line error. Both engines."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from app.cli.main import cli
from app.db.engine import read_session, write_session
from app.db.models import AuditEntry, CaseRegistry, QuarantinedRow, ServiceCase, User
from app.db.models.user import Role
from app.domain.audit.chain import verify_chain
from app.domain.rounds.service import add_enterprise, create_round, get_or_create_body
from app.pii import Keyring

OLD, NEW = b"o" * 32, b"n" * 32
PHONES = [f"+86138000000{i:02d}" for i in range(5)]
runner = CliRunner()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _seed(engine: Engine) -> None:
    old = Keyring({"old": OLD}, active="old")
    with write_session(engine) as s:
        body = get_or_create_body(s, "B", "Body", "test")
        ent = add_enterprise(s, body, "E1", "企业", actor="test")
        rnd = create_round(
            s, body, code="R1", title="t", industry="x", period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31), enterprises=[ent], created_by=None, actor="test",
        )  # fmt: skip
        reg = CaseRegistry(round_id=rnd.id or 0, file_name="r.csv", file_sha256="a" * 64)
        s.add(reg)
        s.flush()
        for i, phone in enumerate(PHONES):
            s.add(
                ServiceCase(
                    registry_id=reg.id or 0, round_id=rnd.id or 0, enterprise_id=ent.id or 0,
                    case_id=f"C{i}", phone_enc=old.encrypt(phone),
                    email_enc=old.encrypt(f"user{i}@example.com") if i % 2 else None,
                )
            )  # fmt: skip
        s.add(QuarantinedRow(registry_id=reg.id or 0, line=9, raw_enc=old.encrypt('{"手机": "x"}')))
        s.add(QuarantinedRow(registry_id=reg.id or 0, line=10, raw_enc=""))  # purged
        s.add(
            User(username="a1", role=Role.PLATFORM_ADMIN.value, password_hash="x",
                 totp_secret_enc=old.encrypt("JBSWY3DPEHPK3PXP"))
        )  # fmt: skip


def _cli(database_url: str, tmp_path: Path, keys: str, *args: str) -> tuple[int, str]:
    env = {
        "TIANPING_DATABASE_URL": database_url,
        "TIANPING_DATA_DIR": str(tmp_path),
        "TIANPING_PII_KEYS": keys,
        "TIANPING_PII_ACTIVE_KEY": "new",
        "TIANPING_CONTACT_HASH_KEY": _b64(b"h" * 32),
        "TIANPING_SECRET_KEY": "s" * 40,
    }
    result = runner.invoke(cli, ["registry", "rotate-keys", *args], env=env)
    return result.exit_code, result.output


def test_rotate_keys_moves_everything_and_is_idempotent(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    _seed(engine)
    both = f"old:{_b64(OLD)},new:{_b64(NEW)}"
    code, out = _cli(database_url, tmp_path, both, "--batch-size", "2")
    assert code == 0, out
    assert "service_case.phone_enc" in out
    assert "9 values now under key 'new'; 0 left under other keys" in out
    new_only = Keyring({"new": NEW}, active="new")  # the old key can now be dropped
    with read_session(engine) as s:
        cases = s.exec(select(ServiceCase).order_by(col(ServiceCase.id))).all()
        assert [new_only.decrypt(c.phone_enc or "") for c in cases] == PHONES
        assert [new_only.decrypt(c.email_enc) if c.email_enc else None for c in cases] == [
            None, "user1@example.com", None, "user3@example.com", None,
        ]  # fmt: skip
        raws = s.exec(select(QuarantinedRow.raw_enc).order_by(col(QuarantinedRow.line))).all()
        assert new_only.decrypt(raws[0]) == '{"手机": "x"}'
        assert raws[1] == ""
        user = s.exec(select(User)).one()
        assert new_only.decrypt(user.totp_secret_enc or "") == "JBSWY3DPEHPK3PXP"
        before = [c.phone_enc for c in cases]
    code, out = _cli(database_url, tmp_path, both)
    assert code == 0
    assert "0 values now under key 'new'; 0 left" in out
    with read_session(engine) as s:
        after = s.exec(select(ServiceCase.phone_enc).order_by(col(ServiceCase.id))).all()
        assert list(after) == before
        assert verify_chain(s).ok
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "pii.rotate_keys")).all()
    assert len(entries) == 2
    assert entries[0].details["rotated"]["service_case.phone_enc"] == 5
    assert "138" not in str(entries[0].details)
    assert "138" not in out
    assert "example.com" not in out


def test_missing_old_key_is_named(engine: Engine, database_url: str, tmp_path: Path) -> None:
    _seed(engine)
    code, out = _cli(database_url, tmp_path, f"new:{_b64(NEW)}")
    assert code == 1
    assert "personal-data key 'old' is not configured" in out
    assert "Traceback" not in out
    assert "138" not in out
