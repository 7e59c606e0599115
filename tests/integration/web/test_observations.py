"""On-site observation checklists: bundled checklist, recording with validation, findings."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session
from app.db.models import ObservationVisit
from app.domain.observations.service import observation_findings
from app.domain.rounds.lifecycle import RoundState
from tests.integration.web.helpers import World, csrf_token, html, login, set_state

GOOD = {
    "obs_env_clean": "4",
    "obs_env_signage": "2",  # low → finding
    "obs_env_waiting": "3",
    "obs_env_access": "no",  # "no" → finding
    "obs_staff_greet": "5",
    "obs_staff_manner": "4",
    "obs_staff_badge": "yes",
    "obs_staff_idle": "5",  # reverse-scored: 5 is the worst → finding
    "obs_info_prices": "yes",
    "obs_info_complaint": "yes",
    "obs_info_clarity": "4",
    "obs_info_warranty": "na",
    "obs_comp_license": "yes",
    "obs_comp_receipt": "yes",
    "obs_comp_process": "4",
    "obs_comp_privacy": "3",
    "obs_queue": "few",
    "obs_notes": "Door sign broken",
}


def _post(client: TestClient, path: str, data: dict[str, Any]) -> Any:  # type: ignore[type-arg]
    token = csrf_token(client, path.split("?")[0].rsplit("/", 1)[0] + "/")
    return client.post(
        path,
        data={**data, "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def test_record_a_visit_and_findings(
    web_client: TestClient[Any],
    world: World,
    engine: Engine,
) -> None:
    set_state(engine, world.round_a, RoundState.FIELDWORK)
    login(web_client, "assessor1")
    base = f"/rounds/{world.round_a}/observations"
    r = _post(web_client, f"{base}/checklist", {})
    assert r.status_code in (302, 303)
    form_path = r.headers["location"]
    page = html(web_client, form_path)
    assert page.status_code == 200
    assert 'name="obs_env_clean"' in page.text
    version = form_path.rsplit("=", 1)[1]
    fields = {
        "questionnaire_version_id": version,
        "enterprise_id": str(world.e1),
        "outlet": "Outlet North",
        "visit_date": "2026-02-10",
        "notes": "Visited at 10:00",
    }
    bad = _post(web_client, form_path, {**fields, **GOOD, "obs_env_clean": "9", "outlet": ""})
    assert bad.status_code == 422
    assert 'id="error-outlet"' in bad.text
    missing = _post(web_client, form_path, {**fields, **GOOD, "obs_env_clean": "9"})
    assert missing.status_code == 422
    assert 'id="error-obs_env_clean"' in missing.text
    with read_session(engine) as s:
        assert s.exec(select(ObservationVisit)).first() is None

    ok = _post(web_client, form_path, {**fields, **GOOD})
    assert ok.status_code in (302, 303), ok.text
    shown = html(web_client, ok.headers["location"])
    assert shown.status_code == 200
    assert 'id="finding-obs_env_access"' in shown.text
    listing = html(web_client, f"{base}/")
    assert "Outlet North" in listing.text
    with read_session(engine) as s:
        visit = s.exec(select(ObservationVisit)).one()
        assert visit.answers["obs_info_warranty"] is None
        assert visit.answers["obs_env_clean"] == 4
        findings = observation_findings(s, world.round_a, world.e1)
        assert observation_findings(s, world.round_a, world.e2) == []
    assert {(f.item_code, f.reason) for f in findings} == {
        ("obs_env_signage", "low"),
        ("obs_env_access", "no"),
        ("obs_staff_idle", "low"),
    }


def test_round_before_fieldwork_and_other_body(
    web_client: TestClient[Any],
    world: World,
    engine: Engine,
) -> None:
    set_state(engine, world.round_a, RoundState.SAMPLING)
    login(web_client, "assessor1")
    base = f"/rounds/{world.round_a}/observations"
    form_path = _post(web_client, f"{base}/checklist", {}).headers["location"]
    version = form_path.rsplit("=", 1)[1]
    data = {
        **GOOD,
        "questionnaire_version_id": version,
        "enterprise_id": str(world.e1),
        "outlet": "Outlet",
        "visit_date": "2026-02-10",
    }
    early = _post(web_client, form_path, data)
    assert early.status_code == 422
    assert "fieldwork" in early.text
    other = f"/rounds/{world.round_other_body}/observations"
    assert html(web_client, f"{other}/").status_code == 404
    assert html(web_client, f"{other}/new?version={version}").status_code == 404
    assert html(web_client, f"{base}/999").status_code == 404
