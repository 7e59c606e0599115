"""Validation of one registry row; every rule adds a :class:`~sampling.rows.Problem`.

All rules run on every row (a user fixing a file wants every problem at once, not the first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from sampling.fields import normalise_email, normalise_phone, parse_timestamp
from sampling.rows import (
    COMPLAINT_CLASSES,
    COMPLAINT_VALUES,
    TIMESTAMP_COLUMNS,
    CaseRow,
    ComplaintClass,
    Problem,
    ProblemCode,
    RegistryOptions,
)
from sampling.sources import Cell


def cell_text(cell: Cell) -> str:
    """Cell as stripped text (spreadsheet dates as ISO 8601)."""
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return cell.strip()


class RowChecker:
    """Turns raw cells into a :class:`CaseRow`, or reports why not.

    ``seen`` (case id -> first line) is shared with the caller so duplicates are found across
    the whole file; ``report`` receives every problem.
    """

    def __init__(
        self,
        columns: dict[str, tuple[int, str]],
        options: RegistryOptions,
        tz: tzinfo,
        seen: dict[str, int],
        report: Callable[[Problem], None],
    ) -> None:
        self._columns = columns
        self._known = options.known_enterprises
        self._tz = tz
        self._seen = seen
        self._report = report
        self._strata = [columns[name] for name in options.stratum_columns]
        self._optional = {name: columns[name] for name in columns if name in _OPTIONAL_READERS}

    def check(self, line: int, cells: list[Cell]) -> CaseRow | None:
        self._bad = False
        self._line = line
        self._cells = cells
        case_id = self._required("case_id", ProblemCode.MISSING_CASE_ID)
        if case_id:
            first = self._seen.get(case_id)
            if first is None:
                self._seen[case_id] = line
            else:
                self._problem(
                    "case_id",
                    ProblemCode.DUPLICATE_CASE_ID,
                    f"case_id {case_id!r} already appears on line {first}; keep one row per case",
                )
        enterprise = self._required("enterprise", ProblemCode.MISSING_ENTERPRISE)
        if enterprise and self._known is not None and enterprise not in self._known:
            self._problem(
                "enterprise",
                ProblemCode.UNKNOWN_ENTERPRISE,
                f"enterprise {enterprise!r} is not registered in this round; "
                "correct the code or register the enterprise first",
            )
        strata = tuple(self._stratum(index, header) for index, header in self._strata)
        values = {name: _OPTIONAL_READERS[name](self, name) for name in self._optional}
        self._check_order(values)
        if self._bad:
            return None
        return CaseRow(line, case_id, enterprise, strata, **values)  # type: ignore[arg-type]

    def _text(self, name: str) -> str:
        index = self._columns[name][0]
        return cell_text(self._cells[index]) if index < len(self._cells) else ""

    def _problem(self, name: str, code: ProblemCode, message: str) -> None:
        self._bad = True
        self._report(Problem(self._line, self._columns[name][1], code, message))

    def _required(self, name: str, code: ProblemCode) -> str:
        value = self._text(name)
        if not value:
            self._problem(name, code, f"{name} is empty; every case needs one")
        return value

    def _stratum(self, index: int, header: str) -> str:
        value = cell_text(self._cells[index]) if index < len(self._cells) else ""
        if not value:
            self._bad = True
            self._report(
                Problem(
                    self._line,
                    header,
                    ProblemCode.MISSING_STRATUM,
                    f"stratum column {header!r} is empty; fill it in (every case needs a stratum)",
                )
            )
        return value

    def _timestamp(self, name: str) -> datetime | None:
        index = self._columns[name][0]
        cell = self._cells[index] if index < len(self._cells) else ""
        if isinstance(cell, datetime):
            return cell if cell.tzinfo else cell.replace(tzinfo=self._tz)
        text = cell.strip()
        if not text:
            return None
        try:
            return parse_timestamp(text, self._tz)
        except ValueError:
            self._problem(
                name,
                ProblemCode.BAD_TIMESTAMP,
                f"{text!r} is not a date-time; write 2025-03-01 14:30[:00], 2025/03/01 14:30 "
                "or ISO 8601 (2025-03-01T14:30:00+08:00)",
            )
            return None

    def _phone(self, name: str) -> str | None:
        text = self._text(name)
        if not text:
            return None
        try:
            return normalise_phone(text)
        except ValueError as exc:
            # The value itself is personal data: the message names the line, never the number.
            self._problem(name, ProblemCode.BAD_PHONE, f"malformed phone number: {exc}")
            return None

    def _email(self, name: str) -> str | None:
        text = self._text(name)
        if not text:
            return None
        try:
            return normalise_email(text)
        except ValueError as exc:
            self._problem(name, ProblemCode.BAD_EMAIL, f"malformed e-mail: {exc}")
            return None

    def _complaint(self, name: str) -> bool | None:
        text = self._text(name)
        if not text:
            return None
        value = COMPLAINT_VALUES.get(text.lower())
        if value is None:
            self._problem(name, ProblemCode.BAD_COMPLAINT, f"{text!r} is not 0 or 1")
        return value

    def _complaint_class(self, name: str) -> ComplaintClass | None:
        text = self._text(name)
        if not text:
            return None
        value = COMPLAINT_CLASSES.get(text.lower())
        if value is None:
            self._problem(
                name,
                ProblemCode.BAD_COMPLAINT_CLASS,
                f"{text!r} is not a complaint class; use general, complex or urgent",
            )
        return value

    def _outcome(self, name: str) -> str | None:
        return self._text(name) or None

    def _check_order(self, values: dict[str, object]) -> None:
        opened = values.get("opened_at")
        if not isinstance(opened, datetime):
            return
        for name, code in (
            ("resolved_at", ProblemCode.RESOLVED_BEFORE_OPENED),
            ("first_response_at", ProblemCode.RESPONSE_BEFORE_OPENED),
        ):
            later = values.get(name)
            if isinstance(later, datetime) and later < opened:
                opened_header = self._columns["opened_at"][1]
                self._problem(
                    name,
                    code,
                    f"{name} {later.isoformat()} is before {opened_header} "
                    f"{opened.isoformat()}; check both times",
                )


_OPTIONAL_READERS: dict[str, Callable[[RowChecker, str], object]] = {
    **dict.fromkeys(TIMESTAMP_COLUMNS, RowChecker._timestamp),
    "phone": RowChecker._phone,
    "email": RowChecker._email,
    "complaint": RowChecker._complaint,
    "complaint_class": RowChecker._complaint_class,
    "outcome": RowChecker._outcome,
}
