"""Reading the three sheets of an XLSForm workbook into plain rows (no questionnaire logic)."""

from __future__ import annotations

import contextlib
import io
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from archives.expansion import ArchiveExpansionError, check_expansion
from questionnaires.errors import Problem, QuestionnaireInvalid
from questionnaires.xlsform_columns import CHOICES, SETTINGS, SURVEY

NPS_RANGE = (("start", "0"), ("end", "10"), ("step", "1"))
# A questionnaire of thousands of bilingual items is a few MiB of sheet XML; far more is a bomb.
MAX_EXPANDED_BYTES = 64 << 20


def range_parameters(text: str) -> tuple[tuple[str, str], ...]:
    pairs = (p.partition("=") for p in text.replace(";", " ").split())
    found = {key.strip(): value.strip() for key, _, value in pairs}
    return tuple((key, found[key]) for key, _ in NPS_RANGE if key in found)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Sheet:
    title: str
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)

    def get(self, values: tuple[Any, ...], column: str) -> str:
        index = self.columns.get(column)
        return cell_text(values[index]) if index is not None and index < len(values) else ""

    def raw(self, values: tuple[Any, ...], column: str) -> object:
        index = self.columns.get(column)
        return values[index] if index is not None and index < len(values) else None


def _refuse_zip_bomb(content: bytes, source: str) -> None:
    """Before openpyxl inflates anything: the sizes the zip directory declares."""
    try:
        check_expansion(io.BytesIO(content), source, max_expanded_bytes=MAX_EXPANDED_BYTES)
    except ArchiveExpansionError as exc:
        problem = Problem(
            source,
            f"{exc.reason}; an XLSForm is far smaller: re-save it from Excel/WPS, or use a "
            ".yaml/.json questionnaire",
        )
        raise QuestionnaireInvalid([problem], source) from None


def open_sheets(content: bytes, source: str) -> dict[str, Sheet]:
    _refuse_zip_bomb(content, source)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it drops (data validation, styles); harmless here.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise QuestionnaireInvalid(
            [
                Problem(
                    source,
                    "not an Excel .xlsx workbook; save the XLSForm as .xlsx (Excel "
                    "2007 or later) or use a .yaml/.json questionnaire",
                )
            ],
            source,
        ) from None
    sheets: dict[str, Sheet] = {}
    found = ", ".join(ws.title for ws in book.worksheets) or "none"
    try:
        for worksheet in book.worksheets:
            key = worksheet.title.strip().lower()
            if key not in (SURVEY, CHOICES, SETTINGS):
                continue
            sheet = Sheet(worksheet.title)
            rows = worksheet.iter_rows(values_only=True)
            header = next(rows, ())
            for index, cell in enumerate(header):
                name = cell_text(cell)
                if name:
                    sheet.columns.setdefault(name if "::" in name else name.lower(), index)
            sheet.rows = [
                (n, values)
                for n, values in enumerate(rows, start=2)
                if any(cell_text(v) for v in values)
            ]
            sheets[key] = sheet
    finally:
        book.close()
    missing = [name for name in (SURVEY, SETTINGS) if name not in sheets]
    if missing:
        raise QuestionnaireInvalid(
            [
                Problem(
                    f"sheet {name}",
                    f"the workbook has no {name!r} sheet (found: {found}); an "
                    "XLSForm needs sheets named survey, choices and settings",
                )
                for name in missing
            ],
            source,
        )
    return sheets


def locate(location: str, where: Mapping[str, str]) -> str:
    """The workbook place of a native path: the longest known path that contains it."""
    best = ""
    for path in where:
        fits = location == path or location.startswith((f"{path}.", f"{path}["))
        if fits and len(path) > len(best):
            best = path
    return where[best] if best else location


def cell_number(raw: object) -> object:
    """Numbers written as text (as Tianping exports them) become numbers again."""
    if isinstance(raw, str):
        text = raw.strip()
        with contextlib.suppress(ValueError):
            return int(text)
        with contextlib.suppress(ValueError):
            return float(text)
    return raw


@dataclass
class ListEntry:
    code: str
    labels: dict[str, str]
    row: int
