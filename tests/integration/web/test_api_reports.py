"""Signed PDF report downloads and the public-results switch through the JSON API (issue #6),
on SQLite and PostgreSQL: staff of the round's body, the enterprise's own viewer, 404 for the
rest, 409 for a tampered file or a round not yet issued."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from app.config import Settings
from app.db.engine import read_session
from app.db.models import AuditEntry, EvaluationRound
from app.domain.rounds.lifecycle import RoundState
from app.web.app import create_app
from tests.integration.web.helpers import BASE_URL, World, set_state
from tests.integration.web.test_api_tokens import bearer, make_token
from tests.integration.web.test_portal_reports import PDF, _store_report

Client = TestClient[Any]


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[Client]:
    app = create_app(Settings(data_dir=tmp_path), engine=engine)
    with TestClient(app, base_url=BASE_URL) as c:
        yield c


def _public(engine: Engine, round_id: int) -> bool:
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, round_id)
        assert rnd is not None
        return rnd.results_public


def _published(engine: Engine) -> int:
    with read_session(engine) as s:
        query = select(func.count()).where(AuditEntry.action == "round.results_public")
        return int(s.exec(query).one())


def test_report_downloads(client: Client, world: World, engine: Engine, tmp_path: Path) -> None:
    _store_report(engine, tmp_path, "TP-E1")
    path = _store_report(engine, tmp_path, "TP-E2", b"%PDF-1.7 E2\n")
    staff = make_token(engine, "assessor2")
    url = f"/api/v1/rounds/{world.round_a}/certificates/TP-E1/report.pdf"
    r = client.get(url, headers=bearer(staff))
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment")

    viewer = make_token(engine, "viewer1")  # E1
    mine = client.get("/api/v1/portal/certificates/TP-E1/report.pdf", headers=bearer(viewer))
    assert mine.status_code == 200
    assert mine.content == PDF
    theirs = client.get("/api/v1/portal/certificates/TP-E2/report.pdf", headers=bearer(viewer))
    assert theirs.status_code == 404
    assert theirs.json()["error"] == "not_found"
    assert client.get(url, headers=bearer(viewer)).status_code == 404  # no staff endpoints

    stranger = make_token(engine, "assessor3")  # body B2
    assert client.get(url, headers=bearer(stranger)).status_code == 404
    other = f"/api/v1/rounds/{world.round_other_body}/certificates/TP-E1/report.pdf"
    assert client.get(other, headers=bearer(stranger)).status_code == 404
    # Staff are no enterprise: the portal's role guard refuses them (as for the portal pages).
    r = client.get("/api/v1/portal/certificates/TP-E1/report.pdf", headers=bearer(stranger))
    assert r.status_code == 403

    path.write_bytes(b"%PDF-1.7 altered\n")  # not the file that was issued
    tampered = f"/api/v1/rounds/{world.round_a}/certificates/TP-E2/report.pdf"
    r = client.get(tampered, headers=bearer(staff))
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"


def test_results_publication(client: Client, world: World, engine: Engine) -> None:
    me = make_token(engine, "admin1")
    url = f"/api/v1/rounds/{world.round_a}/results-public"
    r = client.put(url, json={"public": True}, headers=bearer(me))
    assert r.status_code == 200, r.text
    assert r.json() == {"round_id": world.round_a, "results_public": True}
    assert _public(engine, world.round_a)
    r = client.put(url, json={"public": False}, headers=bearer(me))
    assert r.json()["results_public"] is False
    assert not _public(engine, world.round_a)

    set_state(engine, world.round_a, RoundState.REVIEW)
    published = _published(engine)
    early = client.put(url, json={"public": True}, headers=bearer(me))
    assert early.status_code == 409
    assert early.json()["error"] == "conflict"
    assert client.put(url, json={"public": "yes"}, headers=bearer(me)).status_code == 400
    for user in ("assessor3", "viewer1"):
        r = client.put(url, json={"public": True}, headers=bearer(make_token(engine, user)))
        assert r.status_code == 404
    set_state(engine, world.round_a, RoundState.ISSUED)
    assert not _public(engine, world.round_a)
    assert _published(engine) == published
