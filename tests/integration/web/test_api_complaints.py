"""Complaint handling through the JSON API (issue #6): the page's figures and masked breaching
cases, for the round's body only, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from tests.integration.complaints.builders import Case
from tests.integration.web.helpers import World
from tests.integration.web.test_api_tokens import bearer, make_token
from tests.integration.web.test_complaints import CASES, _setup

Client = TestClient[Any]


def test_figures_and_masked_breaches(web_client: Client, world: World, engine: Engine) -> None:
    _setup(web_client, engine, world, CASES)
    me = make_token(engine, "assessor1")
    url = f"/api/v1/rounds/{world.round_a}/complaints"
    r = web_client.get(url, headers=bearer(me))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    view = r.json()
    assert [e["code"] for e in view["enterprises"]] == ["E1", "E2"]
    assert [b["case_id"] for b in view["breaches"]] == ["C-LATE"]
    assert view["breaches"][0]["phone"] == "139****1111"
    assert "13900001111" not in r.text
    e1 = view["enterprises"][0]
    overall = next(c for c in e1["classes"] if c["complaint_class"] == "all")
    first = next(c for c in overall["cells"] if c["limit"] == "first_response_24h")
    assert first["estimate"] == 0.5  # one of the two answered within 24 h (census)
    assert e1["categories"]["top"][0]["category"] == "billing"

    only_e2 = web_client.get(f"{url}?enterprise_id={world.e2}", headers=bearer(me)).json()
    assert [e["code"] for e in only_e2["enterprises"]] == ["E2"]
    assert only_e2["breaches"] == []


def test_refusals(web_client: Client, world: World, engine: Engine) -> None:
    _setup(web_client, engine, world, [Case("BAD-1", first=-2)])
    me = make_token(engine, "admin1")
    url = f"/api/v1/rounds/{world.round_a}/complaints"
    bad = web_client.get(url, headers=bearer(me))
    assert bad.status_code == 400
    assert bad.json()["error"] == "bad_request"
    assert "BAD-1" in bad.json()["detail"]
    outside = web_client.get(f"{url}?enterprise_id=999999", headers=bearer(me))
    assert outside.status_code == 404
    assert outside.json()["error"] == "not_found"
    assert web_client.get(f"{url}?enterprise_id=abc", headers=bearer(me)).status_code == 400


def test_viewers_and_other_bodies_get_404(web_client: Client, world: World, engine: Engine) -> None:
    _setup(web_client, engine, world, CASES)
    url = f"/api/v1/rounds/{world.round_a}/complaints"
    for user in ("viewer1", "assessor3"):  # E1's own viewer; another body's assessor
        r = web_client.get(url, headers=bearer(make_token(engine, user)))
        assert r.status_code == 404
        assert "C-LATE" not in r.text
        assert r.json()["error"] == "not_found"
    stranger = make_token(engine, "assessor3")
    own_url = f"/api/v1/rounds/{world.round_other_body}/complaints"
    own = web_client.get(own_url, headers=bearer(stranger))
    assert own.status_code == 200
    assert "C-LATE" not in own.text
