"""The ``workday_calendar`` setting: a file for years the bundled calendar does not cover."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.config import Settings, load_settings
from app.errors import ConfigurationError
from app.workdays import workday_calendar

# 2027 as a body might publish it before the State Council's notice: weekdays, one holiday.
CAL_2027 = "years: [2027]\nholidays:\n  - [2027-01-01, 2027-01-01]\nworkdays: []\n"


def test_setting_is_read_from_environment_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "t.toml"
    cfg.write_text(f'workday_calendar = "{tmp_path / "a.yaml"}"\n', encoding="utf-8")
    assert load_settings(cfg, environ={}).workday_calendar == str(tmp_path / "a.yaml")
    env = {"TIANPING_WORKDAY_CALENDAR": str(tmp_path / "b.yaml")}
    assert load_settings(cfg, environ=env).workday_calendar == str(tmp_path / "b.yaml")
    assert load_settings(environ={}).workday_calendar == ""


def test_unset_means_the_bundled_calendar() -> None:
    bundled = workday_calendar(Settings())
    assert 2026 in bundled.years
    assert not bundled.is_workday(dt.date(2026, 10, 1))  # National Day


def test_a_configured_file_replaces_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "cal2027.yaml"
    path.write_text(CAL_2027, encoding="utf-8")
    cal = workday_calendar(Settings(workday_calendar=str(path)))
    assert cal.years == (2027,)
    assert not cal.is_workday(dt.date(2027, 1, 1))
    assert cal.is_workday(dt.date(2027, 1, 4))


@pytest.mark.parametrize("content", [None, "years: [twenty]\n"])
def test_an_unreadable_or_malformed_file_is_named(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "bad.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"workday_calendar '.*bad\.yaml'"):
        workday_calendar(Settings(workday_calendar=str(path)))
