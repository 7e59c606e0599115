"""The database goes away or turns read-only / full while the app serves surveys.

* PostgreSQL drops every connection of the app (``pg_terminate_backend`` on the test database,
  over and over, while requests run). This stands in for a server restart or a failover:
  restarting the shared server would disturb every other user of it. The app must answer each
  request with its result or a clear 503, and recover with no manual step.
* The database turns read-only (SQLite: ``PRAGMA query_only``; PostgreSQL:
  ``default_transaction_read_only`` on the database, connections dropped as a failover to a
  read-only node would): writes get a clear 503, reads and replays still work, nothing
  acknowledged is lost, and once the database is writable again the next submission succeeds,
  even on connections opened while it was read-only. A really full disk and a filesystem
  remounted read-only are staged in ``test_disk_full.py``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from app.config import Settings
from app.db.engine import make_engine
from app.web.app import create_app
from tests.databases import PostgresFactory
from tests.integration.faults.checks import assert_submissions_whole
from tests.integration.survey.builders import fieldwork_round, full_answers
from tests.integration.web.helpers import BASE_URL, csrf_token

UNAVAILABLE = "unavailable or read-only"


def _submit(client: TestClient[Any], token: str, key: str) -> Any:
    body = {"token": token, "answers": full_answers(), "idempotency_key": key}
    return client.post("/api/v1/responses", json=body)


def _terminate_all(admin: Engine, database: str) -> int:
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        ).scalar_one()
    return int(killed)


@contextmanager
def _postgres(factory: PostgresFactory | None) -> Iterator[tuple[str, Engine]]:
    if factory is None:
        pytest.skip("no PostgreSQL server (set TIANPING_TEST_POSTGRES_URL to test it)")
    url = factory.url()
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        factory.drop(url)


def test_app_recovers_by_itself_when_postgresql_drops_every_connection(
    postgres_factory: PostgresFactory | None,
) -> None:
    with _postgres(postgres_factory) as (url, engine):
        database = make_url(url).database or ""
        _, issued = fieldwork_round(engine, enterprises=5, cases_per_stratum=10)  # 100 tokens
        admin = create_engine(postgres_factory.admin_url, isolation_level="AUTOCOMMIT")  # type: ignore[union-attr]
        try:
            _drop_connections_while_serving(engine, admin, database, issued)
        finally:
            admin.dispose()  # also when an assertion fails: no connection left for the GC


def _drop_connections_while_serving(
    engine: Engine, admin: Engine, database: str, issued: list[Any]
) -> None:
    stop = threading.Event()
    killed: list[int] = []

    def keep_killing() -> None:
        while not stop.is_set():
            killed.append(_terminate_all(admin, database))
            stop.wait(0.02)

    outcomes: list[tuple[int, dict[str, Any]]] = []
    with TestClient(create_app(Settings(), engine=engine), base_url=BASE_URL) as client:
        killer = threading.Thread(target=keep_killing)
        killer.start()
        try:
            for i, inv in enumerate(issued[:60]):
                response = _submit(client, inv.token, f"k{i}")
                outcomes.append((response.status_code, response.json()))
        finally:
            stop.set()
            killer.join()
        # The "restart" is over: no manual step, every further request just works.
        after = [_submit(client, inv.token, f"a{i}") for i, inv in enumerate(issued[60:])]
        assert [r.status_code for r in after] == [201] * len(after)
        assert client.get(f"/s/{issued[-1].token}", follow_redirects=False).status_code == 303
        # Tokens whose request got a 503 are submitted again: new, or the original receipt
        # if the commit had landed just before the connection died.
        retried = [
            _submit(client, issued[i].token, f"r{i}")
            for i, (status, _) in enumerate(outcomes)
            if status != 201
        ]
        assert all(r.status_code in (200, 201) for r in retried)
    assert sum(killed) > 0, "no connection was ever terminated"
    statuses = {status for status, _ in outcomes}
    assert statuses <= {201, 503}, outcomes
    for status, body in outcomes:
        if status == 503:
            assert body["code"] == "database_unavailable"
            assert UNAVAILABLE in body["message"]
    acknowledged = {body["receipt"] for status, body in outcomes if status == 201}
    acknowledged |= {r.json()["receipt"] for r in after + retried}
    assert assert_submissions_whole(engine, acknowledged) == len(issued)


# ---- read-only ---------------------------------------------------------------------------------
Fault = Callable[[bool], None]


@contextmanager
def _sqlite_read_only(engine: Engine) -> Iterator[Fault]:
    """Every connection handed out while the fault is on is read-only."""
    state = {"on": False}

    def on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.execute(f"PRAGMA query_only = {'ON' if state['on'] else 'OFF'}")

    event.listen(engine, "checkout", on_checkout)

    def switch(on: bool) -> None:
        state["on"] = on

    try:
        yield switch
    finally:
        event.remove(engine, "checkout", on_checkout)


@contextmanager
def _postgres_read_only(url: str, admin_url: str) -> Iterator[Fault]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    database = make_url(url).database or ""

    def switch(on: bool) -> None:
        with admin.connect() as conn:
            value = "on" if on else "off"
            conn.execute(
                text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = {value}')
            )
        if on:
            # As a failover to a read-only node would: the app's sessions are cut off. When
            # the database becomes writable again nobody touches the app's connections: those
            # opened meanwhile are read-only sessions the app has to notice and replace.
            _terminate_all(admin, database)

    try:
        yield switch
    finally:
        switch(False)
        admin.dispose()


def test_read_only_database_gets_a_clear_503_and_loses_nothing(
    engine: Engine, database_url: str, postgres_factory: PostgresFactory | None
) -> None:
    _, issued = fieldwork_round(engine)
    tokens = [inv.token for inv in issued]
    if engine.dialect.name == "sqlite":
        injector = _sqlite_read_only(engine)
    else:
        assert postgres_factory is not None
        injector = _postgres_read_only(database_url, postgres_factory.admin_url)
    with (
        injector as switch,
        TestClient(create_app(Settings(), engine=engine), base_url=BASE_URL) as client,
    ):
        first = _submit(client, tokens[0], "k0")
        assert first.status_code == 201, first.text
        csrf = csrf_token(client)
        switch(True)

        refused = _submit(client, tokens[1], "k1")
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "database_unavailable"
        assert UNAVAILABLE in refused.json()["message"]
        # Reads still work: the acknowledged submission replays with its receipt ...
        replay = _submit(client, tokens[0], "k0-again")
        assert replay.status_code == 200, replay.text
        assert replay.json()["receipt"] == first.json()["receipt"]
        # ... a consumer can open the survey, and a page that must write says why it cannot.
        assert client.get(f"/s/{tokens[2]}", follow_redirects=False).status_code == 303
        page = client.post(
            "/survey",
            data={"screen": "0", "action": "next", "_csrf_token": csrf},
            headers={"accept": "text/html"},
        )
        assert page.status_code == 503, page.text[:500]
        assert UNAVAILABLE in re.sub(r"\s+", " ", page.text)

        switch(False)
        # Back to normal with no manual step: the very next submissions succeed.
        again = _submit(client, tokens[1], "k1-again")
        assert again.status_code == 201, again.text
        third = _submit(client, tokens[3], "k3")
        assert third.status_code == 201, third.text
    acknowledged = {r.json()["receipt"] for r in (first, again, third)}
    assert assert_submissions_whole(engine, acknowledged) == 3
