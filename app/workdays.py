"""The working-day calendar the app counts KPI deadlines with.

A configured file (setting ``workday_calendar``) or else the bundled mainland-China calendar.
Scoring and the complaint analysis refuse dates outside the calendar's years rather than guess,
so a body evaluating a year the bundled file does not cover configures its own file. The file
is read once per process; ``create_app`` reads it at start so a bad file stops the app with a
clear message instead of failing the first scoring job.
"""

from __future__ import annotations

from functools import lru_cache

from app.config import Settings
from app.errors import ConfigurationError
from scoring.calendar import WorkdayCalendar, load_calendar
from scoring.errors import CalendarError


@lru_cache(maxsize=4)
def _load(path: str) -> WorkdayCalendar:
    return load_calendar(path or None)


def workday_calendar(settings: Settings) -> WorkdayCalendar:
    try:
        return _load(settings.workday_calendar)
    except CalendarError as exc:
        raise ConfigurationError(
            f"workday_calendar {settings.workday_calendar!r}: {exc}; fix the file or unset the "
            "setting to use the bundled calendar"
        ) from None
