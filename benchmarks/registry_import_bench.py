"""Registry import benchmark: a seeded 1,000,000-case CSV into SQLite and PostgreSQL.

Run from the repository root:

    .venv/bin/python benchmarks/registry_import_bench.py [--cases 1000000] [--naive 20000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--profile]
        [--serial] [--engines sqlite,postgresql]

For each engine it builds a fresh migrated database (SQLite: a file in a temporary
directory; PostgreSQL: a new database on the server, dropped afterwards), sets up a round in
state plan-frozen whose plan's strata are ``[channel]``, and times ``import_registry`` — parse,
validate, encrypt phone/e-mail, keyed hash, bulk insert — in a child process. Reported: wall
time, CPU time of the importing process and of its reading/encrypting worker process
(``getrusage``), the PostgreSQL backends' CPU ("server CPU", read from ``/proc`` when the
server is local), peak RSS of each, and the
load average before and after (on a shared machine wall time says little; the CPU columns
are the steadier measure). ``--serial`` keeps everything in the importing process (no
worker), for comparison. In the same run it measures a NAIVE BASELINE on the first
``--naive`` rows: the same parsing, then one ORM ``session.add(ServiceCase(...))`` per row
and a commit at the end, extrapolated linearly to the full file, and prints the ratio.
``--profile`` prints a cProfile of the SQLite import instead of the table (use with
``--serial`` to see the reading and encryption too).
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from app.config import Settings
from app.db.engine import make_engine, write_session
from app.db.migrate import upgrade
from app.db.models import CaseRegistry, ScoringPlan, ServiceCase
from app.db.models.questionnaire import QuestionnaireVersion
from app.domain.registry.bulk import CASE_COLUMNS
from app.domain.registry.importer import _context, _to_tuple, import_registry
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import add_enterprise, create_round, get_or_create_body
from app.secrets import KeyMaterial, load_key_material
from sampling.registry import RegistryOptions, open_registry

N_ENTERPRISES = 50
CHANNELS = ("phone", "online", "store", "app")
REGIONS = ("north", "south", "east", "west", "central")
CLASSES = ("general", "complex", "urgent")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def generate(path: Path, cases: int, seed: int = 20261122) -> None:
    """Realistic registry: ~30 % e-mails, some empty times, two timestamp styles."""
    rng = random.Random(seed)
    header = (
        "case_id,enterprise,channel,region,phone,email,opened_at,first_response_at,"
        "resolved_at,complaint,complaint_class\n"
    )
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        lines = []
        for i in range(cases):
            day, hour, minute = 1 + i % 28, 8 + rng.randrange(10), rng.randrange(60)
            opened = f"2026-03-{day:02d} {hour:02d}:{minute:02d}:00"
            first = (
                f"2026-03-{day:02d} {hour + 1:02d}:{minute:02d}:00" if rng.random() < 0.9 else ""
            )
            resolved = f"2026-04-{day:02d} 17:30:00" if rng.random() < 0.8 else ""
            email = f"user{i}@Example{rng.randrange(100)}.com" if rng.random() < 0.3 else ""
            complaint = "1" if rng.random() < 0.1 else "0"
            cls = rng.choice(CLASSES) if complaint == "1" else ""
            lines.append(
                f"C{i:08d},E{rng.randrange(N_ENTERPRISES):03d},{rng.choice(CHANNELS)},"
                f"{rng.choice(REGIONS)},13{rng.randrange(10**9):09d},{email},{opened},{first},"
                f"{resolved},{complaint},{cls}\n"
            )
            if len(lines) >= 10_000:
                fh.write("".join(lines))
                lines = []
        fh.write("".join(lines))


def keys(tmp: Path) -> KeyMaterial:
    return load_key_material(
        Settings(
            data_dir=tmp,
            pii_keys=f"b1:{base64.b64encode(b'k' * 32).decode()}",
            pii_active_key="b1",
            contact_hash_key=base64.b64encode(b"h" * 32).decode(),
            secret_key="s" * 40,
        )
    )


def setup_round(engine: Engine) -> int:
    with write_session(engine) as s:
        body = get_or_create_body(s, "B", "Body", "bench")
        ents = [
            add_enterprise(s, body, f"E{e:03d}", f"企业{e}", actor="bench")
            for e in range(N_ENTERPRISES)
        ]
        rnd = create_round(
            s,
            body,
            code="R1",
            title="bench",
            industry="appliances",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            enterprises=ents,
            created_by=None,
            actor="bench",
        )
        q = QuestionnaireVersion(body_id=body.id or 0, code="q", version=1, sha256="0" * 64)
        s.add(q)
        s.flush()
        s.add(
            ScoringPlan(
                round_id=rnd.id or 0,
                questionnaire_version_id=q.id or 0,
                content={"strata": ["channel"]},
                sha256="1" * 64,
            )
        )
        rnd.state = RoundState.PLAN_FROZEN.value
        return rnd.id or 0


class Database:
    """A fresh migrated database: SQLite file or a new PostgreSQL database (dropped after)."""

    def __init__(self, kind: str, tmp: Path, pg_admin: str) -> None:
        self.kind = kind
        self.admin: Engine | None = None
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
        else:
            self.admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
            self.name = f"tp_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = make_url(pg_admin).set(database=self.name).render_as_string(False)
        engine = make_engine(self.url)
        upgrade(engine)
        engine.dispose()

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


@dataclass(frozen=True)
class Measured:
    wall: float
    cpu: float  # the importing process
    worker_cpu: float  # its reading/encrypting worker (0 with --serial)
    rows: int
    peak_gib: float
    worker_peak_gib: float
    server_cpu: float | None  # PostgreSQL backends of the bench database, when local


def _server_cpu(engine: Engine) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends serving this database, read from
    ``/proc`` (only when the server runs on this machine; None otherwise or on SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _import(url: str, path: Path, tmp: Path, parallel: bool) -> Measured:
    """One timed import in this (fresh) process; the server's CPU is not counted."""
    engine = make_engine(url)
    rid = setup_round(engine)
    s0 = _server_cpu(engine)
    t0, c0, w0 = time.perf_counter(), _cpu(), _cpu(resource.RUSAGE_CHILDREN)
    out = import_registry(
        engine, round_id=rid, source=path, keys=keys(tmp), actor="bench", parallel=parallel
    )
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    worker = _cpu(resource.RUSAGE_CHILDREN) - w0
    s1 = _server_cpu(engine)
    engine.dispose()
    return Measured(
        elapsed,
        cpu,
        worker,
        out.imported,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20 if parallel else 0.0,
        None if s0 is None or s1 is None else s1 - s0,
    )


def _naive(url: str, path: Path, tmp: Path, rows: int) -> tuple[float, int]:
    """Same parsing and encryption, then one ORM object per row and one commit."""
    engine = make_engine(url)
    rid = setup_round(engine)
    material = keys(tmp)
    t0 = time.perf_counter()
    n = 0
    with write_session(engine) as session:  # commits at the end
        ctx = _context(session, rid)
        registry = CaseRegistry(round_id=rid, file_name=path.name, file_sha256="0" * 64)
        session.add(registry)
        session.flush()
        options = RegistryOptions(
            stratum_columns=ctx.strata, known_enterprises=frozenset(ctx.enterprise_ids)
        )
        with open_registry(path, options) as stream:
            for row in stream:
                values = _to_tuple(row, registry.id or 0, ctx, material)
                session.add(ServiceCase(**dict(zip(CASE_COLUMNS, values, strict=True))))
                n += 1
                if n >= rows:
                    break
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed, n


def _in_child(func: Any, *args: Any) -> Any:
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        return pool.apply(func, args)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=20_000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--serial", action="store_true", help="no worker process")
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "registry.csv"
        t0 = time.perf_counter()
        generate(path, args.cases)
        print(
            f"registry: {args.cases:,} cases, {path.stat().st_size / 2**20:.0f} MiB "
            f"(generated in {time.perf_counter() - t0:.1f} s)"
        )
        small = tmp / "slice.csv"
        with path.open(encoding="utf-8") as src, small.open("w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i > args.naive:
                    break
                dst.write(line)
        if args.profile:
            import cProfile
            import pstats

            db = Database("sqlite", tmp, args.postgres)
            prof = cProfile.Profile()
            prof.enable()
            _import(db.url, path, tmp, not args.serial)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)
            return
        print(
            f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
            f"{load[2]:.2f}"
        )
        print(f"{'engine':10s} {'wall (s)':>9s} {'CPU (s)':>8s} {'worker CPU':>11s} "
              f"{'rows/s':>10s} {'peak RSS':>9s} {'worker RSS':>11s} {'naive→all (s)':>14s} "
              f"{'ratio':>7s} {'load':>5s} {'server CPU':>10s}")  # fmt: skip
        for kind in args.engines.split(","):
            db = Database(kind, tmp, args.postgres)
            try:
                m: Measured = _in_child(_import, db.url, path, tmp, not args.serial)
            finally:
                db.drop()
            naive_db = Database(kind, tmp, args.postgres)
            try:
                naive_s, naive_n = _in_child(_naive, naive_db.url, small, tmp, args.naive)
            finally:
                naive_db.drop()
            naive_full = naive_s * m.rows / naive_n
            print(
                f"{kind:10s} {m.wall:9.2f} {m.cpu:8.2f} {m.worker_cpu:11.2f} "
                f"{m.rows / m.wall:10,.0f} {m.peak_gib:7.2f}Gi {m.worker_peak_gib:9.2f}Gi "
                f"{naive_full:14.1f} {naive_full / m.wall:6.1f}× {os.getloadavg()[0]:5.1f} "
                f"{'—' if m.server_cpu is None else f'{m.server_cpu:.2f}':>10s}"
            )
        print(
            f"targets: import ≤ 30 s per engine, peak ≤ 1 GiB; load at end {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
