"""A real PostgreSQL restart under load: the app recovers by itself (issue #9 item 7).

The app (``create_app`` with its own engine, served by uvicorn on a free port) runs against a
private cluster (``pg_cluster.py``; the shared server is never restarted). Threads submit
surveys through the JSON API and read a JSON and an HTML page while the cluster is

1. restarted with ``pg_ctl restart -m fast`` or ``-m immediate`` (a crash: recovery replays the
   WAL on start), then
2. stopped the same way and held down for two seconds before ``pg_ctl start``, so that
   requests certainly meet a server that is not there at all.

Each request must get its normal answer or a clean 503 (the JSON error for the API, the HTML
error page for browsers; never a 500, never a traceback, never a dropped connection), and every
request made while the server was down gets the 503. Once the server accepts connections again
the app serves again within ``RECOVERY_SECONDS`` without anybody touching it, and no request
started after that moment fails; a restart while the app is idle goes unnoticed (its pooled
connections are dead: ``pool_pre_ping`` replaces them).

A refused token is sent again, as its client would (during the load, and once more after it):
it gets 201, or 200 with the original receipt when the commit had landed before the connection
died. In the end every token sent has exactly one receipt and every acknowledged submission is
stored, whole (``checks.py``).
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from math import inf
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import Engine

from app.config import Settings
from app.db.engine import make_engine
from app.db.migrate import upgrade
from app.errors import DatabaseUnavailableError
from app.web.app import create_app
from tests.integration.faults.checks import assert_submissions_whole
from tests.integration.faults.pg_cluster import PgCluster, free_port
from tests.integration.survey.builders import fieldwork_round, full_answers

pytestmark = pytest.mark.slow

SUBMITTERS = 4
READERS = 2
PAUSE_SECONDS = 0.03  # between one thread's requests: load, without starving the 2-core CI box
HELD_DOWN_SECONDS = 2.0
RECOVERY_SECONDS = 10.0  # from "the server accepts connections" to "the app serves again"
KEEP_SERVING_SECONDS = 1.5  # load kept on after recovery: it must not flap
SUBMIT_OK = frozenset({200, 201})
UNAVAILABLE = str(DatabaseUnavailableError())
KINDS = frozenset({"submit", "read-json", "read-html"})
RESPONSES = "/api/v1/responses"
UNKNOWN_CERTIFICATE = "/api/v1/certificates/NO-SUCH-CERT/status"


@dataclass(frozen=True)
class Outcome:
    kind: str  # "submit", "read-json" or "read-html"
    token: str  # submissions only
    started: float
    finished: float
    status: int  # 0: no HTTP response at all
    body: str
    content_type: str

    @property
    def ok(self) -> bool:
        return self.status in SUBMIT_OK if self.kind == "submit" else self.status == 200

    def json(self) -> Any:
        return httpx.Response(self.status, content=self.body.encode()).json()


class Load:
    """Submitters and readers hitting the app until told to stop."""

    def __init__(self, base_url: str, tokens: list[str]) -> None:
        self.base_url = base_url
        self.pending = deque(tokens)  # not acknowledged yet
        self.acknowledged: dict[str, str] = {}  # token -> receipt
        self.replays = 0
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._submitter) for _ in range(SUBMITTERS)]
        self.threads += [threading.Thread(target=self._reader) for _ in range(READERS)]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads), "a load thread hung"

    def _next_token(self) -> str | None:
        with self.lock:
            if self.pending:
                return self.pending.popleft()
            if not self.acknowledged:
                return None
            # All answered: replay acknowledged tokens, which must keep their receipt.
            self.replays += 1
            return list(self.acknowledged)[self.replays % len(self.acknowledged)]

    def _record(self, kind: str, token: str, call: Callable[[], httpx.Response]) -> Outcome:
        outcome = timed(kind, token, call)
        with self.lock:
            self.outcomes.append(outcome)
        return outcome

    def _submitter(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self.stop.is_set():
                token = self._next_token()
                if token is None:  # nothing acknowledged yet and nothing fresh left
                    self.stop.wait(PAUSE_SECONDS)
                    continue
                body = {"token": token, "answers": full_answers(), "idempotency_key": token}
                outcome = self._record("submit", token, partial(client.post, RESPONSES, json=body))
                with self.lock:
                    if outcome.ok:
                        self.acknowledged.setdefault(token, outcome.json()["receipt"])
                    elif token not in self.acknowledged:
                        self.pending.appendleft(token)  # as its client would: try again
                self.stop.wait(PAUSE_SECONDS)

    def _reader(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self.stop.is_set():
                self._record("read-json", "", lambda: client.get(UNKNOWN_CERTIFICATE))
                self._record(
                    "read-html", "", lambda: client.get("/results", headers={"accept": "text/html"})
                )
                self.stop.wait(PAUSE_SECONDS)

    def snapshot(self) -> list[Outcome]:
        with self.lock:
            return list(self.outcomes)

    def serving_since(self, since: float) -> bool:
        """Every kind of request has succeeded since ``since`` (started after it)."""
        return {o.kind for o in self.snapshot() if o.started >= since and o.ok} == KINDS

    def wait_serving(self, since: float) -> None:
        deadline = since + RECOVERY_SECONDS
        while not self.serving_since(since):
            assert time.monotonic() < deadline, (
                f"the app did not serve again within {RECOVERY_SECONDS} s of the database "
                f"coming back: {_summary(o for o in self.snapshot() if o.started >= since)}"
            )
            time.sleep(0.05)


def timed(kind: str, token: str, call: Callable[[], httpx.Response]) -> Outcome:
    started = time.monotonic()
    try:
        response = call()
        status, body = response.status_code, response.text
        content_type = response.headers.get("content-type", "")
    except Exception as exc:  # recorded and failed on by the test, not lost in a thread
        status, body, content_type = 0, f"{type(exc).__name__}: {exc}", ""
    return Outcome(kind, token, started, time.monotonic(), status, body, content_type)


def _summary(outcomes: Iterator[Outcome] | list[Outcome]) -> str:
    counts: dict[tuple[str, int], int] = {}
    for o in outcomes:
        counts[o.kind, o.status] = counts.get((o.kind, o.status), 0) + 1
    return ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(counts.items()))


@contextmanager
def _serving(engine: Engine, data_dir: Path) -> Iterator[str]:
    """The real app behind uvicorn (real HTTP, real thread pool), as in production."""
    settings = Settings(data_dir=data_dir, database_url=engine.url.render_as_string(False))
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, engine=engine),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the app did not answer /health in 20 s"
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _assert_clean(outcome: Outcome) -> None:
    """Its normal answer or the clear 503; nothing else, and never a traceback."""
    assert outcome.status != 0, f"{outcome.kind}: no HTTP answer ({outcome.body})"
    assert "Traceback" not in outcome.body, outcome.body[:2000]
    if outcome.ok:
        return
    assert outcome.status == 503, (outcome.kind, outcome.status, outcome.body[:2000])
    if outcome.kind == "read-html":
        assert outcome.content_type.startswith("text/html"), outcome.content_type
        assert UNAVAILABLE in re.sub(r"\s+", " ", outcome.body), outcome.body[:2000]
    else:
        assert outcome.json()["code"] == "database_unavailable", outcome.body
        assert outcome.json()["message"] == UNAVAILABLE, outcome.body


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_app_recovers_by_itself_from_a_postgresql_restart_under_load(
    pg_cluster: PgCluster, mode: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = pg_cluster.create_database(f"restart_{mode}")
    engine = make_engine(url)  # the app's own engine and pool settings: what is under test
    try:
        upgrade(engine)
        _, issued = fieldwork_round(engine, enterprises=5, cases_per_stratum=10)  # 100 tokens
        with _serving(engine, tmp_path / "data") as base_url:
            _restart_while_idle(base_url, pg_cluster, mode)
            with Load(base_url, [inv.token for inv in issued]) as load:
                load.wait_serving(time.monotonic())
                # 1. The real command, mid-load; its outage is short (fast) or a crash.
                pg_cluster.restart(mode)
                restarted = time.monotonic()
                load.wait_serving(restarted)
                time.sleep(KEEP_SERVING_SECONDS)
                # 2. The same shutdown, but the server stays away for a while.
                going_down = time.monotonic()
                pg_cluster.stop(mode)
                down = time.monotonic()
                time.sleep(HELD_DOWN_SECONDS)
                starting = time.monotonic()
                pg_cluster.start()
                up = time.monotonic()
                load.wait_serving(up)
                time.sleep(KEEP_SERVING_SECONDS)
            outcomes = load.snapshot()
            retried = _submit_again(base_url, outcomes)
        _check_outcomes(outcomes, down, starting, [(restarted, going_down), (up, inf)])
        receipts = _receipts(outcomes + retried)
        # Every token sent got a receipt in the end; all are stored exactly once and whole.
        assert set(receipts) == {o.token for o in outcomes if o.kind == "submit"}
        assert assert_submissions_whole(engine, set(receipts.values())) == len(receipts)
        # An outage is logged as a warning; an error would mean a request took the bug path.
        errors = [r for r in caplog.records if r.name.startswith("tianping") and r.levelno >= 40]
        assert not errors, [r.getMessage() for r in errors]
    finally:
        engine.dispose()


def _restart_while_idle(base_url: str, cluster: PgCluster, mode: str) -> None:
    """Restarted while nobody used the app: the pooled connections are dead, yet the very next
    requests succeed (``pool_pre_ping`` replaces them at checkout; without it they would fail
    once)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        read = partial(client.get, UNKNOWN_CERTIFICATE)
        page = partial(client.get, "/results", headers={"accept": "text/html"})
        before = [timed("read-json", "", read), timed("read-html", "", page)]
        cluster.restart(mode)
        after = [timed("read-json", "", read), timed("read-html", "", page)]
    assert all(o.ok for o in before + after), _summary(before + after)


def _check_outcomes(
    outcomes: list[Outcome], down: float, starting: float, serving: list[tuple[float, float]]
) -> None:
    for outcome in outcomes:
        _assert_clean(outcome)
    # While nothing listened, every request got the clean 503 (and there were such requests).
    while_down = [o for o in outcomes if o.started >= down and o.finished <= starting]
    assert {o.kind for o in while_down} == KINDS, _summary(while_down)
    assert all(o.status == 503 for o in while_down), _summary(while_down)
    # No request failed once the server accepted connections again (and there was load).
    for since, until in serving:
        later = [o for o in outcomes if o.started >= since and o.finished <= until]
        assert later, "no load after the restart"
        assert all(o.ok for o in later), _summary(later)


def _receipts(outcomes: list[Outcome]) -> dict[str, str]:
    """Token -> receipt; a token must never get two different receipts (stored twice)."""
    receipts: dict[str, str] = {}
    for o in outcomes:
        if o.kind == "submit" and o.ok:
            receipt = o.json()["receipt"]
            assert receipts.setdefault(o.token, receipt) == receipt, "a token stored twice"
    return receipts


def _submit_again(base_url: str, outcomes: list[Outcome]) -> list[Outcome]:
    """Send once more every token whose submissions all got a 503, the load being over."""
    answered = {o.token for o in outcomes if o.kind == "submit" and o.ok}
    refused = {o.token for o in outcomes if o.kind == "submit"} - answered
    again: list[Outcome] = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for token in sorted(refused):
            body = {"token": token, "answers": full_answers(), "idempotency_key": f"{token}-2"}
            again.append(timed("submit", token, partial(client.post, RESPONSES, json=body)))
    assert all(o.ok for o in again), _summary(again)
    return again
