"""Reading and verifying the random assessor assignment through the JSON API (issue #6), on
SQLite and PostgreSQL: the record the page shows, the re-run check, tenancy."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from app.db.engine import read_session, write_session
from app.db.models import AssessorAssignment
from app.domain.rounds.lifecycle import RoundState
from tests.integration.web.helpers import World, set_state
from tests.integration.web.test_api_tokens import bearer, make_token

Client = TestClient[Any]


def _assign(client: Client, world: World, token: str) -> None:
    r = client.post(
        f"/api/v1/rounds/{world.round_a}/assessors",
        json={
            "witness": "witness-4711",
            "visits_per_enterprise": 1,
            "conflicts": [{"assessor": "assessor1", "enterprise": "E1"}],
        },
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text


def test_record_and_verify(web_client: Client, world: World, engine: Engine) -> None:
    set_state(engine, world.round_a, RoundState.FIELDWORK)
    me = make_token(engine, "admin1")
    base = f"/api/v1/rounds/{world.round_a}/assessors"
    before = web_client.get(f"{base}/record", headers=bearer(me))
    assert before.status_code == 200
    assert before.json()["record"] is None
    assert before.json()["assessors"] == ["assessor1", "assessor2"]  # not B2's assessor3
    # Nothing to verify yet.
    r = web_client.post(f"{base}/verify", headers=bearer(me))
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"

    _assign(web_client, world, me)
    record = web_client.get(f"{base}/record", headers=bearer(me)).json()
    assert record["seed"]
    assert record["record"]["conflicts"] == [["assessor1", "E1"]]
    assigned = {a["enterprise_id"]: a["assessor"] for a in record["assigned"]}
    assert assigned[world.e1] == "assessor2"  # the declared conflict is respected
    ok = web_client.post(f"{base}/verify", headers=bearer(me))
    assert ok.status_code == 200
    assert ok.json() == {"round_id": world.round_a, "reproduces": True, "difference": None}

    with write_session(engine) as s:  # an altered record no longer verifies
        row = s.exec(select(AssessorAssignment)).one()
        swapped = [dict(a) for a in row.record["assignments"]]
        for a in swapped:
            if a["task"] == "E2/evaluation":
                a["assessor"] = "assessor1" if a["assessor"] == "assessor2" else "assessor2"
        row.record = {**row.record, "assignments": swapped}
        s.add(row)
    bad = web_client.post(f"{base}/verify", headers=bearer(me)).json()
    assert bad["reproduces"] is False
    assert "E2/evaluation" in bad["difference"]


def test_other_body_and_viewers_get_404(web_client: Client, world: World, engine: Engine) -> None:
    set_state(engine, world.round_a, RoundState.FIELDWORK)
    _assign(web_client, world, make_token(engine, "assessor1"))
    base = f"/api/v1/rounds/{world.round_a}/assessors"
    for user in ("assessor3", "viewer1"):
        token = make_token(engine, user)
        r = web_client.get(f"{base}/record", headers=bearer(token))
        assert r.status_code == 404
        assert r.json()["error"] == "not_found"
        assert "assessor2" not in r.text
        assert web_client.post(f"{base}/verify", headers=bearer(token)).status_code == 404
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(AssessorAssignment)).one() == 1
