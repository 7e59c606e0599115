"""Files the sampling library writes: the sample, the error report; all-or-nothing.

Every writer goes through :func:`atomic_text`, which writes a temporary file next to the
target and renames it over the target only when everything was written — a crash or an
error half-way never leaves a truncated sample that someone might field.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sampling.draw import DrawResult
from sampling.errors import SamplingError
from sampling.rows import Problem

SAMPLE_FIXED_COLUMNS = ("case_id", "enterprise")
PROBLEM_COLUMNS = ("line", "column", "code", "message")


@contextmanager
def atomic_text(path: Path, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text file that appears at ``path`` only if the ``with`` block succeeds."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_sample_csv(result: DrawResult, path: Path) -> int:
    """Write ``case_id, enterprise, <stratum columns>, selection_number, rank``.

    Contact columns are never written: the sample goes to fieldwork staff, who reach
    consumers through the app's invitations, not through a spreadsheet of phone numbers.
    """
    header = [*SAMPLE_FIXED_COLUMNS, *result.record.stratum_columns, "selection_number", "rank"]
    count = 0
    with atomic_text(path) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for case in result.cases():
            writer.writerow([case.case_id, *case.stratum, repr(case.selection_number), case.rank])
            count += 1
    return count


def write_problems_csv(problems: Iterable[Problem], path: Path) -> int:
    """The downloadable error report (UTF-8 with BOM so Excel shows Chinese headers)."""
    count = 0
    with atomic_text(path, encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(PROBLEM_COLUMNS)
        for problem in problems:
            writer.writerow([problem.line, problem.column, problem.code.value, problem.message])
            count += 1
    return count


def read_sample_ids(path: Path) -> list[str]:
    """The ``case_id`` column of a sample CSV written by :func:`write_sample_csv`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "case_id" not in reader.fieldnames:
                raise SamplingError(f"{path.name}: line 1 has no case_id column; is it a sample?")
            return [row["case_id"] for row in reader]
    except OSError as exc:
        raise SamplingError(f"{path.name}: cannot read the sample ({exc.strerror})") from exc
