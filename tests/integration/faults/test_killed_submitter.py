"""A process submitting surveys is killed with SIGKILL mid-way: nothing partial, nothing lost.

The child (``submitter.py``) submits through the fieldwork service from four threads and logs
each receipt after the commit returned. SIGKILL gives it no chance to clean up: transactions in
flight die with their connections (SQLite rolls back a hot journal/WAL frame on the next open;
PostgreSQL aborts the backend's transaction). Afterwards every logged receipt must be stored,
every stored response must be whole, and the remaining tokens must still be usable.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from app.domain.fieldwork.submission import submit_response
from tests.integration.faults.checks import assert_submissions_whole
from tests.integration.survey.builders import fieldwork_round, full_answers

ROOT = Path(__file__).resolve().parents[3]


def _acks(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {line for line in path.read_text(encoding="utf-8").splitlines() if line}


def test_sigkill_mid_submission_leaves_no_partial_data_and_loses_nothing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    _, issued = fieldwork_round(engine, enterprises=5, cases_per_stratum=20)  # 200 tokens
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("\n".join(i.token for i in issued), encoding="utf-8")
    acks = tmp_path / "acks.txt"
    command = [sys.executable, "-m", "tests.integration.faults.submitter", database_url]
    child = subprocess.Popen(
        [*command, str(tokens), str(acks)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 120
        while len(_acks(acks)) < 40:
            assert child.poll() is None, f"the submitter exited early ({child.returncode})"
            assert time.monotonic() < deadline, "the submitter made no progress"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)  # in the middle of the stream: 4 threads in flight
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    acknowledged = _acks(acks)
    assert 40 <= len(acknowledged) < len(issued), "the kill did not land mid-way"

    stored = assert_submissions_whole(engine, acknowledged)
    assert stored - len(acknowledged) <= 4  # at most the commits whose log line was cut off

    # No manual step: the next process submits the remaining tokens (and replays the rest).
    done = 0
    for index, invitation in enumerate(issued):
        receipt = submit_response(
            engine,
            token=invitation.token,
            answers=full_answers(1 + index % 5),
            idempotency_key=f"after-{index}",
        )
        done += not receipt.replayed
    assert done == len(issued) - stored
    assert assert_submissions_whole(engine, acknowledged) == len(issued)
