"""Random assessor assignment screen: conflicts, witness, one per round, verify, isolation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import AssessorAssignment, RoundEnterprise, User
from app.domain.rounds.lifecycle import RoundState
from tests.integration.web.helpers import World, csrf_token, html, login, set_state


def _run(client: TestClient[Any], round_id: int, data: Mapping[str, object]) -> Any:
    token = csrf_token(client, f"/rounds/{round_id}/assessors/")
    return client.post(
        f"/rounds/{round_id}/assessors/",
        data={**data, "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def test_assign_with_conflict_then_verify(
    web_client: TestClient[Any],
    world: World,
    engine: Engine,
) -> None:
    set_state(engine, world.round_a, RoundState.FIELDWORK)
    login(web_client, "admin1")
    page = html(web_client, f"/rounds/{world.round_a}/assessors/")
    assert page.status_code == 200
    assert "assessor1" in page.text
    assert "assessor2" in page.text
    assert "assessor3" not in page.text

    short = _run(web_client, world.round_a, {"witness": "short", "visits": "1"})
    assert short.status_code == 400
    assert 'id="error-witness"' in short.text
    with read_session(engine) as s:
        assert s.exec(select(AssessorAssignment)).first() is None

    data = {"witness": "witness-4711", "visits": "1", "conflict": ["assessor1|E1"]}
    r = _run(web_client, world.round_a, data)
    assert r.status_code in (302, 303), r.text
    page = html(web_client, f"/rounds/{world.round_a}/assessors/")
    assert 'id="assignment-seed"' in page.text
    assert "E1/visit-1" in page.text
    with read_session(engine) as s:
        users = {u.id: u.username for u in s.exec(select(User)).all()}
        links = s.exec(
            select(RoundEnterprise).where(RoundEnterprise.round_id == world.round_a)
        ).all()
        by_ent = {link.enterprise_id: users.get(link.assessor_id or 0) for link in links}
        stored = s.exec(select(AssessorAssignment)).one()
    assert by_ent[world.e1] == "assessor2"  # the declared conflict is respected
    assert by_ent[world.e2] in ("assessor1", "assessor2")
    loads = stored.record["loads"]
    assert sorted(loads.values()) == [2, 2]
    assert stored.record["conflicts"] == [["assessor1", "E1"]]

    # A second assignment is refused; nothing changes.
    again = _run(web_client, world.round_a, {"witness": "another-witness", "visits": "0"})
    assert again.status_code == 400
    assert "second one is not allowed" in again.text

    token = csrf_token(web_client, f"/rounds/{world.round_a}/assessors/")
    verify = web_client.post(
        f"/rounds/{world.round_a}/assessors/verify",
        data={"_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert 'data-ok="1"' in verify.text

    # An altered record no longer verifies.
    with write_session(engine) as s:
        row = s.exec(select(AssessorAssignment)).one()
        record = dict(row.record)
        swapped = [dict(a) for a in record["assignments"]]
        for a in swapped:
            if a["task"] == "E2/evaluation":
                a["assessor"] = "assessor1" if a["assessor"] == "assessor2" else "assessor2"
        row.record = {**record, "assignments": swapped}
        s.add(row)
    verify = web_client.post(
        f"/rounds/{world.round_a}/assessors/verify",
        data={"_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert 'data-ok="0"' in verify.text
    assert "E2/evaluation" in verify.text


def test_issued_round_and_other_body(web_client: TestClient[Any], world: World) -> None:
    login(web_client, "assessor1")
    refused = _run(web_client, world.round_a, {"witness": "witness-4711", "visits": "0"})
    assert refused.status_code == 400
    assert "issued" in refused.text
    assert html(web_client, f"/rounds/{world.round_other_body}/assessors/").status_code == 404
    token = csrf_token(web_client, f"/rounds/{world.round_a}/assessors/")
    r = web_client.post(
        f"/rounds/{world.round_other_body}/assessors/",
        data={"witness": "witness-4711", "visits": "0", "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 404
    assert "Gamma" not in r.text
