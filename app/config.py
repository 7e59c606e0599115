"""Settings, read once from ``TIANPING_*`` environment variables and an optional TOML file.

Precedence: environment over file over defaults. Unknown keys in either source are an error
(a typo such as ``TIANPING_DATABSE_URL`` must not silently fall back to the default database).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from app.errors import ConfigurationError

ENV_PREFIX = "TIANPING_"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
# Variables that share the prefix but are not settings of the running app.
_NOT_SETTINGS = frozenset({"TIANPING_CONFIG", "TIANPING_TEST_POSTGRES_URL", "TIANPING_DEBUG"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime configuration. See the README's configuration reference for each key."""

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str = ""
    pii_keys: str = ""
    pii_active_key: str = ""
    contact_hash_key: str = ""
    log_level: str = "INFO"
    retention_days: int = 365
    # Where the public verification pages live; printed in reports' QR codes.
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    # Host names the app answers to (comma-separated; "*.example.org" for subdomains). Empty:
    # in production only the host of a configured public_base_url, otherwise any host.
    allowed_hosts: str = ""
    # Largest evidence file an enterprise may upload with a rectification plan (10 MiB).
    evidence_max_bytes: int = 10 * 1024 * 1024
    # Working-day calendar (YAML, see scoring/data/cn_workdays.yaml) for KPI deadlines; empty:
    # the bundled mainland-China one. Needed for rounds in years the bundled file lacks.
    workday_calendar: str = ""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tianping.sqlite3').as_posix()}"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def host_allowlist(self) -> list[str]:
        """Hosts for Litestar's AllowedHostsConfig; empty means no restriction."""
        if self.allowed_hosts.strip():
            return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        # The development default of public_base_url names no real host: no restriction then.
        if self.is_production and self.public_base_url != DEFAULT_PUBLIC_BASE_URL:
            parts = urlsplit(self.public_base_url)
            # Browsers send the port in Host when it is not the scheme's default, and Litestar
            # compares the whole header: allow "host" and, for such a URL, "host:port".
            hosts = [parts.hostname] if parts.hostname else []
            if parts.hostname and parts.port is not None:
                hosts.append(f"{parts.hostname}:{parts.port}")
            return hosts
        return []


_FIELDS = {f.name: f for f in fields(Settings)}


def _coerce(key: str, raw: object, source: str) -> object:
    if key == "data_dir":
        return Path(str(raw)).expanduser()
    if key == "workday_calendar":
        return str(Path(str(raw)).expanduser()) if str(raw).strip() else ""
    if key == "retention_days":
        try:
            value = int(str(raw))
        except ValueError:
            raise ConfigurationError(
                f"{source}: retention_days must be a whole number of days, got {raw!r}"
            ) from None
        if value < 1:
            raise ConfigurationError(f"{source}: retention_days must be at least 1, got {value}")
        return value
    if key == "evidence_max_bytes":
        try:
            size = int(str(raw))
        except ValueError:
            size = 0
        if size < 1:
            raise ConfigurationError(
                f"{source}: evidence_max_bytes must be a positive number of bytes, got {raw!r}"
            )
        return size
    if key == "allowed_hosts" and isinstance(raw, list):
        return ",".join(str(h) for h in raw)  # TOML may give a list
    if key == "env" and raw not in ("development", "production"):
        raise ConfigurationError(
            f"{source}: env must be 'development' or 'production', got {raw!r}"
        )
    return str(raw)


def _from_mapping(values: Mapping[str, object], source: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, raw in values.items():
        if key not in _FIELDS:
            known = ", ".join(sorted(_FIELDS))
            raise ConfigurationError(f"{source}: unknown setting {key!r}; known settings: {known}")
        out[key] = _coerce(key, raw, source)
    return out


def _from_environment(environ: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_SETTINGS:
            continue
        key = name[len(ENV_PREFIX) :].lower()
        values[key] = raw
    return _from_mapping(values, "environment variable " + ENV_PREFIX + "*")


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from defaults, the TOML file (if any) and the environment."""
    environ = os.environ if environ is None else environ
    if config_file is None and environ.get("TIANPING_CONFIG"):
        config_file = Path(environ["TIANPING_CONFIG"])
    merged: dict[str, object] = {}
    if config_file is not None:
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(f"configuration file {config_file} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"configuration file {config_file}: {exc}") from None
        merged.update(_from_mapping(data, f"configuration file {config_file}"))
    merged.update(_from_environment(environ))
    settings = Settings(**merged)  # type: ignore[arg-type]
    if settings.is_production and not settings.secret_key:
        raise ConfigurationError(
            "env is 'production' but secret_key is empty; set TIANPING_SECRET_KEY to a long "
            "random value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    return settings
