"""Validation of one registry row; every rule adds a :class:`~sampling.rows.Problem`.

All rules run on every row (a user fixing a file wants every problem at once, not the first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from sampling.fields import normalise_email, normalise_phone, parse_timestamp
from sampling.rows import (
    CATEGORY_MAX,
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
        self._later_slots = tuple(
            _SLOT[name] for name in TIMESTAMP_COLUMNS[1:] if name in self._optional
        )
        self._times: dict[str, datetime] = {}
        self._fast = _compile_fast(self)

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

    def _extended(self, name: str) -> bool | None:
        text = self._text(name)
        if not text:
            return None
        value = COMPLAINT_VALUES.get(text.lower())
        if value is None:
            self._problem(
                name,
                ProblemCode.BAD_EXTENDED,
                f"{text!r} is not 0 or 1 (1: closure extended with the consumer's consent)",
            )
        return value

    def _category(self, name: str) -> str | None:
        text = self._text(name)
        if len(text) > CATEGORY_MAX:
            self._problem(
                name,
                ProblemCode.CATEGORY_TOO_LONG,
                f"the complaint category has {len(text)} characters; shorten it to at most "
                f"{CATEGORY_MAX}",
            )
            return None
        return text or None

    def _outcome(self, name: str) -> str | None:
        return self._text(name) or None

    def _check_order(self, values: dict[str, object]) -> None:
        opened = values.get("opened_at")
        if not isinstance(opened, datetime):
            return
        for name, code in _BEFORE_OPENED:
            later = values.get(name)
            if isinstance(later, datetime) and later < opened:
                opened_header = self._columns["opened_at"][1]
                self._problem(
                    name,
                    code,
                    f"{name} {later.isoformat()} is before {opened_header} "
                    f"{opened.isoformat()}; check both times",
                )


# Each timestamp that must not precede opened_at, with its problem code (reported in this order).
_BEFORE_OPENED = (
    ("resolved_at", ProblemCode.RESOLVED_BEFORE_OPENED),
    ("first_response_at", ProblemCode.RESPONSE_BEFORE_OPENED),
    ("assessed_at", ProblemCode.ASSESSED_BEFORE_OPENED),
    ("followed_up_at", ProblemCode.FOLLOWED_UP_BEFORE_OPENED),
    ("closed_at", ProblemCode.CLOSED_BEFORE_OPENED),
)
_TIME, _PHONE, _EMAIL, _COMPLAINT, _CLASS, _TEXT, _CATEGORY = range(7)
_KIND = {
    **dict.fromkeys(TIMESTAMP_COLUMNS, _TIME),
    "phone": _PHONE,
    "email": _EMAIL,
    "complaint": _COMPLAINT,
    "extended": _COMPLAINT,  # same 0/1 spellings; only the full path's message differs
    "complaint_class": _CLASS,
    "outcome": _TEXT,
    "category": _CATEGORY,
}
# Position of each optional value after (line, case_id, enterprise, strata) in CaseRow.
_SLOT = {name: CaseRow._fields.index(name) - 4 for name in _KIND}
_OPTIONAL_SLOTS = len(CaseRow._fields) - 4
_OPENED_SLOT = _SLOT["opened_at"]
_TIME_MEMO = 100_000  # distinct timestamp texts remembered (then the memo starts afresh)


def _compile_fast(checker: RowChecker) -> Callable[[int, list[Cell]], CaseRow | None]:
    """The fast path for this file's columns: the row when every value is present and valid,
    else None (nothing reported, so :meth:`RowChecker._check` re-reads the row and reports
    every problem in the usual order).

    Same rules as ``_check`` without its per-cell layers, written out for the file's column
    layout (as :func:`collections.namedtuple` writes its class): a million-row registry is
    mostly valid rows, and a generic loop over the columns was most of an import's parse
    time. Only integer cell indices and slot numbers go into the generated source.
    """
    code = [
        "def fast(line, cells):",
        f"    case_id = cells[{checker._i_case}].strip()",
        f"    enterprise = cells[{checker._i_ent}].strip()",
        "    if not case_id or not enterprise or case_id in seen:",
        "        return None",
    ]
    if checker._known is not None:
        code += ["    if enterprise not in known:", "        return None"]
    names = [f"s{n}" for n in range(len(checker._i_strata))]
    for name, index in zip(names, checker._i_strata, strict=True):
        code += [
            f"    {name} = cells[{index}].strip()",
            f"    if not {name}:",
            "        return None",
        ]
    values = ["None"] * _OPTIONAL_SLOTS
    for slot, index, kind in checker._fast_optional:
        v = values[slot] = f"v{slot}"
        code.append(f"    t = cells[{index}].strip()")
        if kind == _TIME:
            code.append(f"    {v} = (times_get(t) or parse_time(t)) if t else None")
        elif kind == _PHONE:
            code += [
                "    if not t:",
                f"        {v} = None",
                "    elif len(t) == 11 and t[0] == '1' and t[1] in '3456789' and t.isascii()"
                " and t.isdigit():",
                f"        {v} = '+86' + t",
                "    else:",
                f"        {v} = normalise_phone(t)",
            ]
        elif kind == _EMAIL:
            code.append(f"    {v} = normalise_email(t) if t else None")
        elif kind in (_COMPLAINT, _CLASS):
            table = "flags" if kind == _COMPLAINT else "classes"
            code += [
                f"    {v} = {table}.get(t.lower()) if t else None",
                f"    if t and {v} is None:",
                "        return None",
            ]
        elif kind == _CATEGORY:
            code += [f"    if len(t) > {CATEGORY_MAX}:", "        return None"]
            code.append(f"    {v} = t or None")
        else:
            code.append(f"    {v} = t or None")
    opened = values[_OPENED_SLOT]
    if opened != "None":
        later = [values[slot] for slot in checker._later_slots]
        if later:
            code.append(f"    if {opened} is not None:")
            for v in later:
                code += [
                    f"        if {v} is not None and {v} < {opened}:",
                    "            return None",
                ]
    strata = "(" + "".join(f"{n}, " for n in names) + ")"
    code.append(
        f"    return new(CaseRow, (line, case_id, enterprise, {strata}, {', '.join(values)}))"
    )
    scope: dict[str, object] = {
        "seen": checker._seen,
        "known": checker._known,
        "times_get": checker._times.get,
        "parse_time": checker._parse_time,
        "normalise_phone": normalise_phone,
        "normalise_email": normalise_email,
        "flags": COMPLAINT_VALUES,
        "classes": COMPLAINT_CLASSES,
        "new": tuple.__new__,
        "CaseRow": CaseRow,
    }
    exec("\n".join(code), scope)  # noqa: S102 (source built above from integers only)
    return scope["fast"]  # type: ignore[return-value]


_OPTIONAL_READERS: dict[str, Callable[[RowChecker, str], object]] = {
    **dict.fromkeys(TIMESTAMP_COLUMNS, RowChecker._timestamp),
    "phone": RowChecker._phone,
    "email": RowChecker._email,
    "complaint": RowChecker._complaint,
    "complaint_class": RowChecker._complaint_class,
    "outcome": RowChecker._outcome,
    "extended": RowChecker._extended,
    "category": RowChecker._category,
}
