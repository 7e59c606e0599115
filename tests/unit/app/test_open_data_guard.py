"""Spreadsheet formula injection guard of the open-data CSV."""

from __future__ import annotations

import pytest

from app.domain.disclosure.open_data import guard_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10", "'+86 10"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("Alpha = Beta", "Alpha = Beta"),
        ("家电", "家电"),
        (-1.5, -1.5),  # numbers are numbers, not formulas
        (None, None),
    ],
)
def test_guard_cell(value: object, expected: object) -> None:
    assert guard_cell(value) == expected
