"""Load test of the enterprise portal's scorecard page against ``tianping serve``.

Run: ``.venv/bin/python benchmarks/portal_bench.py --db sqlite --record`` (or ``--db postgresql``).

It builds a fresh database holding one issued round of ``--enterprises`` enterprises (the demo
round scaled out: synthetic registries imported, a real draw, simulated consumer answers
submitted through the fieldwork service, scorecards computed by the scoring service; the round is
then marked issued without rendering PDFs). It starts ``tianping serve`` (production settings,
one worker) on 127.0.0.1, logs in ``--viewers`` enterprise viewers and drives
``GET /portal/rounds/{id}`` with an asyncio + httpx load generator, bounded in count and time:

* one client (no queueing): the latency is the server-side render time plus loopback overhead —
  this is what the 100 ms p95 target is judged on;
* ``--concurrency`` clients: throughput and latency under load.

The peer ``GET /health`` (the framework's floor for one request) is measured in the same run,
on the same server, with the same clients; the ratios are printed. Nothing is asserted on time:
the script prints figures (and appends them to ``benchmarks/results/portal.md`` with --record).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey_round import database_url, drop_pg  # the benchmarks' shared helpers

from app.config import Settings
from app.db.engine import make_engine, write_session
from app.db.migrate import upgrade
from app.db.models import EvaluationRound
from app.db.models.user import Role
from app.demo import plan as demo_plan
from app.demo import runner
from app.demo.synthetic import DemoEnterprise
from app.domain.rounds.lifecycle import RoundState
from app.domain.users.service import create_user

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "portal.md"
PASSWORD = "portal bench password 1"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


# ---- data --------------------------------------------------------------------------------------
def enterprises(count: int, cases: int) -> tuple[DemoEnterprise, ...]:
    qualities = np.linspace(-1.0, 1.0, count)
    return tuple(
        DemoEnterprise(
            f"E{i + 1:03d}", f"基准测试企业{i + 1:02d}", f"Bench Enterprise {i + 1:02d}", cases, q
        )
        for i, q in enumerate(qualities)
    )


def quiet(_done: int, _total: int) -> None:
    """Progress callback of the demo steps: the benchmark prints its own summary."""


def build_round(settings: Settings, count: int, cases: int, viewers: int) -> int:
    """The demo round with ``count`` enterprises, scored and marked issued; returns its id."""
    # The demo steps read the module's enterprise list: scale it out.
    setattr(runner, "ENTERPRISES", enterprises(count, cases))  # noqa: B010
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    result = runner.DemoResult()
    rng = np.random.default_rng(20261122)
    runner.set_up_people_and_round(engine, result, PASSWORD)
    runner.import_registries(engine, settings, result, rng, 1.0, quiet)
    runner.draw(engine, result, rng)
    runner.fieldwork(engine, result, rng, quiet)
    runner.score(engine, result, settings.data_dir / "out")
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, result.round_id)
        assert rnd is not None
        # Portal pages show issued rounds; rendering 50 signed PDFs is not what is measured.
        rnd.state = RoundState.ISSUED.value
        s.add(rnd)
        for i in range(2, viewers):  # the demo creates viewers for E001 and E002
            create_user(
                s,
                username=f"e{i + 1:03d}.viewer",
                password=PASSWORD,
                role=Role.ENTERPRISE_VIEWER,
                body_code=demo_plan.BODY_CODE,
                enterprise_code=f"E{i + 1:03d}",
                actor="bench",
            )
    print(
        f"round built: {count} enterprises, {result.cases} cases, {result.sampled} sampled, "
        f"{result.responses} responses"
    )
    engine.dispose()
    return result.round_id


# ---- server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_settings(data_dir: Path, url: str) -> Settings:
    return Settings(
        env="production",
        data_dir=data_dir,
        database_url=url,
        secret_key=secrets.token_urlsafe(48),
        pii_keys="k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        pii_active_key="k1",
        contact_hash_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        log_level="WARNING",
    )


def server_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TIANPING_ENV=settings.env,
        TIANPING_DATA_DIR=str(settings.data_dir),
        TIANPING_DATABASE_URL=settings.database_url,
        TIANPING_SECRET_KEY=settings.secret_key,
        TIANPING_PII_KEYS=settings.pii_keys,
        TIANPING_PII_ACTIVE_KEY=settings.pii_active_key,
        TIANPING_CONTACT_HASH_KEY=settings.contact_hash_key,
        TIANPING_LOG_LEVEL=settings.log_level,
    )
    return env


def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"tianping serve exited with status {proc.returncode}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("tianping serve did not answer /health within 60 s")


def _cookies(response: httpx.Response) -> dict[str, str]:
    # The cookies are Secure; over http://127.0.0.1 httpx's jar would not send them back, so
    # the benchmark carries them by hand.
    out = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def log_in(base: str, username: str) -> str:
    """A ``Cookie`` header value for a logged-in session of ``username``."""
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login", headers={"accept": "text/html"})
        jar = _cookies(form)
        found = _CSRF.search(form.text)
        if found is None:
            raise SystemExit("no CSRF token on /login")
        done = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "_csrf_token": found.group(1)},
            headers={"cookie": "; ".join(f"{k}={v}" for k, v in jar.items())},
        )
        if done.status_code not in (302, 303):
            raise SystemExit(f"login of {username} failed with status {done.status_code}")
        jar.update(_cookies(done))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# ---- load --------------------------------------------------------------------------------------
@dataclass
class Run:
    latencies: list[float]
    statuses: dict[int, int]
    seconds: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    def line(self, label: str) -> str:
        return (
            f"| {label} | {len(self.latencies)} | {self.seconds:.1f} | {self.rate:.0f} | "
            f"{self.pct(0.5):.1f} | {self.pct(0.95):.1f} | {self.pct(0.99):.1f} | "
            f"{dict(sorted(self.statuses.items()))} |"
        )


async def drive(
    base: str, path: str, cookies: list[str], count: int, clients: int, limit_s: float
) -> Run:
    """``count`` GETs of ``path`` by ``clients`` keep-alive clients, at most ``limit_s`` s."""
    remaining = count
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + limit_s

    async def client_loop(index: int) -> None:
        nonlocal remaining
        headers = {"accept": "text/html", "cookie": cookies[index % len(cookies)]}
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                started = time.perf_counter()
                response = await client.get(path, headers=headers)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    return Run(latencies, statuses, time.perf_counter() - started)


def measure(base: str, round_id: int, cookies: list[str], args: argparse.Namespace) -> list[str]:
    page = f"/portal/rounds/{round_id}"
    for cookie in cookies:  # each viewer really sees its own scorecard
        with httpx.Client(base_url=base, timeout=30) as client:
            r = client.get(page, headers={"accept": "text/html", "cookie": cookie})
            if r.status_code != 200 or 'id="composite"' not in r.text:
                raise SystemExit(f"the scorecard page answered {r.status_code} without a score")
    asyncio.run(drive(base, page, cookies, 100, 4, 60))  # warm-up: templates, caches
    asyncio.run(drive(base, "/health", cookies, 100, 4, 60))
    single = max(1, args.requests // 8)
    runs = {
        "health, 1 client": asyncio.run(drive(base, "/health", cookies, single, 1, args.seconds)),
        "scorecard, 1 client": asyncio.run(drive(base, page, cookies, single, 1, args.seconds)),
        f"health, {args.concurrency} clients": asyncio.run(
            drive(base, "/health", cookies, args.requests, args.concurrency, args.seconds)
        ),
        f"scorecard, {args.concurrency} clients": asyncio.run(
            drive(base, page, cookies, args.requests, args.concurrency, args.seconds)
        ),
    }
    health1, card1, health_n, card_n = runs.values()
    verdict = "meets" if card1.pct(0.95) <= 100 else "MISSES"
    return [
        "| run | requests | s | req/s | p50 ms | p95 ms | p99 ms | statuses |",
        "|---|---|---|---|---|---|---|---|",
        *(run.line(label) for label, run in runs.items()),
        "",
        f"* server-side render (1 client): scorecard p95 **{card1.pct(0.95):.1f} ms** → {verdict} "
        f"the 100 ms target; /health p95 {health1.pct(0.95):.1f} ms "
        f"(scorecard/health p95 ratio {card1.pct(0.95) / max(health1.pct(0.95), 1e-9):.1f})",
        f"* under load ({args.concurrency} clients): scorecard {card_n.rate:.0f} req/s vs /health "
        f"{health_n.rate:.0f} req/s → throughput ratio "
        f"{card_n.rate / max(health_n.rate, 1e-9):.2f}",
    ]


# ---- main --------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--enterprises", type=int, default=50)
    parser.add_argument("--cases", type=int, default=60, help="registry cases per enterprise")
    parser.add_argument("--viewers", type=int, default=4, help="enterprise viewers logged in")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0, help="time limit per run")
    parser.add_argument("--record", action="store_true", help=f"append results to {RESULTS}")
    args = parser.parse_args()
    if not 2 <= args.viewers <= args.enterprises:
        parser.error("--viewers must be between 2 and --enterprises")

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tianping-portal-bench-") as tmp:
        data_dir = Path(tmp)
        url, pg_name = database_url(args.db, data_dir)
        try:
            settings = bench_settings(data_dir, url)
            t0 = time.perf_counter()
            round_id = build_round(settings, args.enterprises, args.cases, args.viewers)
            print(f"built in {time.perf_counter() - t0:.1f} s")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            cmd = [str(ROOT / ".venv" / "bin" / "tianping"), "serve", "--port", str(port)]
            proc = subprocess.Popen(cmd, env=server_env(settings), cwd=ROOT)
            try:
                wait_ready(base, proc)
                cookies = [log_in(base, f"e{i + 1:03d}.viewer") for i in range(args.viewers)]
                figures = measure(base, round_id, cookies, args)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        finally:
            drop_pg(pg_name)
    load_after = os.getloadavg()
    command = " ".join(["benchmarks/portal_bench.py", *sys.argv[1:]])
    lines = [
        f"### portal scorecard page — {args.db}, {args.enterprises} enterprises, "
        f"{args.viewers} viewers, 1 worker, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"Command: `.venv/bin/python {command}`; load average before "
        f"{load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, after "
        f"{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} (1/5/15 min, "
        f"{os.cpu_count()} CPUs shared with other work).",
        "",
        *figures,
    ]
    print("\n".join(lines))
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
