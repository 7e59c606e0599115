"""Issue #9 item 7 (import half): a registry import whose process is SIGKILLed mid-way leaves
no partial data, its worker process does not linger, and a re-run imports cleanly."""

from __future__ import annotations

import base64
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select as sql_select

from app.db.engine import read_session
from app.db.models import CaseRegistry, EvaluationRound, ServiceCase
from app.domain.audit.chain import verify_chain
from app.domain.registry.pipeline import PARALLEL_MIN_BYTES
from app.domain.rounds.lifecycle import RoundState
from tests.integration.registry.test_import import FOLLOW_UP_MAPPING, _big_registry, _round

pytestmark = pytest.mark.slow

ROWS = 100_000  # ~11 MiB: large enough for the worker-process path and several batches
TIANPING = str(Path(sys.executable).with_name("tianping"))


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TIANPING_DATABASE_URL": url,
        "TIANPING_DATA_DIR": str(data_dir),
        "TIANPING_PII_KEYS": f"t1:{base64.b64encode(b'k' * 32).decode()}",
        "TIANPING_PII_ACTIVE_KEY": "t1",
        "TIANPING_CONTACT_HASH_KEY": base64.b64encode(b"h" * 32).decode(),
        "TIANPING_SECRET_KEY": "s" * 40,
    }


def _command(path: Path) -> list[str]:
    maps = [a for k, v in FOLLOW_UP_MAPPING.items() for a in ("--map", f"{k}={v}")]
    return [TIANPING, "registry", "import", str(path), "--round", "R1", *maps]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # a zombie has exited; only its parent's reaping is left


def _kill_once_inserting(proc: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL the CLI once its progress signal says batches are in the open transaction
    (a line is printed after each batch is written); returns its worker's pid(s)."""
    assert proc.stderr is not None
    deadline = time.monotonic() + 300
    lines: list[bytes] = []
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([proc.stderr], [], [], 1.0)
        if ready:
            line = proc.stderr.readline()
            lines.append(line)
            if b"batches written" in line:
                break
    assert lines, proc.poll()
    assert b"batches written" in lines[-1], (lines, proc.poll())
    workers = _children(proc.pid)
    assert workers, "the import of a file this size runs a reading/encrypting worker"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL
    return workers


def _counts(engine: Engine) -> tuple[int, int]:
    with read_session(engine) as s:
        cases = s.exec(sql_select(func.count()).select_from(ServiceCase)).one()
        registries = s.exec(sql_select(func.count()).select_from(CaseRegistry)).one()
    return int(cases), int(registries)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sigkill_mid_import_leaves_nothing_and_a_rerun_imports(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    rid = _round(engine)
    path = _big_registry(tmp_path, ROWS)
    assert path.stat().st_size >= PARALLEL_MIN_BYTES  # the worker-process path is exercised
    env = _env(database_url, tmp_path)

    with subprocess.Popen(
        _command(path), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as proc:
        workers = _kill_once_inserting(proc)

    # The worker notices the importer is gone at its next write and exits by itself.
    deadline = time.monotonic() + 60
    while not all(_gone(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(_gone(w) for w in workers), "the worker outlived the killed import"

    assert _counts(engine) == (0, 0)
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        assert rnd.state == RoundState.PLAN_FROZEN

    rerun = subprocess.run(_command(path), env=env, capture_output=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    assert f"imported {ROWS} cases".encode() in rerun.stdout
    assert _counts(engine) == (ROWS, 1)
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        assert rnd.state == RoundState.SAMPLING
        assert verify_chain(s).ok
