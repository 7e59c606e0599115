"""Load test of the final survey submission against ``tianping serve`` (production settings).

Run: ``.venv/bin/python benchmarks/submit_load.py --db sqlite`` (or ``--db postgresql``).

It builds a fresh database with one fieldwork round of ``--tokens`` invitations, starts
``tianping serve`` on 127.0.0.1 with ``TIANPING_ENV=production``, then 64 asyncio clients
(httpx, one connection each) POST ``/api/v1/responses``. A share of tokens (``--replay-share``)
is sent twice at once by two clients, to exercise the exactly-once path under load. The run is
bounded in count and in time. Printed: accepted submissions/s, latency p50/p95/p99, and the
ratio against a peer measured in the same run on the same server: ``GET /health`` (the
framework's floor for one request). Afterwards the database must hold exactly one response per
accepted token — checked, and the run fails otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db.engine import make_engine, write_session
from app.db.migrate import upgrade
from app.db.models import (
    CaseRegistry,
    Enterprise,
    EvaluationBody,
    EvaluationRound,
    QuestionnaireVersion,
    SampledCase,
    SampleDraw,
    ScoringPlan,
    ServiceCase,
    SurveyResponse,
)
from app.db.types import utcnow
from app.domain.fieldwork.invitations import start_fieldwork
from app.domain.rounds.lifecycle import RoundState
from questionnaires import canonical_sha256, loads, to_dict
from questionnaires.templates import template_text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "survey.md"
DUPLICATES_SQL = (
    "SELECT COUNT(*) FROM (SELECT invitation_id FROM survey_response "
    "GROUP BY invitation_id HAVING COUNT(*) > 1) AS d"
)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def seed(url: str, n: int) -> list[str]:
    """A migrated database with one round in fieldwork and ``n`` fresh tokens."""
    engine = make_engine(url)
    upgrade(engine)
    q = loads(template_text("after-sales"), "yaml")
    with write_session(engine) as s:
        body = EvaluationBody(code="B", name="Bench body")
        s.add(body)
        s.flush()
        version = QuestionnaireVersion(
            body_id=body.id or 0, code=q.code, version=q.version, status="published",
            content=to_dict(q), sha256=canonical_sha256(q), published_at=utcnow(),
        )  # fmt: skip
        rnd = EvaluationRound(
            body_id=body.id or 0, code="BENCH", title="bench", period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31), state=RoundState.SAMPLING.value,
        )  # fmt: skip
        ent = Enterprise(body_id=body.id or 0, code="E1", name="E1")
        s.add_all([version, rnd, ent])
        s.flush()
        s.add(
            ScoringPlan(
                round_id=rnd.id or 0, questionnaire_version_id=version.id or 0,
                content={"strata": []}, sha256="0" * 64, frozen_at=utcnow(),
            )
        )  # fmt: skip
        reg = CaseRegistry(round_id=rnd.id or 0, file_name="r.csv", file_sha256="1" * 64)
        draw = SampleDraw(
            round_id=rnd.id or 0, algorithm="bench", seed="s", registry_sha256="1" * 64,
            selected_sha256="2" * 64,
        )  # fmt: skip
        s.add_all([reg, draw])
        s.flush()
        s.execute(
            insert(ServiceCase),
            [
                {"registry_id": reg.id, "round_id": rnd.id, "enterprise_id": ent.id,
                 "case_id": f"C{i}", "stratum": "", "attributes": {}}
                for i in range(n)
            ],
        )  # fmt: skip
        case_id = ServiceCase.__table__.c.id  # type: ignore[attr-defined]
        pks = s.execute(select(case_id).order_by(case_id)).scalars().all()
        s.execute(
            insert(SampledCase),
            [{"draw_id": draw.id, "case_pk": pk, "selection_number": 0.5} for pk in pks],
        )
        round_id = rnd.id or 0
    issued = start_fieldwork(
        engine, round_id=round_id, actor="bench", expires_at=utcnow() + timedelta(days=1)
    )
    engine.dispose()
    return [i.token for i in issued]


def answers() -> dict[str, int | str | None]:
    q = loads(template_text("after-sales"), "yaml")
    out: dict[str, int | str | None] = {}
    for item in q.all_items():
        defaults: dict[str, int | str | None] = {"likert": 4, "nps": 9, "text": "ok"}
        out[item.code] = defaults.get(item.type)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TIANPING_ENV="production",
        TIANPING_DATA_DIR=str(data_dir),
        TIANPING_DATABASE_URL=url,
        TIANPING_SECRET_KEY=secrets.token_urlsafe(48),
        TIANPING_PII_KEYS="k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        TIANPING_PII_ACTIVE_KEY="k1",
        TIANPING_CONTACT_HASH_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        TIANPING_LOG_LEVEL="WARNING",
    )
    return env


@dataclass
class Run:
    latencies: list[float]
    statuses: dict[int, int]
    accepted_tokens: set[str]
    seconds: float

    def rate(self, status: int) -> float:
        return self.statuses.get(status, 0) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


async def drive(
    base: str, jobs: list[tuple[str, str, dict[str, object] | None]], clients: int, limit_s: float
) -> Run:
    queue: asyncio.Queue[tuple[str, str, dict[str, object] | None]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    accepted: set[str] = set()
    deadline = time.perf_counter() + limit_s

    async def worker() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            while time.perf_counter() < deadline:
                try:
                    method, path, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                if method == "GET":
                    response = await client.get(path)
                else:
                    response = await client.post(path, json=body)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if body is not None and response.status_code in (200, 201):
                    accepted.add(str(body["token"]))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return Run(latencies, statuses, accepted, time.perf_counter() - started)


def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"tianping serve exited with status {proc.returncode}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("tianping serve did not answer /health within 30 s")


def database_url(kind: str, data_dir: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{data_dir / 'bench.sqlite3'}", None
    name = f"tianping_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}", name


def drop_pg(name: str | None) -> None:
    if name is None:
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def count_check(url: str, accepted: set[str], used: set[str]) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(SurveyResponse)).scalar_one()
        per_invitation = conn.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT invitation_id FROM survey_response "
                "GROUP BY invitation_id HAVING COUNT(*) > 1) AS d"
            )
        ).scalar_one()
    engine.dispose()
    return int(stored), int(per_invitation)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--tokens", type=int, default=12_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--replay-share", type=float, default=0.05)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--record", action="store_true", help=f"append results to {RESULTS}")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tianping-bench-") as tmp:
        data_dir = Path(tmp)
        url, pg_name = database_url(args.db, data_dir)
        try:
            t0 = time.perf_counter()
            tokens = seed(url, args.tokens)
            print(f"seeded {len(tokens)} invitations in {time.perf_counter() - t0:.1f} s")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            cmd = [str(ROOT / ".venv" / "bin" / "tianping"), "serve", "--port", str(port)]
            cmd += ["--workers", str(args.workers)]
            proc = subprocess.Popen(cmd, env=server_env(data_dir, url), cwd=ROOT)
            try:
                wait_ready(base, proc)
                result = measure(base, tokens, args)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            peer, run, used = result
            stored, duplicated = count_check(url, run.accepted_tokens, used)
        finally:
            drop_pg(pg_name)
    ok = stored == len(run.accepted_tokens) and duplicated == 0
    lines = report(args, peer, run, stored, duplicated, ok)
    print("\n".join(lines))
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\n")
    return 0 if ok else 1


def measure(base: str, tokens: list[str], args: argparse.Namespace) -> tuple[Run, Run, set[str]]:
    body = answers()
    warm: list[tuple[str, str, dict[str, object] | None]] = [
        ("POST", "/api/v1/responses", {"token": t, "answers": body, "idempotency_key": "w"})
        for t in tokens[:200]
    ]
    asyncio.run(drive(base, warm, 16, 30))
    peer = asyncio.run(drive(base, [("GET", "/health", None)] * 6000, args.clients, 30))
    jobs: list[tuple[str, str, dict[str, object] | None]] = []
    replay_every = int(1 / args.replay_share) if args.replay_share > 0 else 0
    used: set[str] = set()
    for i, token in enumerate(tokens[200:]):
        job = {"token": token, "answers": body, "idempotency_key": f"k{i}"}
        jobs.append(("POST", "/api/v1/responses", job))  # type: ignore[arg-type]
        used.add(token)
        if replay_every and i % replay_every == 0:
            jobs.append(("POST", "/api/v1/responses", job))  # type: ignore[arg-type]
    run = asyncio.run(drive(base, jobs, args.clients, args.max_seconds))
    run.accepted_tokens |= set(tokens[:200])
    return peer, run, used


def report(
    args: argparse.Namespace, peer: Run, run: Run, stored: int, duplicated: int, ok: bool
) -> list[str]:
    accepted = run.rate(201)
    statuses = dict(sorted(run.statuses.items()))
    ratio = accepted / max(peer.rate(200), 1e-9)
    verdict = "OK" if ok else "FAILED"
    return [
        f"### submit load — {args.db}, {args.clients} clients, {args.workers} worker(s), "
        f"{time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"* requests: {len(run.latencies)} in {run.seconds:.1f} s; statuses {statuses}",
        f"* accepted submissions (201): **{accepted:.0f}/s**; replays (200): {run.rate(200):.0f}/s",
        f"* latency p50 {run.pct(0.5):.1f} ms, p95 {run.pct(0.95):.1f} ms, "
        f"**p99 {run.pct(0.99):.1f} ms**, mean {statistics.fmean(run.latencies) * 1000:.1f} ms",
        f"* peer GET /health, same server and clients: {peer.rate(200):.0f}/s, p99 "
        f"{peer.pct(0.99):.1f} ms → submit/health throughput ratio {ratio:.2f}",
        f"* count check: {stored} stored responses for {len(run.accepted_tokens)} accepted "
        f"tokens, {duplicated} tokens with more than one response → {verdict}",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
