"""The row checker's fast path gives exactly the rows and problems of the full rule set."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.registry import resolve_columns
from sampling.row_check import RowChecker
from sampling.rows import CaseRow, Problem, RegistryOptions
from sampling.sources import Cell

HEADER = [
    "case_id", "enterprise", "channel", "phone", "email", "opened_at", "first_response_at",
    "resolved_at", "complaint", "complaint_class", "outcome", "assessed_at", "followed_up_at",
    "closed_at", "extended", "category",
]  # fmt: skip
OPTIONS = RegistryOptions(stratum_columns=("channel",), known_enterprises=frozenset({"E1", "E2"}))

CELLS = {
    "case_id": ["A1", "A2", " A3 ", "", "A1"],
    "enterprise": ["E1", "E2", "", "E9", " E1"],
    "channel": ["web", "", " store"],
    "phone": ["13812345678", "", "138 1234 5678", "12345", "010-12345678", "+8613912345678",
              "23812345678", "1381234567８"],
    "email": ["", "a@Example.COM", "bad@", " x@y.cn "],
    "opened_at": ["2026-03-01 09:00:00", "", "2026/3/1 9:05", "nope", "2026-03-01T09:00+08:00"],
    "first_response_at": ["2026-03-01 10:00:00", "", "2026-02-28 10:00:00", "2026-03-01 08:00"],
    "resolved_at": ["2026-03-02 10:00:00", "", "2026-02-01 00:00:00", "bad"],
    "complaint": ["0", "1", "", "是", "maybe", "TRUE"],
    "complaint_class": ["", "general", "紧急", "Urgent", "odd"],
    "outcome": ["", "fixed", "  "],
    "assessed_at": ["", "2026-03-01 11:00:00", "2026-02-27 11:00:00", "later"],
    "followed_up_at": ["", "2026-03-05 09:00:00", "2026-03-01 08:59:59"],
    "closed_at": ["", "2026-03-06 18:00:00", "2026-01-01 00:00:00"],
    "extended": ["", "0", "1", "是", "perhaps"],
    "category": ["", "质量问题", " billing ", "x" * 101, "y" * 100],
}  # fmt: skip


def _checker() -> tuple[RowChecker, list[Problem]]:
    columns = resolve_columns(HEADER, {}, OPTIONS.stratum_columns, "t")
    problems: list[Problem] = []
    return RowChecker(columns, OPTIONS, ZoneInfo("Asia/Shanghai"), {}, problems.append), problems


rows_strategy = st.lists(
    st.tuples(*(st.sampled_from(CELLS[name]) for name in HEADER), st.booleans()),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(rows_strategy)
def test_fast_path_equals_full_rules(rows: list[tuple[str | bool, ...]]) -> None:
    fast, fast_problems = _checker()
    full, full_problems = _checker()
    for line, values in enumerate(rows, start=2):
        cells: list[Cell] = [str(v) for v in values[:-1]]
        if values[-1]:
            cells = cells[:-2]  # short rows take the full path
        got: CaseRow | None = fast.check(line, cells)
        want = full._check(line, cells)
        assert got == want
    assert fast_problems == full_problems


def test_fast_path_is_taken_for_valid_rows() -> None:
    checker, problems = _checker()
    cells: list[Cell] = ["A1", "E1", "web", "13812345678", "", "2026-03-01 09:00:00", "", "", "1",
                         "", "", "2026-03-01 10:00", "", "2026-03-04 12:00", "1",
                         "维修"]  # fmt: skip
    row = checker._fast(2, cells)
    assert row is not None
    assert row.phone == "+8613812345678"
    assert (row.extended, row.category, row.followed_up_at) == (True, "维修", None)
    assert row.closed_at is not None
    assert row.closed_at.hour == 12
    assert checker.check(2, cells) == row
    assert checker.check(3, cells) is None  # the duplicate is reported by the full rules
    assert [p.code for p in problems] == ["duplicate_case_id"]
