"""``tianping questionnaire`` commands, run through the real CLI object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import questionnaires
from app.cli.main import cli
from questionnaires import to_dict
from questionnaires.templates import load_template

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(cli, ["questionnaire", *args])
    return result.exit_code, result.output, result.exception


def test_templates_lists_bundled_ones() -> None:
    code, output, _ = _run("templates")
    assert code == 0
    assert "after-sales" in output
    assert "servqual" in output


def test_new_validate_show(tmp_path: Path) -> None:
    out = tmp_path / "q.yaml"
    assert _run("new", "--template", "after-sales", "--out", str(out))[0] == 0
    assert out.read_text(encoding="utf-8").startswith("# Tianping after-sales")
    code, output, _ = _run("validate", str(out))
    assert code == 0
    assert "valid (5 dimensions, 24 items, 0 warning(s))" in output
    code, output, _ = _run("show", str(out), "--lang", "en")
    assert code == 0
    assert "[attitude] Service attitude" in output
    assert "reverse" in output
    code, output, _ = _run("show", str(out), "--lang", "zh")
    assert "服务态度" in output


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "q.yaml"
    out.write_text("mine", encoding="utf-8")
    code, output, _ = _run("new", "--template", "servqual", "--out", str(out))
    assert code == 1
    assert "error: " in output
    assert "add --force" in output
    assert out.read_text(encoding="utf-8") == "mine"


def test_validate_reports_errors_and_warnings_with_locations(tmp_path: Path) -> None:
    data = to_dict(load_template("servqual"))
    data["dimensions"][0]["items"] = data["dimensions"][0]["items"][:1]
    del data["dimensions"][1]["items"][0]["text"]["en"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, output, _ = _run("validate", str(path))
    assert code == 1
    assert "error: dimensions[1].items[0].text.en: item 'rel1' has no en text" in output
    assert "warning: dimensions[0].items: dimension 'tangibles' has 1 Likert item(s)" in output


def test_validate_malformed_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("code: [unclosed\n", encoding="utf-8")
    code, output, _ = _run("validate", str(path))
    assert code == 1
    assert "line 2, column 1: not valid YAML" in output


def test_export_import_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "q.yaml"
    _run("new", "--template", "onsite-observation", "--out", str(source))
    xlsx = tmp_path / "q.xlsx"
    assert _run("export", str(source), "--out", str(xlsx))[0] == 0
    back = tmp_path / "back.json"
    assert _run("import", str(xlsx), "--out", str(back))[0] == 0
    assert to_dict(questionnaires.load(back)) == to_dict(load_template("onsite-observation"))
    as_yaml = tmp_path / "as.txt"
    assert _run("export", str(back), "--out", str(as_yaml), "--format", "yaml")[0] == 0
    assert questionnaires.loads(as_yaml.read_text(encoding="utf-8"), "yaml") == questionnaires.load(
        back
    )


def test_failed_import_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    out = tmp_path / "out.yaml"
    code, output, _ = _run("import", str(bad), "--out", str(out))
    assert code == 1
    assert "error: " in output
    assert "not an Excel .xlsx workbook" in output
    assert "Traceback" not in output
    assert list(tmp_path.iterdir()) == [bad]


def test_diff_prints_changes_and_verdict(tmp_path: Path) -> None:
    data = to_dict(load_template("after-sales"))
    old = tmp_path / "v1.json"
    old.write_text(questionnaires.dump(questionnaires.from_dict(data), "json"), encoding="utf-8")
    data["version"] = 2
    data["dimensions"][0]["items"][0]["text"]["en"] = "Staff were kind."
    data["dimensions"][0]["items"][3]["reverse"] = False
    new = tmp_path / "v2.yaml"
    new.write_text(questionnaires.dump(questionnaires.from_dict(data), "yaml"), encoding="utf-8")
    code, output, _ = _run("diff", str(old), str(new))
    assert code == 0
    assert "~ att1 reworded (en)" in output
    assert "~ att4 reverse scoring flipped" in output
    assert "comparable: no" in output
    assert "because item att4 changed direction" in output


@pytest.mark.parametrize("fmt", ["toml", None])
def test_unknown_output_format(tmp_path: Path, fmt: str | None) -> None:
    source = tmp_path / "q.yaml"
    _run("new", "--template", "servqual", "--out", str(source))
    args = ["export", str(source), "--out", str(tmp_path / "q.out")]
    code, output, _ = _run(*args, *(["--format", fmt] if fmt else []))
    assert code == 1
    assert "error: " in output
    assert "yaml" in output
