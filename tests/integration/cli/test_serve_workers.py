"""``tianping serve --workers N``: each worker listens on its own socket (SO_REUSEPORT), so
the kernel spreads connections across them; a port in use is one clear error."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

TIANPING = [sys.executable, "-m", "app.cli"]
LISTEN = "0A"  # TCP state in /proc/net/tcp


def _env(data_dir: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TIANPING_")}
    return {**base, "TIANPING_DATA_DIR": str(data_dir)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == LISTEN and int(local.split(":")[1], 16) == port:
            inodes.add(inode)
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    done = subprocess.run(
        [*TIANPING, "db", "upgrade"], env=_env(tmp_path), capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.fixture
def server(migrated: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    proc = subprocess.Popen(
        [*TIANPING, "serve", "--port", str(port), "--workers", "2"],
        env=_env(migrated),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                    pass
                if len(_listening_inodes(port)) == 2:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        yield proc, port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT (Linux)")
def test_each_worker_listens_on_its_own_socket(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = server
    listening = _listening_inodes(port)
    owners = {
        child: _socket_inodes(child) & listening
        for child in _children(proc.pid)
        if _socket_inodes(child) & listening
    }
    assert len(owners) == 2, owners  # two worker processes …
    first, second = owners.values()
    assert len(first) == len(second) == 1
    assert first != second  # … each with a socket of its own
    assert not _socket_inodes(proc.pid) & listening  # the parent only reserves the address
    for _ in range(20):  # both serve: every new connection is answered
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            assert r.status == 200


def test_a_port_in_use_is_one_clear_error(
    server: tuple[subprocess.Popen[str], int], migrated: Path
) -> None:
    _, port = server
    other = subprocess.run(
        [*TIANPING, "serve", "--port", str(port), "--workers", "2"],
        env=_env(migrated),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in other.stderr
    assert "Traceback" not in other.stderr
