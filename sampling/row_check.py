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
        # Fast path (see :meth:`_fast`): cell indices and the CaseRow slot of each optional.
        self._i_case = columns["case_id"][0]
        self._i_ent = columns["enterprise"][0]
        self._i_strata = tuple(index for index, _ in self._strata)
        self._fast_optional = tuple(
            (_SLOT[name], index, _KIND[name]) for name, (index, _) in self._optional.items()
        )
        self._width = 1 + max(index for index, _ in columns.values())
        self._has_order = "opened_at" in self._optional
        self._times: dict[str, datetime] = {}

    def check(self, line: int, cells: list[Cell]) -> CaseRow | None:
        if len(cells) >= self._width:
            try:
                row = self._fast(line, cells)
            except (AttributeError, ValueError):  # a spreadsheet cell or a bad value
                row = None
            if row is not None:
                self._seen[row.case_id] = line
                return row
        return self._check(line, cells)

    def _fast(self, line: int, cells: list[Cell]) -> CaseRow | None:
        """The row when every value is present and valid, else None (nothing reported, so
        :meth:`_check` re-reads it and reports every problem in the usual order).

        Same rules as :meth:`_check` without its per-cell layers: a million-row registry is
        mostly valid rows, and these ~2 µs per row are most of an import's parse time.
        """
        case_id = cells[self._i_case].strip()  # type: ignore[union-attr]
        enterprise = cells[self._i_ent].strip()  # type: ignore[union-attr]
        if not case_id or not enterprise or case_id in self._seen:
            return None
        if self._known is not None and enterprise not in self._known:
            return None
        strata = tuple([cells[i].strip() for i in self._i_strata])  # type: ignore[union-attr]
        if not all(strata):
            return None
        slots: list[object] = [None] * 8
        for slot, index, kind in self._fast_optional:
            text = cells[index].strip()  # type: ignore[union-attr]
            if not text:
                continue
            if kind == _TIME:
                moment = self._times.get(text)
                if moment is None:
                    moment = self._parse_time(text)
                slots[slot] = moment
            elif kind == _PHONE:
                if len(text) == 11 and text.isascii() and text.isdigit() and text[1] in "3456789":
                    slots[slot] = ("+86" + text) if text[0] == "1" else normalise_phone(text)
                else:
                    slots[slot] = normalise_phone(text)
            elif kind == _EMAIL:
                slots[slot] = normalise_email(text)
            elif kind == _COMPLAINT:
                flag = COMPLAINT_VALUES.get(text.lower())
                if flag is None:
                    return None
                slots[slot] = flag
            elif kind == _CLASS:
                cls = COMPLAINT_CLASSES.get(text.lower())
                if cls is None:
                    return None
                slots[slot] = cls
            else:
                slots[slot] = text
        if self._has_order:
            opened = slots[2]
            if opened is not None:
                for later in (slots[3], slots[4]):
                    if later is not None and later < opened:  # type: ignore[operator]
                        return None
        return CaseRow(line, case_id, enterprise, strata, *slots)  # type: ignore[arg-type]

    def _parse_time(self, text: str) -> datetime:
        """:func:`parse_timestamp` with a memo: registries repeat the same minutes a lot."""
        moment = parse_timestamp(text, self._tz)
        if len(self._times) >= _TIME_MEMO:
            self._times.clear()
        self._times[text] = moment
        return moment

    def _check(self, line: int, cells: list[Cell]) -> CaseRow | None:
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


_TIME, _PHONE, _EMAIL, _COMPLAINT, _CLASS, _TEXT = range(6)
_KIND = {
    **dict.fromkeys(TIMESTAMP_COLUMNS, _TIME),
    "phone": _PHONE,
    "email": _EMAIL,
    "complaint": _COMPLAINT,
    "complaint_class": _CLASS,
    "outcome": _TEXT,
}
# Position of each optional value after (line, case_id, enterprise, strata) in CaseRow.
_SLOT = {name: CaseRow._fields.index(name) - 4 for name in _KIND}
_TIME_MEMO = 100_000  # distinct timestamp texts remembered (then the memo starts afresh)

_OPTIONAL_READERS: dict[str, Callable[[RowChecker, str], object]] = {
    **dict.fromkeys(TIMESTAMP_COLUMNS, RowChecker._timestamp),
    "phone": RowChecker._phone,
    "email": RowChecker._email,
    "complaint": RowChecker._complaint,
    "complaint_class": RowChecker._complaint_class,
    "outcome": RowChecker._outcome,
}
