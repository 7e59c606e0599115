"""On-site observation visits through the JSON API (issue #6): the same service, rules and
validation as the pages, with personal API tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from app.db.engine import read_session
from app.db.models import AuditEntry, ObservationVisit, QuestionnaireVersion
from app.domain.rounds.lifecycle import RoundState
from tests.integration.web.helpers import World, login, set_state
from tests.integration.web.test_api_tokens import bearer, make_token
from tests.integration.web.test_observations import GOOD

Client = TestClient[Any]


def _visits(engine: Engine) -> int:
    with read_session(engine) as s:
        return s.exec(select(func.count()).select_from(ObservationVisit)).one()


def _audit(engine: Engine) -> int:
    with read_session(engine) as s:
        return s.exec(select(func.count()).select_from(AuditEntry)).one()


def _checklist(client: Client, round_id: int, token: str) -> int:
    r = client.post(f"/api/v1/rounds/{round_id}/observations/checklists", headers=bearer(token))
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


def _visit(world: World, version: int, **changes: Any) -> dict[str, Any]:
    # JSON answers: numbers as numbers; choice codes and "na" as on the page.
    answers: dict[str, Any] = {k: int(v) if v.isdigit() else v for k, v in GOOD.items()}
    return {
        "questionnaire_version_id": version,
        "enterprise_id": world.e1,
        "outlet": "Outlet North",
        "visit_date": "2026-02-10",
        "notes": "Visited at 10:00",
        "answers": answers,
        **changes,
    }


def test_record_list_and_read_a_visit(web_client: Client, world: World, engine: Engine) -> None:
    set_state(engine, world.round_a, RoundState.FIELDWORK)
    me = make_token(engine, "assessor1")
    base = f"/api/v1/rounds/{world.round_a}/observations"
    version = _checklist(web_client, world.round_a, me)
    assert _checklist(web_client, world.round_a, me) == version  # published once per body

    listed = web_client.get(f"{base}/checklists", headers=bearer(me)).json()
    assert [c["id"] for c in listed] == [version]
    items = web_client.get(f"{base}/checklists/{version}", headers=bearer(me)).json()["items"]
    by_code = {i["code"]: i for i in items}
    assert set(GOOD) <= set(by_code)
    assert by_code["obs_env_access"]["answer_codes"] is not None

    r = web_client.post(f"{base}/", json=_visit(world, version), headers=bearer(me))
    assert r.status_code == 201, r.text
    visit = r.json()
    assert visit["answers"]["obs_env_clean"] == 4
    assert visit["answers"]["obs_info_warranty"] is None
    assert {(f["item_code"], f["reason"]) for f in visit["findings"]} == {
        ("obs_env_signage", "low"),
        ("obs_env_access", "no"),
        ("obs_staff_idle", "low"),
    }
    # A rating sent as the page's form text is read the same way.
    as_text = _visit(world, version, outlet="Outlet South")
    as_text["answers"]["obs_env_clean"] = "5"
    second = web_client.post(f"{base}/", json=as_text, headers=bearer(me))
    assert second.status_code == 201, second.text
    assert second.json()["answers"]["obs_env_clean"] == 5

    colleague = make_token(engine, "admin1")  # a body admin of the same body sees them too
    page = web_client.get(f"{base}/?per_page=1", headers=bearer(colleague)).json()
    assert page["total"] == 2
    assert page["items"][0]["outlet"] == "Outlet North"
    assert page["items"][0]["findings"] == 3
    shown = web_client.get(f"{base}/{visit['id']}", headers=bearer(colleague))
    assert shown.status_code == 200
    assert shown.json() == visit
    with read_session(engine) as s:
        stored = s.get(ObservationVisit, visit["id"])
        assert stored is not None
        assert stored.assessor_id is not None
        actions = s.exec(select(AuditEntry.action)).all()
        assert actions.count("observation.record") == 2


def test_refusals_change_nothing(web_client: Client, world: World, engine: Engine) -> None:
    set_state(engine, world.round_a, RoundState.FIELDWORK)
    me = make_token(engine, "assessor1")
    base = f"/api/v1/rounds/{world.round_a}/observations"
    version = _checklist(web_client, world.round_a, me)
    before = _audit(engine)

    bad = _visit(world, version)
    bad["answers"] |= {"obs_env_clean": 9, "obs_env_access": "maybe", "not_an_item": 1}
    r = web_client.post(f"{base}/", json=bad, headers=bearer(me))
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_answers"
    assert {(p["item"], p["problem"]) for p in body["problems"]} == {
        ("obs_env_clean", "out_of_range"),
        ("obs_env_access", "not_a_choice"),
        ("not_an_item", "unknown_item"),
    }

    blank = web_client.post(f"{base}/", json=_visit(world, version, outlet=""), headers=bearer(me))
    assert blank.status_code == 400
    assert blank.json()["error"] == "bad_request"

    foreign = _visit(world, version, enterprise_id=world.e1 + 1000)
    r = web_client.post(f"{base}/", json=foreign, headers=bearer(me))
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"

    set_state(engine, world.round_a, RoundState.SAMPLING)
    early = web_client.post(f"{base}/", json=_visit(world, version), headers=bearer(me))
    assert early.status_code == 409
    assert early.json()["error"] == "conflict"
    assert "fieldwork" in early.json()["detail"]

    assert _visits(engine) == 0
    assert _audit(engine) == before


def test_other_body_and_viewers_get_404(web_client: Client, world: World, engine: Engine) -> None:
    set_state(engine, world.round_a, RoundState.FIELDWORK)
    me = make_token(engine, "assessor1")
    base = f"/api/v1/rounds/{world.round_a}/observations"
    version = _checklist(web_client, world.round_a, me)
    visit = web_client.post(f"{base}/", json=_visit(world, version), headers=bearer(me)).json()

    stranger = make_token(engine, "assessor3")  # body B2
    viewer = make_token(engine, "viewer1")  # the visited enterprise's own viewer
    for token in (stranger, viewer):
        for path in (
            f"{base}/",
            f"{base}/{visit['id']}",
            f"{base}/checklists",
            f"{base}/checklists/{version}",
        ):
            r = web_client.get(path, headers=bearer(token))
            assert r.status_code == 404, (path, r.status_code)
            assert r.json()["error"] == "not_found"
        r = web_client.post(f"{base}/", json=_visit(world, version), headers=bearer(token))
        assert r.status_code == 404
    # Their own round does not open another body's visit or checklist either.
    other = f"/api/v1/rounds/{world.round_other_body}/observations"
    assert web_client.get(f"{other}/{visit['id']}", headers=bearer(stranger)).status_code == 404
    r = web_client.get(f"{other}/checklists/{version}", headers=bearer(stranger))
    assert r.status_code == 404
    set_state(engine, world.round_other_body, RoundState.FIELDWORK)
    r = web_client.post(f"{other}/", json=_visit(world, version), headers=bearer(stranger))
    assert r.status_code == 404
    assert _visits(engine) == 1


def test_cookie_session_writes_need_the_csrf_header_reads_do_not(
    web_client: Client, world: World, engine: Engine
) -> None:
    login(web_client, "assessor1")
    r = web_client.post(f"/api/v1/rounds/{world.round_a}/observations/checklists")
    assert r.status_code == 403
    # Reads need no CSRF header.
    assert web_client.get(f"/api/v1/rounds/{world.round_a}/observations/").status_code == 200
    with read_session(engine) as s:  # the bundled checklist was not published
        assert s.exec(select(func.count()).select_from(QuestionnaireVersion)).one() == 0
