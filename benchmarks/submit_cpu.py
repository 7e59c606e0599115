"""CPU cost of one survey submission in the service, without HTTP (``submit_response``).

Run: ``.venv/bin/python benchmarks/submit_cpu.py --db sqlite`` (or ``--db postgresql``).

It seeds a round with ``--count`` (2,000) + 50 fresh tokens, warms up on 50, then submits the
rest one after another through ``app.domain.fieldwork.submission.submit_response`` and prints
the process CPU time (``time.process_time``: this process's user + system time, so it hardly
moves when other programs load the machine) and the wall time per submission. The peer, in
the same run on the same database: one token lookup (``open_invitation`` on a pooled
connection, read only) per token — the floor for a request that touches the database once.
``--profile`` prints the top functions by own CPU time (cProfile, which inflates Python-heavy
code).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from survey_round import answers, database_url, drop_pg, seed

from app.db.engine import make_engine
from app.domain.fieldwork.lookup import open_invitation
from app.domain.fieldwork.submission import submit_response

WARM_UP = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tianping-cpu-") as tmp:
        url, pg_name = database_url(args.db, Path(tmp))
        try:
            tokens = seed(url, args.count + WARM_UP)
            engine = make_engine(url)
            body = answers()
            for token in tokens[:WARM_UP]:
                submit_response(engine, token=token, answers=body, idempotency_key="warm")
            measured = tokens[WARM_UP:]
            cpu, wall = time.process_time(), time.perf_counter()
            for token in measured:
                with engine.connect() as conn:
                    open_invitation(conn, token)
            peer_cpu = (time.process_time() - cpu) / len(measured)
            profile = cProfile.Profile(time.process_time) if args.profile else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profile is not None:
                profile.enable()
            for i, token in enumerate(measured):
                submit_response(engine, token=token, answers=body, idempotency_key=f"k{i}")
            if profile is not None:
                profile.disable()
            submit_cpu = (time.process_time() - cpu) / len(measured)
            submit_wall = (time.perf_counter() - wall) / len(measured)
            engine.dispose()
        finally:
            drop_pg(pg_name)
    print(
        f"{args.db}: {len(measured)} submissions, CPU {submit_cpu * 1000:.3f} ms each, wall "
        f"{submit_wall * 1000:.3f} ms each; peer (one token lookup) CPU "
        f"{peer_cpu * 1000:.3f} ms → submission/lookup CPU ratio {submit_cpu / peer_cpu:.1f}"
        + (" (profiled: slower)" if profile is not None else "")
    )
    if profile is not None:
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
