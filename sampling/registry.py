"""Case registry (sampling frame): column mapping, row validation, streaming, per-stratum counts.

Usage::

    with open_registry(Path("cases.xlsx"), RegistryOptions(mapping={"工单号": "case_id"})) as reg:
        for batch in reg.batches(5000):      # lists of validated CaseRow tuples
            store(batch)
        report = reg.report()                # counts, problems, SHA-256 of the file
    if not report.ok: roll back and offer write_problems_csv(report.problems, ...)

Only valid rows are yielded. A duplicate ``case_id`` is only known when its second occurrence
is read, after the first was yielded, so a consumer that needs a clean frame (the database
import, a draw) must check :attr:`RegistryReport.ok` after the last row before committing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from sampling.errors import RegistryError
from sampling.fields import zone
from sampling.row_check import RowChecker
from sampling.rows import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    CaseRow,
    ComplaintClass,
    Problem,
    ProblemCode,
    RegistryOptions,
    StratumKey,
)
from sampling.sources import RawRows


@dataclass(frozen=True)
class StratumCount:
    key: StratumKey
    count: int


@dataclass(frozen=True)
class RegistryReport:
    """Outcome of reading a whole registry. ``ok`` when no row was rejected."""

    source: str
    sha256: str
    encoding: str | None
    stratum_columns: tuple[str, ...]
    rows: int
    valid_rows: int
    problem_count: int
    problems: tuple[Problem, ...]
    counts: tuple[StratumCount, ...]

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def invalid_rows(self) -> int:
        return self.rows - self.valid_rows

    def count_table(self) -> dict[StratumKey, int]:
        """Valid cases per ``(enterprise, *stratum values)``."""
        return {item.key: item.count for item in self.counts}


def resolve_columns(
    header: list[str], mapping: Mapping[str, str], stratum_columns: tuple[str, ...], label: str
) -> dict[str, tuple[int, str]]:
    """Our column name -> (cell index, the user's header) for every column we will read."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in positions and (name in mapping or name in stratum_columns):
            raise RegistryError(f"{label}: the header {name!r} appears twice on line 1")
        positions.setdefault(name, index)
    resolved: dict[str, tuple[int, str]] = {}
    for theirs, ours in mapping.items():
        if theirs not in positions:
            raise RegistryError(
                f"{label}: the mapping names the column {theirs!r}, which is not on line 1; "
                f"the headers are: {', '.join(h for h in header if h)}"
            )
        if ours in resolved:
            raise RegistryError(f"{label}: two columns are mapped to {ours!r}; map only one")
        resolved[ours] = (positions[theirs], theirs)
    mapped_sources = set(mapping)
    for ours in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *stratum_columns):
        if ours not in resolved and ours in positions and ours not in mapped_sources:
            resolved[ours] = (positions[ours], ours)
    missing = [c for c in (*REQUIRED_COLUMNS, *stratum_columns) if c not in resolved]
    if missing:
        raise RegistryError(
            f"{label}: no column for {', '.join(missing)}; map one of the headers "
            f"({', '.join(h for h in header if h)}) to it, e.g. --map '工单号=case_id'"
        )
    return resolved


class RegistryStream:
    """Streams validated :class:`CaseRow` tuples from one file; see the module docstring."""

    def __init__(self, source: Path | BinaryIO, options: RegistryOptions) -> None:
        self.options = options
        self._raw = RawRows(source, encoding=options.encoding, sheet=options.sheet)
        self._tz: tzinfo = _zone(options.timezone)
        self._columns: dict[str, tuple[int, str]] = {}
        self._seen: dict[str, int] = {}
        self._counts: dict[StratumKey, int] = {}
        self._problems: list[Problem] = []
        self._problem_count = 0
        self._rows = 0
        self._valid = 0
        self._done = False

    @property
    def label(self) -> str:
        return self._raw.label

    @property
    def bytes_read(self) -> int:
        return self._raw.bytes_read

    @property
    def size(self) -> int | None:
        return self._raw.size

    def __enter__(self) -> RegistryStream:
        self._raw.__enter__()
        try:
            self._columns = resolve_columns(
                self._raw.header, self.options.mapping, self.options.stratum_columns, self.label
            )
        except BaseException:
            self._raw.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._raw.close()

    def __iter__(self) -> Iterator[CaseRow]:
        check = RowChecker(self._columns, self.options, self._tz, self._seen, self._add).check
        counts = self._counts
        rows = valid = 0  # locals, written back at the end: this loop runs a million times
        try:
            for line, cells in self._raw:
                if not any(cells):
                    continue  # blank rows (common at the end of spreadsheets) are not cases
                rows += 1
                row = check(line, cells)
                if row is None:
                    continue
                valid += 1
                key = (row[2], *row[3])  # row.stratum_key without the property call
                counts[key] = counts.get(key, 0) + 1
                yield row
        finally:
            self._rows += rows
            self._valid += valid
        self._done = True

    def batches(self, size: int = 5000) -> Iterator[list[CaseRow]]:
        """Validated rows in lists of at most ``size``, for batched database inserts."""
        batch: list[CaseRow] = []
        for row in self:
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def report(self) -> RegistryReport:
        """The outcome; call after every row has been read."""
        if not self._done:
            raise RuntimeError("report() is available only after every row has been read")
        return RegistryReport(
            source=self.label,
            sha256=self._raw.sha256,
            encoding=self._raw.encoding,
            stratum_columns=self.options.stratum_columns,
            rows=self._rows,
            valid_rows=self._valid,
            problem_count=self._problem_count,
            problems=tuple(self._problems),
            counts=tuple(StratumCount(k, n) for k, n in sorted(self._counts.items())),
        )

    def _add(self, problem: Problem) -> None:
        self._problem_count += 1
        if len(self._problems) < self.options.max_problems:
            self._problems.append(problem)


def _zone(name: str) -> tzinfo:
    try:
        return zone(name)
    except ValueError as exc:
        raise RegistryError(str(exc)) from exc


def open_registry(
    source: Path | BinaryIO, options: RegistryOptions | None = None
) -> RegistryStream:
    """A :class:`RegistryStream` to use in a ``with`` block."""
    return RegistryStream(source, options or RegistryOptions())


def validate_registry(
    source: Path | BinaryIO, options: RegistryOptions | None = None
) -> RegistryReport:
    """Read the whole file, keeping only the report (constant memory in the row count)."""
    with open_registry(source, options) as stream:
        for _ in stream:
            pass
        return stream.report()


def read_registry(
    source: Path | BinaryIO, options: RegistryOptions | None = None
) -> tuple[list[CaseRow], RegistryReport]:
    """Every valid row in memory plus the report (for small files and tests)."""
    with open_registry(source, options) as stream:
        rows = list(stream)
        return rows, stream.report()


__all__ = [
    "CaseRow",
    "ComplaintClass",
    "Problem",
    "ProblemCode",
    "RegistryOptions",
    "RegistryReport",
    "RegistryStream",
    "StratumCount",
    "StratumKey",
    "open_registry",
    "read_registry",
    "resolve_columns",
    "validate_registry",
]
