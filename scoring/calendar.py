"""Working-day calendar with public holidays and make-up working days (调休)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from scoring.errors import CalendarError

DayArray = NDArray[np.datetime64]


@dataclass(frozen=True, slots=True, eq=False)
class WorkdayCalendar:
    """Sorted working days of the covered years (Mon–Fri minus holidays plus make-up days)."""

    years: tuple[int, ...]
    workdays: DayArray  # datetime64[D], sorted

    def is_workday(self, day: dt.date) -> bool:
        self._check(np.array([day], dtype="datetime64[D]"))
        return bool(np.isin(np.datetime64(day, "D"), self.workdays))

    def _check(self, days: DayArray) -> None:
        ok = ~np.isnat(days)
        if not ok.any():
            return
        years = days[ok].astype("datetime64[Y]").astype(int) + 1970
        outside = sorted(set(years.tolist()) - set(self.years))
        if outside:
            raise CalendarError(
                f"working-day calendar covers {list(self.years)}, not {outside}; "
                "supply a calendar file that covers them (`tianping score --calendar`, or the "
                "app's workday_calendar setting)"
            )

    def add_workdays(self, days: DayArray, k: int) -> DayArray:
        """The k-th working day strictly after each day (NaT stays NaT)."""
        d = days.astype("datetime64[D]")
        self._check(d)
        ok = ~np.isnat(d)
        idx = np.searchsorted(self.workdays, d[ok], side="right") + (k - 1)
        if idx.size and idx.max() >= self.workdays.size:
            raise CalendarError("deadline falls beyond the end of the working-day calendar")
        out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        out[ok] = self.workdays[idx]
        return out


def calendar_from_mapping(doc: Any) -> WorkdayCalendar:
    """Build from ``{years: [...], holidays: [[from, to], ...], workdays: [...]}``."""
    try:
        years = tuple(sorted(int(y) for y in doc["years"]))
        # A year's deadlines can spill into the next January, so cover one extra year's weekdays
        # only as far as needed: we stop at the last covered year and let add_workdays fail.
        start = np.datetime64(f"{years[0]}-01-01", "D")
        stop = np.datetime64(f"{years[-1] + 1}-01-01", "D")
        days = np.arange(start, stop, dtype="datetime64[D]")
        weekday = (days.astype(np.int64) - 4) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        work = weekday < 5
        for lo, hi in doc.get("holidays") or ():
            a, b = np.datetime64(str(lo), "D"), np.datetime64(str(hi), "D")
            work &= ~((days >= a) & (days <= b))
        for day in doc.get("workdays") or ():
            work |= days == np.datetime64(str(day), "D")
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise CalendarError(f"malformed working-day calendar: {exc!r}") from exc
    return WorkdayCalendar(years=years, workdays=days[work])


def load_calendar(path: str | Path | None = None) -> WorkdayCalendar:
    """The bundled mainland-China calendar, or a user file of the same YAML shape."""
    if path is None:
        text = resources.files("scoring").joinpath("data/cn_workdays.yaml").read_text("utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CalendarError(f"cannot read calendar {path}: {exc.strerror}") from exc
    return calendar_from_mapping(yaml.safe_load(text))
