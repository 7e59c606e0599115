"""Soak test: a steady mixed load on ``tianping serve`` for a long time (default 600 s).

Run: ``.venv/bin/python benchmarks/soak.py`` (PostgreSQL, 2 workers, 600 s); a quick check:
``.venv/bin/python benchmarks/soak.py --duration 30``.

It builds a database holding the demo round, issued with real certificates (a small scale of
the demo: imports, draw, fieldwork, scoring, four-eyes issuance), plus a round in fieldwork
with enough fresh tokens for the run. It starts ``tianping serve --workers N`` with production
settings and runs three wrk load generators at once, each paced (a pause before each request)
so that the load is steady rather than saturating:

* survey submissions (``POST /api/v1/responses``, a distinct token each, 5 % sent twice);
* portal views (``GET /portal/rounds/{id}`` as a logged-in enterprise viewer);
* verification lookups (``GET /verify/{number}`` of an issued certificate).

Every few seconds it samples the resident memory (RSS) of the server's processes. Printed:
per kind, requests, rate and p50/p95/p99 latency; memory first/last/max and its slope over the
run after warm-up (flat means no leak); the error count, which must be 0 (any status other
than the expected ones, any socket error); and the submissions' count check (every
acknowledged receipt stored once and whole). Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parent))

import portal_bench
from submit_load import LUA as SUBMIT_LUA
from submit_load import parse_wrk, read_receipts, write_bodies
from survey_round import (
    answer_count,
    check_submissions,
    database_url,
    drop_pg,
    process_tree,
    require_wrk,
    rss_bytes,
    seed,
    serve,
    server_env,
)

from app.config import load_settings
from app.db.engine import make_engine, read_session
from app.db.models import Certificate
from app.demo import runner

HERE = Path(__file__).resolve().parent
GET_LUA = HERE / "soak_get.lua"
RESULTS = HERE / "results" / "soak.md"


@dataclass(frozen=True)
class Kind:
    name: str
    command: list[str]
    expected: frozenset[int]


def build(url: str, env: dict[str, str], scale: float, work: Path) -> tuple[int, str, str]:
    """The demo round, issued; returns its id, a viewer's username and a certificate number."""
    settings = load_settings(environ=env)
    engine = make_engine(url)
    runner.create_schema(engine)
    result = runner.DemoResult()
    rng = np.random.default_rng(20261122)
    runner.set_up_people_and_round(engine, result, portal_bench.PASSWORD)
    runner.import_registries(engine, settings, result, rng, scale, portal_bench.quiet)
    runner.draw(engine, result, rng)
    runner.fieldwork(engine, result, rng, portal_bench.quiet)
    out = work / "out"
    runner.score(engine, result, out)
    runner.issue(engine, settings, result, out)
    with read_session(engine) as s:
        number = (
            s.execute(select(col(Certificate.number)).order_by(col(Certificate.id)))
            .scalars()
            .first()
        )
    engine.dispose()
    viewer = next(name for name, role, _ in result.logins if role.startswith("enterprise_viewer"))
    if number is None:
        raise SystemExit("the demo round issued no certificate")
    return result.round_id, viewer, number


def sample_memory(pid: int, until: float, every: float) -> list[tuple[float, int]]:
    """(seconds since start, total RSS of the server's processes) every ``every`` seconds."""
    samples: list[tuple[float, int]] = []
    start = time.monotonic()
    while True:
        now = time.monotonic()
        samples.append((now - start, sum(rss_bytes(p) for p in process_tree(pid))))
        if now >= until:
            return samples
        time.sleep(min(every, max(0.0, until - now)))


def memory_lines(samples: list[tuple[float, int]], warm_share: float) -> list[str]:
    mb = [(t, rss / 2**20) for t, rss in samples]
    steady = [(t, m) for t, m in mb if t >= warm_share * mb[-1][0]] or mb
    slope = 0.0
    if len(steady) >= 3:
        slope = float(np.polyfit([t for t, _ in steady], [m for _, m in steady], 1)[0]) * 60
    values = [m for _, m in mb]
    return [
        f"* server RSS (all processes, {len(mb)} samples): first {values[0]:.1f} MB, last "
        f"{values[-1]:.1f} MB, max {max(values):.1f} MB; slope after the first "
        f"{warm_share:.0%} of the run: {slope:+.2f} MB/min"
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--duration", type=int, default=600, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.1, help="demo round size (1 = full)")
    parser.add_argument(
        "--submit-rate", type=float, default=60, help="submissions/s at most (paced)"
    )
    parser.add_argument("--connections", type=int, default=4, help="per kind")
    parser.add_argument("--pause-ms", type=int, default=40, help="portal and verify pacing")
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--record", action="store_true", help=f"append results to {RESULTS}")
    args = parser.parse_args()
    wrk = require_wrk()
    # Paced: each submitting connection pauses so that together they aim at --submit-rate.
    submit_pause = max(0, round(1000 * args.connections / args.submit_rate))
    tokens_needed = int(args.submit_rate * args.duration * 1.2) + 100

    with tempfile.TemporaryDirectory(prefix="tianping-soak-") as tmp:
        work = Path(tmp)
        url, pg_name = database_url(args.db, work)
        try:
            env = server_env(work, url)
            t0 = time.perf_counter()
            round_id, viewer, number = build(url, env, args.scale, work)
            tokens = seed(url, tokens_needed, code="SOAK")
            print(
                f"built the issued demo round and {len(tokens)} survey tokens in "
                f"{time.perf_counter() - t0:.0f} s"
            )
            bodies = work / "bodies.jsonl"
            write_bodies(bodies, tokens, 0.05, "s")
            receipts = work / "receipts"
            with serve(work, url, args.workers, env) as server:
                cookie = portal_bench.log_in(server.base, viewer)
                common = ["-t", "1", "-c", str(args.connections), "-d", f"{args.duration}s"]
                common += ["--timeout", "30s"]
                html = ["-H", "Accept: text/html", "-s", str(GET_LUA)]
                pause = ["--", str(args.pause_ms)]
                portal = f"{server.base}/portal/rounds/{round_id}"
                submit = [str(bodies), "1", str(receipts), str(submit_pause)]
                kinds = [
                    Kind(
                        "survey submission",
                        [wrk, *common, "-s", str(SUBMIT_LUA), server.base, "--", *submit],
                        frozenset({200, 201}),
                    ),
                    Kind(
                        "portal view",
                        [wrk, *common, "-H", f"Cookie: {cookie}", *html, portal, *pause],
                        frozenset({200}),
                    ),
                    Kind(
                        "verification lookup",
                        [wrk, *common, *html, f"{server.base}/verify/{number}", *pause],
                        frozenset({200}),
                    ),
                ]
                procs = [
                    subprocess.Popen(
                        k.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                    )
                    for k in kinds
                ]
                try:
                    samples = sample_memory(
                        server.process.pid, time.monotonic() + args.duration, args.sample_seconds
                    )
                    outputs = [p.communicate(timeout=args.duration + 120) for p in procs]
                finally:
                    for p in procs:
                        if p.poll() is None:
                            p.send_signal(signal.SIGINT)
                            p.wait()
            runs = [
                parse_wrk(out, f"wrk ({k.name})")
                for k, (out, _) in zip(kinds, outputs, strict=True)
            ]
            new, replayed = read_receipts(receipts)
            check = check_submissions(url, new, replayed, answer_count(), round_code="SOAK")
        finally:
            drop_pg(pg_name)

    lines = [
        f"### soak — {args.db}, {args.workers} worker(s), {args.duration} s, "
        f"{args.connections} connections per kind, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
    ]
    errors = 0
    for kind, run in zip(kinds, runs, strict=True):
        bad = sum(n for status, n in run.statuses.items() if status not in kind.expected)
        errors += bad + run.socket_errors
        lines.append(
            f"* {kind.name}: {run.requests} requests, "
            f"{run.requests / max(run.seconds, 1e-9):.0f}/s; "
            f"p50 {run.p50_ms:.1f} ms, p95 {run.p95_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, max "
            f"{run.max_ms:.1f} ms; statuses {dict(sorted(run.statuses.items()))}, socket errors "
            f"{run.socket_errors}"
        )
    lines += memory_lines(samples, 0.2)
    lines.append(f"* errors: **{errors}**")
    lines.append(f"* submissions count check: {check.describe()}")
    ok = errors == 0 and check.ok
    print("\n".join(lines))
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
