"""Load test of the final survey submission against ``tianping serve`` (production settings).

Run: ``.venv/bin/python benchmarks/submit_load.py --db sqlite`` (or ``--db postgresql``).

It builds a fresh database with one fieldwork round of ``--tokens`` invitations, starts
``tianping serve --workers N`` on 127.0.0.1 with ``TIANPING_ENV=production``, then drives
``POST /api/v1/responses`` with wrk (``--connections`` connections, 64 by default): every body
carries a distinct token, and a share of tokens (``--replay-share``) is sent twice in a row
(two connections at once), to exercise the exactly-once path under load. wrk is a C program:
Python clients would take much of the CPU the server is being measured on (2 cores here).

Printed: accepted submissions/s, latency p50/p95/p99, and the ratio against a peer measured in
the same run on the same server with the same wrk settings: ``GET /health`` (the framework's
floor for one request). Afterwards the count check: every receipt acknowledged with 201 is in
the database (none lost), no token has more than one response, every response has all its
answers, token states agree with the responses, the audit chain is intact. The run fails
(exit 1) otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from survey_round import (
    Server,
    answer_count,
    answers,
    check_submissions,
    cpu_seconds,
    database_url,
    drop_pg,
    process_tree,
    require_wrk,
    seed,
    serve,
)

HERE = Path(__file__).resolve().parent
LUA = HERE / "submit_load.lua"
SUMMARY_LUA = HERE / "wrk_summary.lua"
RESULTS = HERE / "results" / "survey.md"
WARM_UP = 300


@dataclass(frozen=True)
class WrkRun:
    seconds: float
    requests: int
    statuses: dict[int, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    socket_errors: int

    def rate(self, *statuses: int) -> float:
        count = sum(self.statuses.get(s, 0) for s in statuses)
        return count / self.seconds if self.seconds else 0.0


def parse_wrk(output: str, name: str = "wrk") -> WrkRun:
    """The RESULT line that wrk_summary.lua prints (shared with soak.py)."""
    for line in output.splitlines():
        if line.startswith("RESULT "):
            raw: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return WrkRun(
                seconds=raw["seconds"],
                requests=raw["requests"],
                statuses={int(k): v for k, v in raw["statuses"].items()},
                p50_ms=raw["p50_ms"],
                p95_ms=raw["p95_ms"],
                p99_ms=raw["p99_ms"],
                mean_ms=raw["mean_ms"],
                max_ms=raw["max_ms"],
                socket_errors=raw["errors"],
            )
    raise SystemExit(f"{name} printed no result line:\n{output}")


def run_wrk(
    wrk: str, url: str, *, threads: int, connections: int, seconds: float, script_args: list[str]
) -> WrkRun:
    """wrk with submit_load.lua; interrupted (cleanly, SIGINT) once every thread is done.

    wrk itself would sleep out the whole ``-d`` even after all its threads have stopped.
    """
    cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    cmd += ["--timeout", "30s", "-s", str(LUA), url, "--", *script_args]
    prefix = Path(script_args[2])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None:
        time.sleep(0.2)
        finished = sum(
            1
            for path in prefix.parent.glob(prefix.name + ".*")
            if path.read_bytes().endswith(b"END\n")
        )
        if finished == threads:
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed ({proc.returncode}): {err.strip()}")
    return parse_wrk(out)


def write_bodies(path: Path, tokens: list[str], replay_share: float, prefix: str) -> int:
    """One JSON body per line; every ``1/replay_share``-th token twice in a row. Returns lines."""
    body = answers()
    every = round(1 / replay_share) if replay_share > 0 else 0
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for i, token in enumerate(tokens):
            line = json.dumps(
                {"token": token, "answers": body, "idempotency_key": f"{prefix}{i}"},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            copies = 2 if every and i % every == 0 else 1
            for _ in range(copies):
                out.write(line + "\n")
                lines += 1
    return lines


def read_receipts(prefix: Path) -> tuple[set[str], set[str]]:
    """Receipts acknowledged as new (201) and as replays (200), from every wrk thread's file."""
    new: set[str] = set()
    replayed: set[str] = set()
    for path in prefix.parent.glob(prefix.name + ".*"):
        for line in path.read_text(encoding="utf-8").splitlines():
            status, _, receipt = line.partition(" ")
            if status == "201":
                new.add(receipt)
            elif status == "200":
                replayed.add(receipt)
    return new, replayed


def health_peer(wrk: str, base: str, args: argparse.Namespace) -> WrkRun:
    """``GET /health`` with the same connections and wrk threads, bounded by time.

    A status other than 200 is counted under "0" (wrk reports only how many were not 2xx/3xx).
    """
    cmd = [wrk, "-t", str(args.wrk_threads), "-c", str(args.connections)]
    cmd += ["-d", f"{args.peer_seconds}s", "-s", str(SUMMARY_LUA), base + "/health"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


@dataclass(frozen=True)
class Measured:
    peer: WrkRun
    run: WrkRun
    acknowledged: set[str]
    replayed: set[str]
    peer_cpu_ms: float  # server CPU (all its processes) per /health request
    run_cpu_ms: float  # server CPU per submission request


def _server_cpu(pid: int) -> float:
    return cpu_seconds(process_tree(pid))


def measure(
    wrk: str, server: Server, tokens: list[str], args: argparse.Namespace, work: Path
) -> Measured:
    base, pid = server.base, server.process.pid
    warm_bodies = work / "warm.jsonl"
    write_bodies(warm_bodies, tokens[:WARM_UP], 0, "w")
    run_wrk(
        wrk, base, threads=1, connections=8, seconds=60,
        script_args=[str(warm_bodies), "1", str(work / "warm-receipts")],
    )  # fmt: skip
    cpu0 = _server_cpu(pid)
    peer = health_peer(wrk, base, args)
    cpu1 = _server_cpu(pid)
    bodies = work / "bodies.jsonl"
    write_bodies(bodies, tokens[WARM_UP:], args.replay_share, "k")
    prefix = work / "receipts"
    cpu2 = _server_cpu(pid)
    run = run_wrk(
        wrk, base, threads=args.wrk_threads, connections=args.connections,
        seconds=args.max_seconds, script_args=[str(bodies), str(args.wrk_threads), str(prefix)],
    )  # fmt: skip
    cpu3 = _server_cpu(pid)
    warm_new, _ = read_receipts(work / "warm-receipts")
    new, replayed = read_receipts(prefix)
    return Measured(
        peer,
        run,
        warm_new | new,
        replayed,
        (cpu1 - cpu0) * 1000 / max(peer.requests, 1),
        (cpu3 - cpu2) * 1000 / max(run.requests, 1),
    )


def report(args: argparse.Namespace, m: Measured, check_line: str) -> list[str]:
    peer, run = m.peer, m.run
    accepted = run.rate(201)
    ratio = accepted / max(peer.rate(200), 1e-9)
    statuses = dict(sorted(run.statuses.items()))
    cores = os.cpu_count() or 1
    return [
        f"### submit load (wrk) — {args.db}, {args.connections} connections, "
        f"{args.workers} worker(s), {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"* requests: {run.requests} in {run.seconds:.1f} s; statuses {statuses}; socket "
        f"errors {run.socket_errors}",
        f"* accepted submissions (201): **{accepted:.0f}/s**; replays (200): {run.rate(200):.0f}/s",
        f"* latency p50 {run.p50_ms:.1f} ms, p95 {run.p95_ms:.1f} ms, **p99 {run.p99_ms:.1f} ms**, "
        f"mean {run.mean_ms:.1f} ms, max {run.max_ms:.1f} ms",
        f"* peer GET /health, same server and wrk settings: {peer.rate(200):.0f}/s, p99 "
        f"{peer.p99_ms:.1f} ms → submit/health throughput ratio {ratio:.2f}",
        f"* server CPU per request (all its processes; unaffected by other load on the "
        f"machine): submit {m.run_cpu_ms:.2f} ms, /health {m.peer_cpu_ms:.2f} ms → at most "
        f"{1000 * cores / max(m.run_cpu_ms, 1e-9):.0f} submissions/s on {cores} cores "
        "if the server had them to itself",
        f"* count check: {check_line}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--replay-share", type=float, default=0.05)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--peer-seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--record", action="store_true", help=f"append results to {RESULTS}")
    args = parser.parse_args()
    if args.tokens <= WARM_UP:
        parser.error(f"--tokens must be more than the {WARM_UP} warm-up submissions")
    wrk = require_wrk()

    with tempfile.TemporaryDirectory(prefix="tianping-bench-") as tmp:
        work = Path(tmp)
        url, pg_name = database_url(args.db, work)
        try:
            t0 = time.perf_counter()
            tokens = seed(url, args.tokens)
            print(f"seeded {len(tokens)} invitations in {time.perf_counter() - t0:.1f} s")
            with serve(work, url, args.workers) as server:
                measured = measure(wrk, server, tokens, args, work)
            check = check_submissions(url, measured.acknowledged, measured.replayed, answer_count())
        finally:
            drop_pg(pg_name)
    run = measured.run
    bad_status = sum(n for status, n in run.statuses.items() if status not in (200, 201))
    ok = check.ok and not bad_status and not run.socket_errors
    line = check.describe()
    if bad_status or run.socket_errors:
        line += f"; {bad_status} other statuses, {run.socket_errors} socket errors → FAILED"
    lines = report(args, measured, line)
    print("\n".join(lines))
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
