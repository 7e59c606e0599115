"""A survey submitter to be killed by a test.

Run as ``python -m tests.integration.faults.submitter URL TOKENS ACKS``.

Submits every token of the TOKENS file (one per line) through the fieldwork service from four
threads, and appends each receipt to ACKS only after ``submit_response`` returned (i.e. after
the commit): the test kills this process with SIGKILL mid-way and then checks that every receipt
in ACKS is in the database, and that nothing half-written is.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from app.db.engine import make_engine
from app.domain.fieldwork.submission import submit_response
from tests.integration.survey.builders import full_answers

THREADS = 4


def main(url: str, tokens_path: str, acks_path: str) -> None:
    engine = make_engine(url)
    tokens = Path(tokens_path).read_text(encoding="utf-8").split()
    # O_APPEND: each receipt line is one write() the kernel appends whole, whichever thread.
    acks = os.open(acks_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    lock = threading.Lock()
    position = iter(range(len(tokens)))

    def work() -> None:
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            answers = full_answers(1 + index % 5)
            receipt = submit_response(
                engine, token=tokens[index], answers=answers, idempotency_key=f"kill-{index}"
            )
            os.write(acks, f"{receipt.receipt}\n".encode())

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main(*sys.argv[1:4])
