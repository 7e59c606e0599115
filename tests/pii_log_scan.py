"""Pytest plugin: after the whole run, no log line may contain a phone number or an e-mail.

Every log record emitted during the session goes to one file under the run's temporary
directory (a handler on the root logger at DEBUG; the application's ``tianping`` loggers are
opened down to DEBUG too, libraries keep their own levels). Any ``*.log`` file written under
that directory counts as well. At the end the files are scanned for Chinese mobile numbers (in
the formats the fixtures use: bare, ``+86``/``0086`` prefixed, spaced or dashed) and e-mail
addresses; a hit fails the run (exit status 1) naming file and line. The hit itself is shown
masked, so the report does not leak what it found.

Loaded from ``tests/conftest.py``; ``-p no:tests.pii_log_scan`` turns it off for a local run.
"""

from __future__ import annotations

import logging
import logging.config
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.pii import mask_email, mask_phone

# Letters or digits right before/after would make it part of a hash, a token or a longer number.
PHONE = re.compile(r"(?<![0-9A-Za-z])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])")
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
# Loggers of the tests' own fake servers: a mail server logs the recipients it was sent to,
# which is its job, not a leak of ours.
_FOREIGN_LOGGERS = ("mail.log",)
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} {self.masked}"


def scan_text(text: str, path: Path) -> list[Finding]:
    found: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found.extend(Finding(path, number, "phone", mask_phone(m)) for m in PHONE.findall(line))
        found.extend(Finding(path, number, "e-mail", mask_email(m)) for m in EMAIL.findall(line))
    return found


def scan_files(paths: list[Path]) -> list[Finding]:
    found: list[Finding] = []
    for path in paths:
        found.extend(scan_text(path.read_text(encoding="utf-8", errors="replace"), path))
    return found


class _NotForeign(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(_FOREIGN_LOGGERS)


class LogScan:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.file = directory / "all-records.log"
        self.handler = logging.FileHandler(self.file, encoding="utf-8", delay=False)
        self.handler.setLevel(logging.DEBUG)
        self.handler.setFormatter(logging.Formatter(_FORMAT))
        self.handler.addFilter(_NotForeign())
        self.findings: list[Finding] = []

    def attach(self) -> None:
        root = logging.getLogger()
        if self.handler not in root.handlers:
            root.addHandler(self.handler)
        app_logger = logging.getLogger("tianping")
        if app_logger.level == logging.NOTSET or app_logger.level > logging.DEBUG:
            app_logger.setLevel(logging.DEBUG)

    def finish(self) -> list[Finding]:
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()
        logs = sorted({self.file, *self.directory.rglob("*.log")})
        self.findings = scan_files([p for p in logs if p.is_file()])
        return self.findings


_KEY = pytest.StashKey[LogScan]()


def _directory(config: pytest.Config) -> Path:
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        return Path(factory.mktemp("log-scan", numbered=True))
    return Path(tempfile.mkdtemp(prefix="tianping-log-scan-"))


def pytest_sessionstart(session: pytest.Session) -> None:
    scan = LogScan(_directory(session.config))
    scan.attach()
    session.config.stash[_KEY] = scan
    # The web app (Litestar) configures logging with dictConfig whenever one is created, which
    # replaces the root logger's handlers: put ours back right after every such call.
    original = logging.config.dictConfig

    def dict_config_keeping_scan(config: dict[str, Any]) -> None:
        original(config)
        scan.attach()

    logging.config.dictConfig = dict_config_keeping_scan
    session.config.add_cleanup(lambda: setattr(logging.config, "dictConfig", original))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # A test or library may reconfigure logging (dictConfig drops root handlers): re-attach.
    scan = item.config.stash.get(_KEY, None)
    if scan is not None:
        scan.attach()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    scan = session.config.stash.get(_KEY, None)
    if scan is None:
        return
    if scan.finish() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    scan = terminalreporter.config.stash.get(_KEY, None)
    if scan is None:
        return
    if not scan.findings:
        terminalreporter.write_line(f"personal-data log scan: clean ({scan.directory})")
        return
    terminalreporter.section("personal data found in logs", red=True, bold=True)
    for finding in scan.findings[:50]:
        terminalreporter.write_line(str(finding))
    if len(scan.findings) > 50:
        terminalreporter.write_line(f"… and {len(scan.findings) - 50} more")
