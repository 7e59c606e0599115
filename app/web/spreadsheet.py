"""CSV cells that a spreadsheet would run as formulas are written as text.

Excel, WPS and LibreOffice treat a cell starting with ``= + - @`` (or a tab/CR before them) as a
formula, so a name such as ``=cmd|' /C calc'!A0`` in a downloaded CSV could run a command on
the reader's machine (OWASP "CSV injection"). Such cells get a leading apostrophe, which the
spreadsheet shows as text. Numbers (``-1.5``) are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{key: safe_cell(value) for key, value in row.items()} for row in rows]
