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


FOLLOW_UP_MAPPING = {
    **MAPPING, "评估时间": "assessed_at", "回访时间": "followed_up_at", "结案时间": "closed_at",
    "延期": "extended", "投诉类别": "category",
}  # fmt: skip
FOLLOW_UP_HEADER = HEADER.rstrip("\n") + ",评估时间,回访时间,结案时间,延期,投诉类别\n"


def test_follow_up_columns_are_stored(engine: Engine, tmp_path: Path, keys: KeyMaterial) -> None:
    rid = _round(engine)
    path = tmp_path / "follow.csv"
    path.write_text(
        FOLLOW_UP_HEADER
        + "F1,E1,phone,13812345678,,2026-01-05 09:00,,,2026-01-05 10:30,2026-01-09 14:00,"
        "2026/1/10 18:00,1,维修质量\n"
        + "F2,E2,online,,,2026-01-05 09:00,,,,,,0,\n"
        + "F3,E2,online,,,,,,,,,,\n",
        encoding="utf-8",
    )
    out = import_registry(
        engine, round_id=rid, source=path, keys=keys, actor="t", mapping=FOLLOW_UP_MAPPING
    )
    assert out.imported == 3
    with read_session(engine) as s:
        cases = {c.case_id: c for c in s.exec(select(ServiceCase)).all()}
    f1 = cases["F1"]
    assert f1.assessed_at is not None
    assert f1.followed_up_at is not None
    assert f1.closed_at is not None
    assert (f1.assessed_at.hour, f1.assessed_at.minute) == (2, 30)  # 10:30 Shanghai in UTC
    assert (f1.followed_up_at.day, f1.followed_up_at.hour) == (9, 6)
    assert (f1.closed_at.day, f1.closed_at.hour) == (10, 10)
    assert (f1.extended, f1.category) == (True, "维修质量")
    f2 = cases["F2"]
    assert (f2.assessed_at, f2.closed_at, f2.extended, f2.category) == (None, None, False, None)
    assert cases["F3"].extended is None


def test_follow_up_time_before_opened_rejects_the_file_naming_line_and_column(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    rid = _round(engine)
    path = tmp_path / "early.csv"
    path.write_text(
        FOLLOW_UP_HEADER
        + "F1,E1,phone,,,2026-01-05 09:00,,,,,2026-01-10 18:00,,\n"
        + "F2,E1,phone,,,2026-01-05 09:00,,,,,2026-01-05 08:59,,\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryRejectedError) as info:
        import_registry(
            engine, round_id=rid, source=path, keys=keys, actor="t", mapping=FOLLOW_UP_MAPPING
        )
    message = str(info.value)
    assert "early.csv" in message
    assert "line 3" in message
    assert "结案时间" in message
    assert [p.code for p in info.value.report.problems] == ["closed_before_opened"]
    with read_session(engine) as s:
        assert s.exec(select(ServiceCase)).all() == []


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


def _big_registry(tmp_path: Path, rows: int, *, bad_lines: dict[int, str] | None = None) -> Path:
    """A registry in the format of the benchmark, with optional replaced (bad) data lines."""
    lines = [FOLLOW_UP_HEADER.rstrip("\n")]
    for i in range(rows):
        complaint = i % 7 == 0
        lines.append(
            f"P{i:06d},E{1 + i % 2},{('phone', 'online', '门店')[i % 3]},"
            f"13{i % 10}{i:08d},{f'u{i}@Ex{i % 5}.COM' if i % 3 == 0 else ''},"
            f"2026-01-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d},"
            f"{'' if i % 4 else '2026-02-01 10:00:00'},2026-02-{1 + i % 28:02d} 17:30,"
            + (
                f"2026-02-{1 + i % 28:02d} 09:00,2026-03-01 10:00,2026-03-02 11:00:30.5,"
                f"{i % 2},类别{i % 4}"
                if complaint
                else ",,,,"
            )
        )
    for number, text in (bad_lines or {}).items():
        lines[number - 1] = text
    path = tmp_path / f"big-{rows}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_worker_process_import_stores_what_the_orm_would(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    """The parallel path (reading and encryption in a worker process) against the parsed rows
    and against one case written through the ORM: same values, same stored text."""
    from sqlalchemy import text

    from app.pii import keyed_hash
    from sampling.registry import RegistryOptions, read_registry

    rid = _round(engine)
    path = _big_registry(tmp_path, 3000)
    seen: list[tuple[int, int | None]] = []
    out = import_registry(
        engine,
        round_id=rid,
        source=path,
        keys=keys,
        actor="t",
        mapping=FOLLOW_UP_MAPPING,
        parallel=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert out.imported == 3000
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    expected, _report = read_registry(
        path, RegistryOptions(mapping=FOLLOW_UP_MAPPING, stratum_columns=("channel",))
    )
    with read_session(engine) as s:
        stored = {c.case_id: c for c in s.exec(select(ServiceCase)).all()}
    assert len(stored) == len(expected)
    times = ("opened_at", "first_response_at", "resolved_at", "assessed_at", "followed_up_at",
             "closed_at")  # fmt: skip
    for row in expected:
        case = stored[row.case_id]
        assert case.attributes == {"channel": row.strata[0]}
        assert case.stratum == row.strata[0]
        assert keys.keyring.decrypt(case.phone_enc or "") == row.phone
        assert (keys.keyring.decrypt(case.email_enc) if case.email_enc else None) == row.email
        assert case.contact_hash == keyed_hash(row.phone or "", keys.contact_hash_key)
        for name in times:
            assert getattr(case, name) == getattr(row, name), (row.case_id, name)
        assert (case.complaint, case.extended, case.category) == (
            row.complaint,
            row.extended,
            row.category,
        )
    # The stored text of a bulk row equals that of the same values written by the ORM.
    model = stored["P000014"]  # a complaint in stratum 门店
    with write_session(engine) as s:
        clone = ServiceCase(
            **{
                k: v
                for k, v in model.model_dump().items()
                if k not in ("id", "case_id", "pii_purged_at")
            },
            case_id="ORM-CLONE",
        )
        s.add(clone)
    columns = ("attributes", *times, "complaint", "extended", "category")
    with engine.connect() as conn:
        raw = {
            r[0]: r[1:]
            for r in conn.execute(
                text(
                    f"SELECT case_id, {', '.join(columns)} FROM service_case "
                    "WHERE case_id IN ('P000014', 'ORM-CLONE')"
                )
            )
        }
    assert raw["P000014"] == raw["ORM-CLONE"]


def test_worker_process_import_is_all_or_nothing_and_quarantines(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    rid = _round(engine)
    header_cells = FOLLOW_UP_HEADER.count(",")
    bad = {
        10: "P000001,E1,phone" + "," * (header_cells - 2),  # duplicate of line 3
        2500: "PX,E1,phone,12345" + "," * (header_cells - 3),  # malformed phone
        2999: "PY,E1,phone,,,2026-03-02,,,,,2026-03-01,1,x",  # closed before opened
    }
    path = _big_registry(tmp_path, 3000, bad_lines=bad)
    with pytest.raises(RegistryRejectedError) as info:
        import_registry(
            engine,
            round_id=rid,
            source=path,
            keys=keys,
            actor="t",
            mapping=FOLLOW_UP_MAPPING,
            parallel=True,
        )
    problems = info.value.report.problems
    assert [(p.line, p.code) for p in problems] == [
        (10, "duplicate_case_id"),
        (2500, "bad_phone"),
        (2999, "closed_before_opened"),
    ]
    with read_session(engine) as s:
        assert s.exec(select(ServiceCase)).all() == []
        assert s.exec(select(CaseRegistry)).all() == []
    out = import_registry(
        engine,
        round_id=rid,
        source=path,
        keys=keys,
        actor="t",
        mapping=FOLLOW_UP_MAPPING,
        parallel=True,
        accept_valid=True,
    )
    assert (out.imported, out.quarantined) == (2997, 3)
    with read_session(engine) as s:
        assert sorted(r.line for r in s.exec(select(QuarantinedRow))) == [10, 2500, 2999]


def test_worker_process_reports_file_errors_like_the_in_process_path(
    engine: Engine, tmp_path: Path, keys: KeyMaterial
) -> None:
    from sampling.errors import RegistryError

    rid = _round(engine)
    path = tmp_path / "no-enterprise.csv"
    path.write_text("case_id,channel\nA1,web\n", encoding="utf-8")
    messages = []
    for parallel in (False, True):
        with pytest.raises(RegistryError) as info:
            import_registry(
                engine, round_id=rid, source=path, keys=keys, actor="t", parallel=parallel
            )
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "enterprise" in messages[0]
    undecodable = tmp_path / "latin.csv"
    undecodable.write_bytes(b"case_id,enterprise,channel\nA1,E1,web\n" * 1 + b"A2,E1,\xff\xfe\n")
    with pytest.raises(RegistryError, match="line 3"):
        import_registry(
            engine,
            round_id=rid,
            source=undecodable,
            keys=keys,
            actor="t",
            encoding="utf-8",
            parallel=True,
        )
    with read_session(engine) as s:
        assert s.exec(select(CaseRegistry)).all() == []
