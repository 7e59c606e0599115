"""``tianping sample`` through the real command group."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli.main import cli

runner = CliRunner()


def _registry(path: Path, extra: str = "") -> Path:
    lines = ["工单号,企业,渠道,phone,email"]
    lines += [
        f"C{i:03d},E{i % 2},{'web' if i % 3 else 'tel'},13812345678,a@b.cn" for i in range(40)
    ]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="gb18030")
    return path


MAP = ["--map", "工单号=case_id", "--map", "企业=enterprise", "--map", "渠道=channel"]


def _draw(tmp_path: Path, registry: Path) -> tuple[object, Path, Path]:
    out, record = tmp_path / "sample.csv", tmp_path / "draw.json"
    result = runner.invoke(
        cli,
        [
            "sample",
            "draw",
            "--registry",
            str(registry),
            "--strata",
            "channel",
            "--seed-round",
            "2026Q4",
            "--witness",
            "42",
            *MAP,
            "--out",
            str(out),
            "--record",
            str(record),
        ],
    )
    return result, out, record


def test_size_prints_formula() -> None:
    result = runner.invoke(cli, ["sample", "size", "1300", "--margin", "3"])
    assert result.exit_code == 0
    assert "n = 650" in result.output
    assert "→ 587" in result.output


def test_draw_then_verify(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "cases.csv")
    result, out, record = _draw(tmp_path, registry)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "case_id,enterprise,channel,selection_number,rank"
    assert "phone" not in out.read_text(encoding="utf-8")
    assert "138" not in out.read_text()
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["sampled"] >= 20
    assert data["stratum_columns"] == ["channel"]
    verify = ["sample", "verify", "--registry", str(registry), "--record", str(record), *MAP]
    ok = runner.invoke(cli, [*verify, "--sample", str(out)])
    assert ok.exit_code == 0
    assert ok.output.strip() == "identical"
    _registry(registry, extra="C999,E0,web,,\n")
    changed = runner.invoke(cli, verify)
    assert changed.exit_code == 1
    assert changed.output.startswith("registry SHA-256 differs")


def test_invalid_rows_refuse_the_draw_and_leave_no_output(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "cases.csv", extra="C001,E0,web,123,\n")
    result, out, record = _draw(tmp_path, registry)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "already appears on line 3" in result.output  # type: ignore[attr-defined]
    assert "line 42, column '工单号'" in result.output  # type: ignore[attr-defined]
    assert not out.exists()
    assert not record.exists()
    errors = (tmp_path / "sample.errors.csv").read_text(encoding="utf-8-sig")
    assert "duplicate_case_id" in errors
    assert "bad_phone" in errors
    assert not list(tmp_path.glob("*.part"))


def test_min_fraction_below_half_is_one_line_error(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "cases.csv")
    result = runner.invoke(
        cli,
        [
            "sample",
            "draw",
            "--registry",
            str(registry),
            "--seed-round",
            "R",
            "--witness",
            "w",
            *MAP,
            "--min-fraction",
            "0.3",
            "--out",
            str(tmp_path / "s.csv"),
            "--record",
            str(tmp_path / "d.json"),
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: min_fraction 0.3 is not allowed")


def test_bad_mapping_is_one_line_error(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "cases.csv")
    result = runner.invoke(
        cli,
        [
            "sample",
            "draw",
            "--registry",
            str(registry),
            "--seed-round",
            "R",
            "--witness",
            "w",
            "--map",
            "nonsense",
            "--out",
            str(tmp_path / "s.csv"),
            "--record",
            str(tmp_path / "d.json"),
        ],
    )
    assert result.exit_code == 1
    assert "'their header=our column'" in result.output


def test_assign(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("assessor_id\nA1\nA2\nA3\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("enterprise,visits\nE1,1\nE2,0\nE3,2\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("assessor_id,enterprise\nA1,E3\n", encoding="utf-8")
    out = tmp_path / "assignment.json"
    result = runner.invoke(
        cli,
        [
            "sample",
            "assign",
            "--assessors",
            str(tmp_path / "a.csv"),
            "--enterprises",
            str(tmp_path / "e.csv"),
            "--conflicts",
            str(tmp_path / "c.csv"),
            "--seed-round",
            "R",
            "--witness",
            "w",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["assignments"]) == 6
    assert data["balanced"]
    assert all(not (a["assessor"] == "A1" and a["enterprise"] == "E3") for a in data["assignments"])
    missing = runner.invoke(
        cli,
        [
            "sample",
            "assign",
            "--assessors",
            str(tmp_path / "e.csv"),
            "--enterprises",
            str(tmp_path / "e.csv"),
            "--seed-round",
            "R",
            "--witness",
            "w",
            "--out",
            str(out),
        ],
    )
    assert missing.exit_code == 1
    assert "assessor_id" in missing.output
