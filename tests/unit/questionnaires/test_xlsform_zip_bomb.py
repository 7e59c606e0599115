"""An XLSForm that would inflate absurdly is refused from the zip directory alone, naming the
file, before openpyxl decompresses anything (issue #9 item 3). The bombs are built here."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import cli
from archives.expansion import MAX_RATIO, RATIO_FLOOR_BYTES
from questionnaires import dump_xlsform, load_xlsform, xlsform_sheets
from questionnaires.errors import QuestionnaireInvalid
from questionnaires.files import load
from questionnaires.templates import load_template

MiB = 1 << 20


def _workbook(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"/>',
        )
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _ratio_bomb() -> bytes:
    """One sheet of 32 MiB of spaces: ~1000 times its compressed size, within the total."""
    return _workbook({"xl/worksheets/sheet1.xml": b" " * (2 * RATIO_FLOOR_BYTES)})


def _size_bomb() -> bytes:
    """Five 15 MiB parts: each below the ratio floor, 75 MiB in all."""
    size = RATIO_FLOOR_BYTES - MiB
    return _workbook({f"xl/worksheets/sheet{n}.xml": b" " * size for n in range(1, 6)})


@pytest.fixture
def no_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl was asked to open the bomb")

    monkeypatch.setattr(xlsform_sheets, "load_workbook", refuse)


@pytest.mark.usefixtures("no_inflating")
def test_a_part_that_expands_too_many_times_is_refused() -> None:
    bomb = _ratio_bomb()
    assert len(bomb) < MiB
    with pytest.raises(QuestionnaireInvalid) as caught:
        load_xlsform(bomb, "form.xlsx")
    [problem] = caught.value.problems
    assert problem.location == "form.xlsx"
    assert "part xl/worksheets/sheet1.xml expands" in problem.message
    assert f"limit {MAX_RATIO}" in problem.message
    assert "zip bomb" in problem.message


@pytest.mark.usefixtures("no_inflating")
def test_a_workbook_that_expands_beyond_the_limit_is_refused() -> None:
    bomb = _size_bomb()
    assert len(bomb) < MiB
    with pytest.raises(QuestionnaireInvalid) as caught:
        load_xlsform(bomb, "form.xlsx")
    [problem] = caught.value.problems
    assert problem.location == "form.xlsx"
    limit = xlsform_sheets.MAX_EXPANDED_BYTES // MiB
    assert f"would expand to 75 MiB (limit {limit} MiB)" in problem.message


def test_a_real_xlsform_passes_the_guard() -> None:
    q = load_template("after-sales")
    assert load_xlsform(dump_xlsform(q), "after-sales.xlsx") == q


def test_file_import_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_ratio_bomb())
    with pytest.raises(QuestionnaireInvalid) as caught:
        load(path)
    assert f"{path} is not a valid questionnaire" in str(caught.value)
    assert "zip bomb" in str(caught.value)


def test_cli_import_refuses_with_one_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_size_bomb())
    out = tmp_path / "q.yaml"
    result = CliRunner().invoke(
        cli,
        ["questionnaire", "import", str(path), "--out", str(out)],
        env={"TIANPING_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exit_code == 1
    assert str(path) in result.output
    assert "would expand to 75 MiB" in result.output
    assert not out.exists()
