"""Shared by the survey load benchmarks: a database in fieldwork, a server, the count check.

``seed`` builds a migrated database (SQLite file or a fresh PostgreSQL database) holding one
round in fieldwork with ``n`` fresh tokens; ``serve`` runs ``tianping serve`` on it with
production settings; ``check_submissions`` verifies afterwards that every acknowledged
submission is stored exactly once with all its answers, its token marked answered, no orphans,
and an intact audit chain.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlmodel import col

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.db.engine import make_engine, read_session, write_session  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.db.models import (  # noqa: E402
    CaseRegistry,
    Enterprise,
    EvaluationBody,
    EvaluationRound,
    QuestionnaireVersion,
    SampledCase,
    SampleDraw,
    ScoringPlan,
    ServiceCase,
)
from app.db.types import utcnow  # noqa: E402
from app.domain.audit.chain import verify_chain  # noqa: E402
from app.domain.fieldwork.answers import clean_answers  # noqa: E402
from app.domain.fieldwork.invitations import start_fieldwork  # noqa: E402
from app.domain.rounds.lifecycle import RoundState  # noqa: E402
from questionnaires import canonical_sha256, loads, to_dict  # noqa: E402
from questionnaires.templates import template_text  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TIANPING = ROOT / ".venv" / "bin" / "tianping"


def seed(url: str, n: int, *, code: str = "BENCH") -> list[str]:
    """Migrate ``url`` and add one round in fieldwork with ``n`` fresh tokens (returned)."""
    engine = make_engine(url)
    upgrade(engine)
    q = loads(template_text("after-sales"), "yaml")
    with write_session(engine) as s:
        body = s.execute(select(EvaluationBody).where(col(EvaluationBody.code) == "B")).scalar()
        if body is None:
            body = EvaluationBody(code="B", name="Bench body")
            s.add(body)
            s.flush()
        version = s.execute(
            select(QuestionnaireVersion).where(col(QuestionnaireVersion.code) == q.code)
        ).scalar()
        if version is None:
            version = QuestionnaireVersion(
                body_id=body.id or 0, code=q.code, version=q.version, status="published",
                content=to_dict(q), sha256=canonical_sha256(q), published_at=utcnow(),
            )  # fmt: skip
            s.add(version)
        rnd = EvaluationRound(
            body_id=body.id or 0, code=code, title="bench", period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31), state=RoundState.SAMPLING.value,
        )  # fmt: skip
        ent = Enterprise(body_id=body.id or 0, code=f"{code}-E1", name=f"{code} E1")
        s.add_all([rnd, ent])
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
                 "case_id": f"{code}-C{i}", "stratum": "", "attributes": {}}
                for i in range(n)
            ],
        )  # fmt: skip
        case = ServiceCase.__table__.c  # type: ignore[attr-defined]
        pks = s.execute(select(case.id).where(case.round_id == rnd.id).order_by(case.id))
        s.execute(
            insert(SampledCase),
            [{"draw_id": draw.id, "case_pk": pk, "selection_number": 0.5} for pk in pks.scalars()],
        )
        round_id = rnd.id or 0
    issued = start_fieldwork(
        engine, round_id=round_id, actor="bench", expires_at=utcnow() + timedelta(days=1)
    )
    engine.dispose()
    return [i.token for i in issued]


def answers() -> dict[str, int | str | None]:
    """A complete answer set for the bundled after-sales questionnaire."""
    q = loads(template_text("after-sales"), "yaml")
    defaults: dict[str, int | str | None] = {"likert": 4, "nps": 9, "text": "ok"}
    return {item.code: defaults.get(item.type) for item in q.all_items()}


def answer_count() -> int:
    """How many answer rows one submission of :func:`answers` stores (skip logic applied)."""
    return len(clean_answers(loads(template_text("after-sales"), "yaml"), answers()))


# ---- databases ---------------------------------------------------------------------------------
def database_url(kind: str, data_dir: Path) -> tuple[str, str | None]:
    """A URL for a new, empty database of ``kind``; the PostgreSQL name to drop afterwards."""
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


# ---- server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, url: str) -> dict[str, str]:
    """Production settings with fresh keys (what an operator's deployment sets)."""
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


def wait_ready(base: str, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"tianping serve exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"tianping serve did not answer /health within {seconds:.0f} s")


def _host_settings(base: str) -> dict[str, str]:
    # Production answers only to the host of its public URL (clients send "host:port").
    host = base.split("://", 1)[1]
    env = {"TIANPING_PUBLIC_BASE_URL": base}
    if "allowed_hosts" in Settings.__dataclass_fields__:
        env["TIANPING_ALLOWED_HOSTS"] = f"{host},127.0.0.1"
    return env


@dataclass(frozen=True)
class Server:
    base: str
    process: subprocess.Popen[bytes]


@contextmanager
def serve(
    data_dir: Path, url: str, workers: int, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """``tianping serve`` on a free port with production settings; stopped on exit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [str(TIANPING), "serve", "--port", str(port), "--workers", str(workers)]
    env = {**(env or server_env(data_dir, url)), **_host_settings(base)}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        wait_ready(base, proc)
        yield Server(base, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "wrk is not installed: this benchmark drives the server with wrk (a C load "
            "generator, so that the clients do not take the CPU the server is measured on). "
            "Install it with `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`."
        )
    return found


# ---- the count check ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CountCheck:
    stored: int  # responses in the database
    acknowledged: int  # distinct receipts the clients got with 201
    replays: int  # distinct receipts the clients got with 200 (replays)
    missing: int  # acknowledged receipts (201 or 200) not in the database (must be 0)
    duplicated: int  # invitations with more than one response (must be 0)
    incomplete: int  # responses without all their answers (must be 0)
    orphans: int  # answers without a response, answered tokens without one, or vice versa
    unknown: int  # stored but never acknowledged (requests cut off by the time limit)
    chain_ok: bool

    @property
    def ok(self) -> bool:
        bad = self.missing or self.duplicated or self.incomplete or self.orphans
        return not bad and self.chain_ok

    def describe(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return (
            f"{self.stored} responses stored; {self.acknowledged} acknowledged new (201) and "
            f"{self.replays} as replays (200), of which {self.missing} missing; "
            f"{self.duplicated} tokens with more than one response; "
            f"{self.incomplete} responses without all answers; {self.orphans} orphans; "
            f"{self.unknown} stored but cut off before their answer reached the client; audit "
            f"chain {'intact' if self.chain_ok else 'BROKEN'} → {verdict}"
        )


def check_submissions(
    url: str, acknowledged: set[str], replayed: set[str], items: int, round_code: str = "BENCH"
) -> CountCheck:
    """Every acknowledged receipt stored once with ``items`` answers; no orphans; chain intact.

    Responses are counted in the round ``round_code`` (the one :func:`seed` made); orphans,
    duplicates and the audit chain in the whole database.
    """
    engine = make_engine(url)
    of_round = (
        "FROM survey_response r JOIN evaluation_round e ON e.id = r.round_id WHERE e.code = :code"
    )
    try:
        with engine.connect() as conn:
            stored = set(
                conn.execute(text(f"SELECT r.receipt {of_round}"), {"code": round_code}).scalars()
            )
            duplicated = conn.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT invitation_id FROM survey_response "
                    "GROUP BY invitation_id HAVING COUNT(*) > 1) AS d"
                )
            ).scalar_one()
            incomplete = conn.execute(
                text(
                    f"SELECT COUNT(*) {of_round} AND (SELECT COUNT(*) FROM answer a "
                    "WHERE a.response_id = r.id) <> :n"
                ),
                {"n": items, "code": round_code},
            ).scalar_one()
            orphans = conn.execute(
                text(
                    "SELECT (SELECT COUNT(*) FROM answer a WHERE NOT EXISTS (SELECT 1 FROM "
                    "survey_response r WHERE r.id = a.response_id)) + (SELECT COUNT(*) FROM "
                    "invitation i WHERE (i.status = 'answered') <> EXISTS (SELECT 1 FROM "
                    "survey_response r WHERE r.invitation_id = i.id))"
                )
            ).scalar_one()
        with read_session(engine) as session:
            chain = verify_chain(session)
    finally:
        engine.dispose()
    return CountCheck(
        stored=len(stored),
        acknowledged=len(acknowledged),
        replays=len(replayed),
        missing=len((acknowledged | replayed) - stored),
        duplicated=int(duplicated),
        incomplete=int(incomplete),
        orphans=int(orphans),
        unknown=len(stored - acknowledged),
        chain_ok=chain.ok,
    )


# ---- server processes (Linux /proc; the benchmarks run on Linux) --------------------------------
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's supervisor and its worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time consumed so far by ``pids`` (those still running)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * _PAGE
