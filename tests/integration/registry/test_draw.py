"""Drawing a round's sample from the database, and re-verifying it from the registry file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session
from app.db.models import SampledCase, SampleDraw, ServiceCase
from app.domain.draws.service import draw_round
from app.domain.registry.importer import import_registry
from app.errors import ConflictError
from app.secrets import KeyMaterial
from sampling.record import DrawRecord
from sampling.registry import RegistryOptions, read_registry
from sampling.verify import verify
from tests.integration.registry.test_import import HEADER, MAPPING, _round, keys  # noqa: F401


def _big_registry(tmp_path: Path) -> Path:
    lines = []
    for i in range(1, 121):
        ent = "E1" if i % 3 else "E2"
        channel = ("phone", "online", "store")[i % 3 if ent == "E1" else i % 2]
        lines.append(f"C{i:04d},{ent},{channel},,,2026-01-05 09:00,,\n")
    path = tmp_path / "registry.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_draw_covers_half_of_every_stratum_and_verifies_from_the_file(
    engine: Engine,
    tmp_path: Path,
    keys: KeyMaterial,  # noqa: F811
) -> None:
    rid = _round(engine)
    path = _big_registry(tmp_path)
    import_registry(engine, round_id=rid, source=path, keys=keys, actor="a", mapping=MAPPING)
    outcome = draw_round(engine, round_id=rid, witness="4711", witness_name="Bo", actor="ann")
    record = outcome.record
    for stratum in record.strata:
        assert stratum.sampled >= math.ceil(0.5 * stratum.population)
    with read_session(engine) as s:
        stored = s.exec(select(SampleDraw)).one()
        n_sampled = len(s.exec(select(SampledCase)).all())
        assert len(s.exec(select(ServiceCase)).all()) == 120
    assert n_sampled == record.sampled
    assert DrawRecord.from_dict(stored.record) == record

    # Anyone with the registry file and the published record recomputes the same draw.
    rows, report = read_registry(
        path, RegistryOptions(mapping=MAPPING, stratum_columns=("channel",))
    )
    assert report.sha256 == record.registry_sha256
    assert verify(rows, record, registry_sha256=report.sha256).identical

    with pytest.raises(ConflictError, match="second draw"):
        draw_round(engine, round_id=rid, witness="other", witness_name="Bo", actor="ann")


def test_round_from_several_files_verifies_from_all_of_them(
    engine: Engine,
    tmp_path: Path,
    keys: KeyMaterial,  # noqa: F811
) -> None:
    from typer.testing import CliRunner

    from app.cli.main import cli

    rid = _round(engine)
    whole = _big_registry(tmp_path).read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = whole[0], whole[1:]
    first, second = tmp_path / "part1.csv", tmp_path / "part2.csv"
    first.write_text(header + "".join(rows[:50]), encoding="utf-8")
    second.write_text(header + "".join(rows[50:]), encoding="utf-8")
    for part in (first, second):
        import_registry(engine, round_id=rid, source=part, keys=keys, actor="a", mapping=MAPPING)
    outcome = draw_round(engine, round_id=rid, witness="4711", witness_name="Bo", actor="ann")
    record_path = tmp_path / "record.json"
    record_path.write_text(outcome.record.to_json(), encoding="utf-8")
    maps = [a for k, v in MAPPING.items() for a in ("--map", f"{k}={v}")]
    args = ["sample", "verify", "--record", str(record_path), *maps]
    both = CliRunner().invoke(cli, [*args, "--registry", str(second), "--registry", str(first)])
    assert both.exit_code == 0, both.output
    assert "identical" in both.output
    one = CliRunner().invoke(cli, [*args, "--registry", str(first)])
    assert one.exit_code == 1
