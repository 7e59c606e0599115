"""Registry import into the database: all-or-nothing, quarantine, idempotence, encryption."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import CaseRegistry, EvaluationRound, QuarantinedRow, ScoringPlan, ServiceCase
from app.db.models.questionnaire import QuestionnaireVersion
from app.domain.audit.chain import verify_chain
from app.domain.registry.bulk import SQLITE_IMPORT_CACHE_KIB, CaseWriter
from app.domain.registry.importer import RegistryRejectedError, import_registry
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import add_enterprise, create_round, get_or_create_body
from app.errors import ConflictError
from app.pii import mask_phone
from app.secrets import KeyMaterial, load_key_material

HEADER = "工单号,企业,渠道,手机,邮箱,受理时间,首次响应时间,办结时间\n"
MAPPING = {
    "工单号": "case_id", "企业": "enterprise", "渠道": "channel", "手机": "phone",
    "邮箱": "email", "受理时间": "opened_at", "首次响应时间": "first_response_at",
    "办结时间": "resolved_at",
}  # fmt: skip


@pytest.fixture
def keys(tmp_path: Path) -> KeyMaterial:
    key = base64.b64encode(b"k" * 32).decode()
    return load_key_material(
        Settings(
            data_dir=tmp_path,
            pii_keys=f"t1:{key}",
            pii_active_key="t1",
            contact_hash_key=base64.b64encode(b"h" * 32).decode(),
            secret_key="s" * 40,
        )
    )


def _round(engine: Engine, state: RoundState = RoundState.PLAN_FROZEN) -> int:
    with write_session(engine) as s:
        body = get_or_create_body(s, "B", "Body", "test")
        ents = [add_enterprise(s, body, c, f"企业{c}", actor="test") for c in ("E1", "E2")]
        rnd = create_round(
            s,
            body,
            code="R1",
            title="t",
            industry="appliances",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            enterprises=ents,
            created_by=None,
            actor="test",
        )
        q = QuestionnaireVersion(body_id=body.id or 0, code="q", version=1, sha256="0" * 64)
        s.add(q)
        s.flush()
        s.add(
            ScoringPlan(
                round_id=rnd.id or 0,
                questionnaire_version_id=q.id or 0,
                content={"strata": ["channel"]},
                sha256="1" * 64,
            )
        )
        rnd.state = state.value
        return rnd.id or 0


def _csv(tmp_path: Path, body: str, name: str = "reg.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


GOOD = (
    "C1,E1,phone,138 1234 5678,,2026-01-05 09:00,2026-01-05 10:00,2026-01-06 09:00\n"
    "C2,E1,online,,A@Example.COM,2026-01-05 09:00,,\n"
    "C3,E2,phone,+86 13912345678,,2026/01/07 10:00:00,2026/01/07 11:00:00,\n"
)


def test_import_stores_cases_encrypted_and_moves_round_to_sampling(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    rid = _round(engine)
    out = import_registry(
        engine,
        round_id=rid,
        source=_csv(tmp_path, GOOD, encoding="gb18030"),
        keys=keys,
        actor="ann",
        mapping=MAPPING,
    )
    assert out.imported == 3
    assert not out.already_imported
    with read_session(engine) as s:
        cases = {c.case_id: c for c in s.exec(select(ServiceCase)).all()}
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        assert rnd.state == RoundState.SAMPLING
        assert verify_chain(s).ok
    assert set(cases) == {"C1", "C2", "C3"}
    c1 = cases["C1"]
    assert c1.phone_enc is not None
    assert "13812345678" not in c1.phone_enc
    assert keys.keyring.decrypt(c1.phone_enc) == "+8613812345678"
    assert mask_phone(keys.keyring.decrypt(c1.phone_enc)).endswith("****5678")
    assert cases["C2"].email_enc is not None
    assert keys.keyring.decrypt(cases["C2"].email_enc) == "A@example.com"
    assert c1.attributes == {"channel": "phone"}
    assert cases["C2"].attributes == {"channel": "online"}
    assert cases["C3"].attributes == {"channel": "phone"}
    assert cases["C3"].stratum == "phone"
    assert c1.opened_at is not None
    assert c1.opened_at.utcoffset() is not None
    assert c1.opened_at.hour == 1  # 09:00 Asia/Shanghai is 01:00 UTC
    assert cases["C2"].first_response_at is None


def test_reimport_of_the_same_file_is_a_no_op(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    rid = _round(engine)
    path = _csv(tmp_path, GOOD)
    first = import_registry(
        engine, round_id=rid, source=path, keys=keys, actor="a", mapping=MAPPING
    )
    again = import_registry(
        engine, round_id=rid, source=path, keys=keys, actor="a", mapping=MAPPING
    )
    assert again.already_imported
    assert again.registry_id == first.registry_id
    with read_session(engine) as s:
        assert len(s.exec(select(ServiceCase)).all()) == 3
        assert len(s.exec(select(CaseRegistry)).all()) == 1


BAD = GOOD + (
    "C1,E1,phone,13812345678,,2026-01-05 09:00,,\n"  # duplicate id
    "C4,E9,phone,13812345678,,2026-01-05 09:00,,\n"  # unknown enterprise
    "C5,E2,phone,12345,,2026-01-05 09:00,,\n"  # malformed phone
    "C6,E2,phone,,,2026-01-05 09:00,,2026-01-01 08:00\n"  # resolved before opened
)


def test_invalid_rows_reject_the_whole_file(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    rid = _round(engine)
    with pytest.raises(RegistryRejectedError) as info:
        import_registry(
            engine, round_id=rid, source=_csv(tmp_path, BAD), keys=keys, actor="a", mapping=MAPPING
        )
    lines = sorted({p.line for p in info.value.report.problems})
    assert lines == [5, 6, 7, 8]
    assert "nothing imported" in str(info.value)
    with read_session(engine) as s:
        assert s.exec(select(ServiceCase)).all() == []
        assert s.exec(select(CaseRegistry)).all() == []
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        assert rnd.state == RoundState.PLAN_FROZEN


def test_accept_valid_quarantines_the_rest(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    rid = _round(engine)
    out = import_registry(
        engine,
        round_id=rid,
        source=_csv(tmp_path, BAD),
        keys=keys,
        actor="a",
        mapping=MAPPING,
        accept_valid=True,
    )
    assert out.imported == 3
    assert out.quarantined == 4
    with read_session(engine) as s:
        rows = s.exec(select(QuarantinedRow)).all()
    assert sorted(r.line for r in rows) == [5, 6, 7, 8]
    bad_phone = next(r for r in rows if r.line == 7)
    assert "12345" not in bad_phone.raw_enc
    assert '"手机": "12345"' in keys.keyring.decrypt(bad_phone.raw_enc)


def test_import_refused_before_the_plan_is_frozen(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    rid = _round(engine, RoundState.DRAFT)
    with pytest.raises(ConflictError, match="after the plan is frozen"):
        import_registry(
            engine, round_id=rid, source=_csv(tmp_path, GOOD), keys=keys, actor="a", mapping=MAPPING
        )


def _cli(url: str, data_dir: Path, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from app.cli.main import cli

    key = base64.b64encode(b"k" * 32).decode()
    env = {
        "TIANPING_DATABASE_URL": url, "TIANPING_DATA_DIR": str(data_dir),
        "TIANPING_PII_KEYS": f"t1:{key}", "TIANPING_PII_ACTIVE_KEY": "t1",
        "TIANPING_CONTACT_HASH_KEY": base64.b64encode(b"h" * 32).decode(),
        "TIANPING_SECRET_KEY": "s" * 40,
    }  # fmt: skip
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_cli_import_show_purge(engine: Engine, database_url: str, tmp_path: Path) -> None:
    _round(engine)
    maps = [a for k, v in MAPPING.items() for a in ("--map", f"{k}={v}")]
    bad = _csv(tmp_path, BAD, name="bad.csv")
    code, out = _cli(database_url, tmp_path, "registry", "import", str(bad), "--round", "R1", *maps)
    assert code == 1
    assert "bad.csv.errors.csv" in out
    report = (tmp_path / "bad.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "line" in report.splitlines()[0]
    assert len(report.splitlines()) == 5

    good = _csv(tmp_path, GOOD)
    code, out = _cli(
        database_url, tmp_path, "registry", "import", str(good), "--round", "R1", *maps
    )
    assert code == 0, out
    assert "imported 3 cases" in out
    code, out = _cli(
        database_url, tmp_path, "registry", "import", str(good), "--round", "R1", *maps
    )
    assert "already imported" in out

    code, out = _cli(database_url, tmp_path, "registry", "show", "--round", "R1", "--cases", "5")
    assert code == 0, out
    assert "138****5678" in out
    assert "13812345678" not in out

    code, out = _cli(database_url, tmp_path, "registry", "purge", "--older-than", "0d")
    assert code == 0, out
    assert "erased from 3 cases" in out
    with read_session(engine) as s:
        assert all(c.phone_enc is None and c.pii_purged_at for c in s.exec(select(ServiceCase)))
    code, out = _cli(database_url, tmp_path, "registry", "purge", "--older-than", "soon")
    assert code == 2
    assert "365d" in out


def test_bulk_tokens_match_the_keyring(engine: Engine, tmp_path: Path, keys: KeyMaterial) -> None:
    """Every token of the bulk path decrypts, nonces differ, times equal the ORM's."""
    rid = _round(engine)
    rows = "".join(
        f"K{i},E{1 + i % 2},{'phone' if i % 3 else 'online'},1391234{i:04d},u{i}@Ex.COM,"
        f"2026-01-05 09:{i % 60:02d},2026-01-05 10:00,\n"
        for i in range(120)
    )
    import_registry(
        engine, round_id=rid, source=_csv(tmp_path, rows), keys=keys, actor="t", mapping=MAPPING
    )
    with read_session(engine) as s:
        cases = s.exec(select(ServiceCase)).all()
    assert len(cases) == 120
    phones = {keys.keyring.decrypt(c.phone_enc or "") for c in cases}
    assert phones == {f"+861391234{i:04d}" for i in range(120)}
    assert len({c.phone_enc for c in cases}) == 120
    assert {keys.keyring.decrypt(c.email_enc or "") for c in cases} == {
        f"u{i}@ex.com" for i in range(120)
    }
    by_id = {c.case_id: c for c in cases}
    assert by_id["K61"].opened_at is not None
    assert (by_id["K61"].opened_at.hour, by_id["K61"].opened_at.minute) == (1, 1)
    assert by_id["K3"].attributes == {"channel": "online"}
    assert by_id["K4"].attributes == {"channel": "phone"}


def test_case_writer_restores_the_connection_settings(engine: Engine) -> None:
    with engine.connect() as conn:
        pragma = "PRAGMA cache_size" if engine.dialect.name == "sqlite" else "SHOW work_mem"
        before = conn.exec_driver_sql(pragma).scalar()
        with CaseWriter(conn):
            during = conn.exec_driver_sql(pragma).scalar()
        assert conn.exec_driver_sql(pragma).scalar() == before
    if engine.dialect.name == "sqlite":
        assert during == -SQLITE_IMPORT_CACHE_KIB
