"""The write API (/api/v1) drives a round from creation to superseded certificates with personal
API tokens, through the same services as the pages: each step's happy path, a refused
precondition, and another body's token getting 404 — on SQLite and PostgreSQL (issue #6).

PDF rendering is replaced by a stand-in writer (``fake_render``): the real rendering and signing
are tested in ``tests/integration/reports``; here the job, service and database wiring is.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import AuditEntry, Certificate, EvaluationRound
from app.db.models.user import Role
from app.demo import plan as demo
from app.demo import runner
from app.demo.synthetic import DemoEnterprise, write_registry
from app.domain.questionnaires.service import publish, save_draft
from app.domain.rounds.service import get_or_create_body
from app.domain.users.service import create_user
from app.keys_store import KeyStore
from app.web.app import create_app
from questionnaires.templates import load_template
from reports.batch import RenderJob
from tests.integration.web.helpers import BASE_URL, PASSWORD, World
from tests.integration.web.test_api_tokens import bearer, make_token


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, pii_keys=f"t1:{base64.b64encode(b'k' * 32).decode()}",
        pii_active_key="t1", contact_hash_key=base64.b64encode(b"h" * 32).decode(),
        secret_key="s" * 40,
    )  # fmt: skip


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(_settings(tmp_path), engine=engine)
    with TestClient(app, base_url=BASE_URL) as c:
        yield c


@pytest.fixture
def fake_render(monkeypatch: pytest.MonkeyPatch) -> list[RenderJob]:
    rendered: list[RenderJob] = []

    def render_many(
        document: dict[str, Any], jobs: Sequence[RenderJob], signer: Any, **_: Any
    ) -> list[tuple[Path, str]]:
        out = []
        for job in jobs:
            data = f"%PDF-1.7 stand-in {job.context.number}\n".encode()
            job.out.write_bytes(data)
            rendered.append(job)
            out.append((job.out, hashlib.sha256(data).hexdigest()))
        return out

    monkeypatch.setattr("app.domain.certificates.issuance.render_many", render_many)
    return rendered


def wait_job(client: TestClient, started: Any, token: str) -> dict[str, Any]:  # type: ignore[type-arg]
    assert started.status_code == 202, started.text
    url = started.json()["status_url"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(url, headers=bearer(token)).json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {url} still running after 120 s")


def _publish_questionnaire(engine: Engine, body_code: str) -> tuple[int, int]:
    """(published version id, draft version id) of the after-sales template in a body."""
    with write_session(engine) as s:
        body = get_or_create_body(s, body_code, body_code, "test")
        q = load_template("after-sales")
        version = save_draft(s, body_id=body.id or 0, questionnaire=q, actor="test")
        publish(s, version_id=version.id or 0, body_id=body.id, actor="test")
        draft = save_draft(s, body_id=body.id or 0, questionnaire=q, actor="test")
        return version.id or 0, draft.id or 0


def _registry(tmp_path: Path, code: str, seed: int) -> bytes:
    path = tmp_path / f"{code}.csv"
    write_registry(path, DemoEnterprise(code, code, code, 24, 0.2), np.random.default_rng(seed))
    return path.read_bytes()


def test_round_setup_steps_through_the_api(
    api: TestClient,
    world: World,
    engine: Engine,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    me = make_token(engine, "assessor1")
    colleague = make_token(engine, "assessor2")
    stranger = make_token(engine, "assessor3")  # another evaluation body
    published, draft = _publish_questionnaire(engine, "B1")

    # -- create round ------------------------------------------------------------------------
    body = {
        "code": "API-1",
        "title": "Round by script",
        "period_start": "2026-04-01",
        "period_end": "2026-06-30",
        "enterprise_ids": [world.e1, world.e2],
    }
    r = api.post("/api/v1/rounds/", json=body, headers=bearer(me))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["state"] == "draft"
    rid = created["id"]
    assert api.post("/api/v1/rounds/", json=body, headers=bearer(me)).status_code == 409
    bad = {**body, "code": "API-2", "period_end": "2026-01-01"}
    r = api.post("/api/v1/rounds/", json=bad, headers=bearer(me))
    assert r.status_code == 400
    assert "before it starts" in r.json()["detail"]
    r = api.post("/api/v1/rounds/", json={**body, "code": ""}, headers=bearer(me))
    assert r.status_code == 400
    assert "code" in r.json()["detail"]
    foreign = {**body, "code": "API-3", "enterprise_ids": [world.e1, 999_999]}
    assert api.post("/api/v1/rounds/", json=foreign, headers=bearer(me)).status_code == 404
    assert api.get(f"/api/v1/rounds/{rid}", headers=bearer(stranger)).status_code == 404
    enterprises = api.get("/api/v1/enterprises", headers=bearer(me)).json()
    assert {e["code"] for e in enterprises} == {"E1", "E2"}

    # -- plan ---------------------------------------------------------------------------------
    plan_url = f"/api/v1/rounds/{rid}/plan"
    plan = {"questionnaire_version_id": published, "plan": demo.PLAN}
    assert api.put(plan_url, json=plan, headers=bearer(stranger)).status_code == 404
    r = api.put(plan_url, json={**plan, "questionnaire_version_id": draft}, headers=bearer(me))
    assert r.status_code == 409
    assert "publish it" in r.json()["detail"]
    r = api.put(plan_url, json=plan, headers=bearer(me))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "draft"

    # -- freeze -------------------------------------------------------------------------------
    assert api.post(f"{plan_url}/freeze", headers=bearer(stranger)).status_code == 404
    r = api.post(f"{plan_url}/freeze", headers=bearer(me))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "plan_frozen"
    assert len(r.json()["plan_sha256"]) == 64
    r = api.put(plan_url, json=plan, headers=bearer(me))
    assert r.status_code == 409
    assert "frozen" in r.json()["detail"]

    # -- registries (multipart, background job) ----------------------------------------------
    reg_url = f"/api/v1/rounds/{rid}/registries"
    text = {"file": ("notes.txt", b"hello", "text/plain")}
    r = api.post(reg_url, files=text, headers=bearer(me))
    assert r.status_code == 400
    assert "CSV or XLSX" in r.json()["detail"]
    csv_e1 = {"file": ("E1.csv", _registry(tmp_path, "E1", 1), "text/csv")}
    assert api.post(reg_url, files=csv_e1, headers=bearer(stranger)).status_code == 404
    started = api.post(reg_url, files=csv_e1, headers=bearer(me))
    job = wait_job(api, started, me)
    assert job["state"] == "done", job
    assert "24 cases imported" in job["message"]
    assert api.get(started.json()["status_url"], headers=bearer(colleague)).status_code == 404
    csv_e2 = {"file": ("E2.csv", _registry(tmp_path, "E2", 2), "text/csv")}
    assert wait_job(api, api.post(reg_url, files=csv_e2, headers=bearer(me)), me)["state"] == "done"

    # -- draw with the second person's seed ---------------------------------------------------
    draw_url = f"/api/v1/rounds/{rid}/draw"
    witness = {"witness": "20261122-wx", "witness_name": "Second person"}
    r = api.post(draw_url, json={**witness, "witness": "short"}, headers=bearer(me))
    assert r.status_code == 400
    assert "witness" in r.json()["detail"]
    assert api.post(draw_url, json=witness, headers=bearer(stranger)).status_code == 404
    r = api.post(draw_url, json=witness, headers=bearer(me))
    assert r.status_code == 201, r.text
    drawn = r.json()
    assert drawn["population"] == 48
    assert drawn["sampled"] >= 24
    r = api.post(draw_url, json=witness, headers=bearer(me))
    assert r.status_code == 409
    assert "second draw" in r.json()["detail"]

    # -- random assessor assignment -------------------------------------------------------------
    assign_url = f"/api/v1/rounds/{rid}/assessors"
    assignment = {"witness": "assign-20261122", "visits_per_enterprise": 1}
    assert api.post(assign_url, json=assignment, headers=bearer(stranger)).status_code == 404
    r = api.post(
        assign_url,
        json={**assignment, "conflicts": [{"assessor": "nobody", "enterprise": "E1"}]},
        headers=bearer(me),
    )
    assert r.status_code == 400
    assert "nobody" in r.json()["detail"]
    r = api.post(assign_url, json=assignment, headers=bearer(me))
    assert r.status_code == 201, r.text
    assert r.json()["seed"]
    assert api.post(assign_url, json=assignment, headers=bearer(me)).status_code == 409

    # -- fieldwork ------------------------------------------------------------------------------
    fw_url = f"/api/v1/rounds/{rid}/fieldwork"
    r = api.post(fw_url, json={"channel": "email"}, headers=bearer(me))
    assert r.status_code == 400
    assert "SMTP" in r.json()["detail"]
    r = api.post(fw_url, json={"channel": "pigeon"}, headers=bearer(me))
    assert r.status_code == 400
    assert "channel" in r.json()["detail"]
    assert api.post(fw_url, json={"channel": "sms"}, headers=bearer(stranger)).status_code == 404
    r = api.post(fw_url, json={"channel": "sms", "days": 10}, headers=bearer(me))
    assert r.status_code == 201, r.text
    assert r.json()["invitations"] == drawn["sampled"]
    assert api.post(fw_url, json={"channel": "sms"}, headers=bearer(me)).status_code == 409

    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        assert rnd.state == "fieldwork"
        actions = {a.action for a in s.exec(select(AuditEntry)).all()}
    assert {
        "round.create",
        "plan.set",
        "registry.import",
        "sample.draw",
        "assessors.assign",
    } <= actions


def _pipeline_to_fieldwork(engine: Engine, tmp_path: Path) -> int:
    """The demo round with responses, up to fieldwork, through the services (no web)."""
    result = runner.DemoResult()
    rng = np.random.default_rng(11)
    runner.set_up_people_and_round(engine, result, PASSWORD)
    runner.import_registries(engine, _settings(tmp_path), result, rng, 0.005, lambda _d, _t: None)
    runner.draw(engine, result, rng)
    runner.fieldwork(engine, result, rng, lambda _d, _t: None)
    KeyStore.for_settings(_settings(tmp_path)).init(demo.BODY_NAME)
    with write_session(engine) as s:
        other = get_or_create_body(s, "OTHER", "Other body", "test")
        create_user(
            s,
            username="outsider",
            password=PASSWORD,
            role=Role.ASSESSOR,
            body_code=other.code,
            actor="test",
        )
    return result.round_id


def test_scoring_review_and_certificates_through_the_api(
    api: TestClient,  # type: ignore[type-arg]
    engine: Engine,
    tmp_path: Path,
    fake_render: list[RenderJob],
) -> None:
    rid = _pipeline_to_fieldwork(engine, tmp_path)
    scorer = make_token(engine, demo.ASSESSOR)
    reviewer = make_token(engine, demo.REVIEWER)
    stranger = make_token(engine, "outsider")
    base = f"/api/v1/rounds/{rid}"

    # -- scoring (job) ------------------------------------------------------------------------
    assert api.post(f"{base}/scoring", headers=bearer(stranger)).status_code == 404
    job = wait_job(api, api.post(f"{base}/scoring", headers=bearer(scorer)), scorer)
    assert job["state"] == "done", job
    assert job["message"] == "10 scorecards computed"

    # -- review: send back, then score again ----------------------------------------------------
    back = {"reason": "recheck the exclusions"}
    assert api.post(f"{base}/review/return", json=back, headers=bearer(stranger)).status_code == 404
    r = api.post(f"{base}/review/return", json=back, headers=bearer(reviewer))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "scoring"
    r = api.post(f"{base}/review/return", json=back, headers=bearer(reviewer))
    assert r.status_code == 409  # scoring → scoring is no transition
    assert (
        wait_job(api, api.post(f"{base}/scoring", headers=bearer(scorer)), scorer)["state"]
        == "done"
    )

    # -- approve (four eyes) and issue ------------------------------------------------------------
    r = api.post(f"{base}/review/approve", headers=bearer(scorer))
    assert r.status_code == 409
    assert "cannot also approve" in r.json()["detail"]
    assert api.post(f"{base}/review/approve", headers=bearer(stranger)).status_code == 404
    job = wait_job(api, api.post(f"{base}/review/approve", headers=bearer(reviewer)), reviewer)
    assert job["state"] == "done", job["message"]
    assert job["message"] == "10 certificates issued"
    assert len(fake_render) == 10
    with read_session(engine) as s:
        numbers = sorted(c.number for c in s.exec(select(Certificate)).all())
    first, second = numbers[0], numbers[1]

    # -- revoke ----------------------------------------------------------------------------------
    why = {"reason": "wrong period printed"}
    revoke = f"{base}/certificates/{first}/revoke"
    assert api.post(revoke, json=why, headers=bearer(stranger)).status_code == 404
    r = api.post(revoke, json=why, headers=bearer(reviewer))
    assert r.status_code == 200, r.text
    assert r.json() == {"number": first, "status": "revoked", "reason": "wrong period printed"}
    r = api.post(revoke, json=why, headers=bearer(reviewer))
    assert r.status_code == 409
    assert "already revoked" in r.json()["detail"]
    r = api.post(revoke, json={"reason": ""}, headers=bearer(reviewer))
    assert r.status_code == 400

    # -- supersede (job) ---------------------------------------------------------------------------
    r = api.post(f"{base}/certificates/{first}/supersede", json=why, headers=bearer(reviewer))
    assert r.status_code == 409
    assert "only a valid certificate" in r.json()["detail"]
    supersede = f"{base}/certificates/{second}/supersede"
    assert api.post(supersede, json=why, headers=bearer(stranger)).status_code == 404
    job = wait_job(api, api.post(supersede, json=why, headers=bearer(reviewer)), reviewer)
    assert job["state"] == "done", job
    with read_session(engine) as s:
        old = s.exec(select(Certificate).where(Certificate.number == second)).one()
        assert old.status == "superseded"
        new = s.get(Certificate, old.superseded_by_id)
        assert new is not None
        assert new.status == "valid"
        assert new.number in job["message"]
        assert (tmp_path / "reports" / f"{new.number}.pdf").is_file()
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "certificate.supersede")).one()
        assert audit.reason == "wrong period printed"
        assert audit.actor == demo.REVIEWER
        rnd = s.get(EvaluationRound, rid)
        assert rnd is not None
        assert rnd.state == "issued"

    # -- after issuance, the review steps are refused -------------------------------------------
    assert api.post(f"{base}/review/approve", headers=bearer(reviewer)).status_code == 409
    assert api.post(f"{base}/review/return", json=back, headers=bearer(reviewer)).status_code == 409


def test_openapi_describes_the_write_endpoints(api: TestClient) -> None:  # type: ignore[type-arg]
    schema = api.get("/schema/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/rounds", "post"),
        ("/api/v1/rounds/{round_id}/plan", "put"),
        ("/api/v1/rounds/{round_id}/plan/freeze", "post"),
        ("/api/v1/rounds/{round_id}/registries", "post"),
        ("/api/v1/rounds/{round_id}/draw", "post"),
        ("/api/v1/rounds/{round_id}/assessors", "post"),
        ("/api/v1/rounds/{round_id}/fieldwork", "post"),
        ("/api/v1/rounds/{round_id}/scoring", "post"),
        ("/api/v1/rounds/{round_id}/review/approve", "post"),
        ("/api/v1/rounds/{round_id}/review/return", "post"),
        ("/api/v1/rounds/{round_id}/certificates/{number}/revoke", "post"),
        ("/api/v1/rounds/{round_id}/certificates/{number}/supersede", "post"),
        ("/api/v1/jobs/{job_id}", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} missing from OpenAPI"
    bearer_scheme = schema["components"]["securitySchemes"]["PersonalApiToken"]
    assert bearer_scheme == {**bearer_scheme, "type": "http", "scheme": "bearer"}
    assert paths["/api/v1/rounds/{round_id}/draw"]["post"]["security"] == [{"PersonalApiToken": []}]
    schemas = schema["components"]["schemas"]
    assert "witness" in schemas["DrawIn"]["properties"]
    assert schemas["DrawIn"]["properties"]["witness"]["minLength"] == 8
