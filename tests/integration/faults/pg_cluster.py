"""A private PostgreSQL cluster a test may restart, stop and crash at will.

The shared server on 127.0.0.1:5432 is used by every other test, so it is never touched: this
cluster is ``initdb``-ed into its own directory and listens on its own free port (TCP on
127.0.0.1 only, its socket in its own directory). Port and addresses are written into its
``postgresql.conf`` rather than passed on the command line: a later ``pg_ctl start`` does not
reuse command-line options, and a start with the defaults would try port 5432.

PostgreSQL refuses to run as root, so when the tests run as root (CI) every server command
runs as the ``postgres`` OS user, and the directory belongs to it. pytest's own temporary
directories are private to root, hence a directory of our own under ``/tmp``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text

SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
START_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it
TIMEOUT_SECONDS = 30


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding the server, else ``pg_ctl``'s."""
    candidates: list[Path] = []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = [p for p in root.iterdir() if p.name.replace(".", "").isdigit()]
        versions.sort(key=lambda p: [int(part) for part in p.name.split(".")], reverse=True)
        candidates += [p / "bin" for p in versions]
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if all(os.access(directory / name, os.X_OK) for name in SERVER_BINARIES):
            return directory
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> NoReturn:
    # CI installs the server: there a missing one is a broken set-up, not a reason to skip.
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL restart tests: {reason}")
    pytest.skip(reason)


@dataclass
class PgCluster:
    bin_dir: Path
    base: Path  # owned by the server's OS user; holds data/, the socket and the log
    run_as: str | None  # OS user to run the server commands as (when we are root)
    port: int = 0

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command: list[str] = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(
            command,
            cwd=self.base,  # readable by the server's user, unlike root's working directory
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS + 15,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:1] + args[-1:])} failed ({done.returncode}): "
                f"{done.stderr.strip()}\n{self.log_tail()}"
            )
        return done

    def _pg_ctl(self, action: str, *options: str, check: bool = True) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(TIMEOUT_SECONDS),
            *options,
            action,
            check=check,
        )

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",  # a throw-away cluster: the OS crashing is not what is tested
        )

    def _configure(self, port: int) -> None:
        settings = {
            "port": str(port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.base}'",
            "max_connections": "50",
            "shared_buffers": "16MB",
            "logging_collector": "off",
            # Commits still reach the kernel before they are acknowledged, so a server crash
            # (``-m immediate``) loses nothing; only an OS crash would. Without it crash
            # recovery fsyncs the whole data directory: seconds on a busy CI disk.
            "fsync": "off",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# tests/integration/faults/pg_cluster.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.port = port

    def start(self) -> None:
        if self.port:
            self._pg_ctl("start")
            return
        for attempt in range(START_ATTEMPTS):
            self._configure(free_port())  # later lines win over earlier ones
            try:
                self._pg_ctl("start")
                return
            except RuntimeError:
                if attempt == START_ATTEMPTS - 1:
                    raise

    def restart(self, mode: str) -> None:
        self._pg_ctl("restart", "-m", mode)

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        self._pg_ctl("stop", "-m", mode, check=check)

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url(name)


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("tests run as root but there is no 'postgres' OS user to run PostgreSQL as")
    if shutil.which("runuser") is None:
        _unavailable("tests run as root but 'runuser' is missing (util-linux)")
    return "postgres"


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[PgCluster]:
    """A running private cluster (trust auth, user ``postgres``), removed after the module."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _unavailable(
            "the PostgreSQL server binaries (initdb, pg_ctl) are not installed: "
            "apt-get install postgresql"
        )
    run_as = _server_user()
    # Under /tmp when the server runs as another user: $TMPDIR may be private to root.
    base = Path(tempfile.mkdtemp(prefix="tianping-pg-", dir="/tmp" if run_as else None))
    if run_as is not None:
        shutil.chown(base, user=run_as, group=None)
    cluster = PgCluster(bin_dir=bin_dir, base=base, run_as=run_as)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop("immediate", check=False)
        shutil.rmtree(base, ignore_errors=True)
