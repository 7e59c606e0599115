"""Settings: precedence, unknown keys and bad values give one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import load_settings
from app.errors import ConfigurationError


def test_defaults_use_sqlite_under_the_data_dir() -> None:
    s = load_settings(environ={})
    assert s.effective_database_url == "sqlite:///data/tianping.sqlite3"
    assert not s.is_production


def test_environment_overrides_file(tmp_path: Path) -> None:
    cfg = tmp_path / "t.toml"
    cfg.write_text('data_dir = "/srv/a"\nretention_days = 30\n', encoding="utf-8")
    s = load_settings(cfg, environ={"TIANPING_DATA_DIR": "/srv/b"})
    assert s.data_dir == Path("/srv/b")
    assert s.retention_days == 30


def test_unknown_environment_key_is_named() -> None:
    with pytest.raises(ConfigurationError, match="unknown setting 'databse_url'"):
        load_settings(environ={"TIANPING_DATABSE_URL": "sqlite://"})


def test_unknown_file_key_is_named(tmp_path: Path) -> None:
    cfg = tmp_path / "t.toml"
    cfg.write_text('colour = "blue"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"t\.toml: unknown setting 'colour'"):
        load_settings(cfg, environ={})


def test_malformed_file_is_reported(tmp_path: Path) -> None:
    cfg = tmp_path / "t.toml"
    cfg.write_text("data_dir = \n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"t\.toml"):
        load_settings(cfg, environ={})


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("TIANPING_RETENTION_DAYS", "soon", "whole number"),
        ("TIANPING_RETENTION_DAYS", "0", "at least 1"),
        ("TIANPING_ENV", "staging", "'development' or 'production'"),
    ],
)
def test_bad_values(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(environ={key: value})


def test_production_needs_a_secret_key() -> None:
    with pytest.raises(ConfigurationError, match="TIANPING_SECRET_KEY"):
        load_settings(environ={"TIANPING_ENV": "production"})


def test_test_only_variables_are_not_settings() -> None:
    load_settings(environ={"TIANPING_TEST_POSTGRES_URL": "postgresql://x", "TIANPING_DEBUG": "1"})
