"""Findings and rectification through the JSON API (issue #6): the assessor records and decides,
the enterprise submits plans with evidence, escalation rules are set and applied — the same
services as the pages, with personal API tokens, on SQLite and PostgreSQL; another body's or
another enterprise's token gets 404 and refusals change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from app.config import Settings
from app.db.engine import read_session
from app.db.models import AuditEntry, Escalation, Evidence, Finding, RectificationPlan
from app.web.app import create_app
from tests.integration.rectification.setup import EXE, PDF, PNG, RectWorld, build
from tests.integration.web.helpers import BASE_URL, login
from tests.integration.web.test_api_tokens import bearer, make_token

Client = TestClient[Any]
LIMIT = 64 * 1024


@pytest.fixture
def rw(engine: Engine) -> RectWorld:
    return build(engine)


@pytest.fixture
def client(engine: Engine, tmp_path: Path, rw: RectWorld) -> Iterator[Client]:
    app = create_app(Settings(data_dir=tmp_path, evidence_max_bytes=LIMIT), engine=engine)
    with TestClient(app, base_url=BASE_URL) as c:
        yield c


def _count(engine: Engine, model: type) -> int:
    with read_session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _finding(rw: RectWorld, **changes: Any) -> dict[str, Any]:
    return {
        "enterprise_id": rw.failing,
        "target_kind": "dimension",
        "target_code": "attitude",
        "severity": "major",
        "required_action": "Retrain the front desk.",
        "deadline": (date.today() + timedelta(days=30)).isoformat(),
        **changes,
    }


def _record(client: Client, rw: RectWorld, token: str) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/rounds/{rw.round_id}/findings/", json=_finding(rw), headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_record_plan_with_evidence_and_decide(
    client: Client, rw: RectWorld, engine: Engine
) -> None:
    me = make_token(engine, "assessor1")
    staff = f"/api/v1/rounds/{rw.round_id}/findings"
    recorded = _record(client, rw, me)
    finding_id = recorded["finding"]["id"]
    assert recorded["finding"]["status"] == "open"
    assert recorded["finding"]["enterprise_code"] == "E2"
    assert recorded["plans"] == []
    listed = client.get(f"{staff}/", headers=bearer(me))
    assert listed.status_code == 200
    assert listed.headers["cache-control"] == "no-store"
    assert [f["id"] for f in listed.json()["items"]] == [finding_id]
    targets = client.get(f"{staff}/targets", headers=bearer(me)).json()
    assert {t["enterprise_code"] for t in targets} == {"E1", "E2"}

    viewer = make_token(engine, "viewer2")  # E2's own viewer
    portal = "/api/v1/portal/findings"
    mine = client.get(f"{portal}/", headers=bearer(viewer)).json()
    assert [f["id"] for f in mine["items"]] == [finding_id]
    assert client.get(f"{portal}/{finding_id}", headers=bearer(viewer)).status_code == 200
    r = client.post(
        f"{portal}/{finding_id}/plan",
        data={"plan_text": "New greeting script; weekly coaching."},
        files=[
            ("evidence", ("training record.pdf", PDF, "application/pdf")),
            ("evidence", ("desk.png", PNG, "image/png")),
        ],
        headers=bearer(viewer),
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["finding"]["status"] == "plan_submitted"
    files = {e["filename"]: e for e in plan["plans"][0]["evidence"]}
    assert set(files) == {"training record.pdf", "desk.png"}
    download = client.get(files["training record.pdf"]["url"], headers=bearer(viewer))
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"

    shown = client.get(f"{staff}/{finding_id}", headers=bearer(me)).json()
    staff_url = shown["plans"][0]["evidence"][0]["url"]
    assert staff_url.startswith(f"{staff}/{finding_id}/evidence/")
    assert client.get(staff_url, headers=bearer(me)).content in (PDF, PNG)
    decided = client.post(
        f"{staff}/{finding_id}/decision",
        json={"outcome": "accept", "reason": "Evidence is convincing."},
        headers=bearer(me),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["finding"]["status"] == "accepted"
    assert decided.json()["plans"][0]["decision"]["outcome"] == "accept"
    with read_session(engine) as s:
        actions = set(s.exec(select(AuditEntry.action)).all())
    assert {"finding.record", "rectification.plan_submitted"} <= actions


def test_refusals_are_json_and_change_nothing(
    client: Client, rw: RectWorld, engine: Engine, tmp_path: Path
) -> None:
    me = make_token(engine, "assessor1")
    staff = f"/api/v1/rounds/{rw.round_id}/findings"
    past = (date.today() - timedelta(days=1)).isoformat()
    r = client.post(f"{staff}/", json=_finding(rw, deadline=past), headers=bearer(me))
    assert r.status_code == 400
    assert r.json()["error"] == "bad_request"
    assert r.json()["detail"].startswith("deadline:")
    r = client.post(
        f"{staff}/", json=_finding(rw, target_kind="item", target_code="att99"), headers=bearer(me)
    )
    assert r.status_code == 400
    assert "att99" in r.json()["detail"]
    r = client.post(f"{staff}/", json=_finding(rw, severity="huge"), headers=bearer(me))
    assert r.status_code == 400  # schema validation: not one of the severities
    assert _count(engine, Finding) == 0

    finding_id = _record(client, rw, me)["finding"]["id"]
    viewer = make_token(engine, "viewer2")
    audit = _count(engine, AuditEntry)
    # No plan yet: nothing to decide on.
    r = client.post(
        f"{staff}/{finding_id}/decision",
        json={"outcome": "accept", "reason": "ok"},
        headers=bearer(me),
    )
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"
    plan_url = f"/api/v1/portal/findings/{finding_id}/plan"
    for files in (
        [("evidence", ("fix.pdf", EXE, "application/pdf"))],
        [("evidence", ("scan.pdf", PDF + b"0" * LIMIT, "application/pdf"))],
    ):
        r = client.post(plan_url, data={"plan_text": "A plan"}, files=files, headers=bearer(viewer))
        assert r.status_code == 400, r.text
        assert r.json()["detail"].startswith("evidence:")
    r = client.post(plan_url, data={"plan_text": ""}, headers=bearer(viewer))
    assert r.status_code == 400
    assert _count(engine, RectificationPlan) == 0
    assert _count(engine, Evidence) == 0
    assert _count(engine, AuditEntry) == audit
    assert not (tmp_path / "evidence").exists() or not any((tmp_path / "evidence").iterdir())

    # A cookie session must send the CSRF header on writes.
    login(client, "viewer2")
    assert client.post(plan_url, data={"plan_text": "A plan"}).status_code == 403
    assert client.get(f"/api/v1/portal/findings/{finding_id}").status_code == 200  # reads do
    assert _count(engine, RectificationPlan) == 0


def test_other_tenants_get_404(client: Client, rw: RectWorld, engine: Engine) -> None:
    me = make_token(engine, "assessor1")
    staff = f"/api/v1/rounds/{rw.round_id}/findings"
    finding_id = _record(client, rw, me)["finding"]["id"]
    owner = make_token(engine, "viewer2")
    r = client.post(
        f"/api/v1/portal/findings/{finding_id}/plan",
        data={"plan_text": "A plan"},
        files=[("evidence", ("a.pdf", PDF, "application/pdf"))],
        headers=bearer(owner),
    )
    assert r.status_code == 201
    evidence_url = r.json()["plans"][0]["evidence"][0]["url"]
    plans = _count(engine, RectificationPlan)

    other_viewer = make_token(engine, "viewer1")  # E1, same body
    portal = f"/api/v1/portal/findings/{finding_id}"
    assert client.get(portal, headers=bearer(other_viewer)).status_code == 404
    assert client.get(evidence_url, headers=bearer(other_viewer)).status_code == 404
    listed = client.get("/api/v1/portal/findings/", headers=bearer(other_viewer)).json()
    assert listed["items"] == []
    stolen = client.post(
        f"{portal}/plan",
        data={"plan_text": "Hijack"},
        files=[("evidence", ("x.pdf", PDF, "application/pdf"))],
        headers=bearer(other_viewer),
    )
    assert stolen.status_code == 404
    assert stolen.json()["error"] == "not_found"
    # Viewers have no staff endpoints; staff have no portal endpoints of their own.
    assert client.get(f"{staff}/", headers=bearer(owner)).status_code == 404
    assert client.get(f"{staff}/{finding_id}", headers=bearer(owner)).status_code == 404

    stranger = make_token(engine, "assessor3")  # body B2
    other_round = f"/api/v1/rounds/{rw.world.round_other_body}/findings"
    for path in (
        f"{staff}/",
        f"{staff}/{finding_id}",
        f"{staff}/rule",
        f"{staff}/escalations",
        f"{staff}/targets",
        f"{other_round}/{finding_id}",
    ):
        r = client.get(path, headers=bearer(stranger))
        assert r.status_code == 404, path
    r = client.post(
        f"{staff}/{finding_id}/decision",
        json={"outcome": "reject", "reason": "no"},
        headers=bearer(stranger),
    )
    assert r.status_code == 404
    r = client.post(f"{staff}/", json=_finding(rw), headers=bearer(stranger))
    assert r.status_code == 404
    r = client.put(f"{staff}/rule", json={"days_to_rectify": 30, "grade_below": "B"},
                   headers=bearer(stranger))  # fmt: skip
    assert r.status_code == 404
    assert client.post(f"{staff}/evaluate", headers=bearer(stranger)).status_code == 404
    assert _count(engine, RectificationPlan) == plans
    assert _count(engine, Finding) == 1
    with read_session(engine) as s:
        assert s.get(Finding, finding_id).status == "plan_submitted"  # type: ignore[union-attr]


def test_escalation_rule_and_evaluation(client: Client, rw: RectWorld, engine: Engine) -> None:
    me = make_token(engine, "assessor1")
    staff = f"/api/v1/rounds/{rw.round_id}/findings"
    assert client.get(f"{staff}/rule", headers=bearer(me)).json() is None
    # Evaluating without a rule is refused, and records nothing.
    r = client.post(f"{staff}/evaluate", headers=bearer(me))
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"
    bad = client.put(f"{staff}/rule", json={"days_to_rectify": 30}, headers=bearer(me))
    assert bad.status_code == 400  # neither a grade nor a composite threshold
    assert client.get(f"{staff}/rule", headers=bearer(me)).json() is None

    rule = {"days_to_rectify": 30, "composite_below": 70.0, "severity": "major"}
    r = client.put(f"{staff}/rule", json=rule, headers=bearer(me))
    assert r.status_code == 200, r.text
    assert r.json()["composite_below"] == 70.0
    assert client.get(f"{staff}/rule", headers=bearer(me)).json() == r.json()
    r = client.post(f"{staff}/evaluate", headers=bearer(me))
    assert r.status_code == 200, r.text
    outcome = r.json()
    # E2 (composite 64.25) is below 70: warned; E1 (81.5) is not.
    assert [w["enterprise_id"] for w in outcome["warnings"]] == [rw.failing]
    rows = client.get(f"{staff}/escalations", headers=bearer(me)).json()
    assert [(x["enterprise_code"], x["escalation"]["level"]) for x in rows] == [("E2", "warning")]
    assert _count(engine, Escalation) == 1
    findings = client.get(f"{staff}/", headers=bearer(me)).json()["items"]
    assert [(f["enterprise_code"], f["source"]) for f in findings] == [("E2", "rule")]
