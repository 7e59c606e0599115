"""Superseding a certificate from the assessor's scoring page: a reason, a background re-issue
through the issuance code, an audit entry; refused with the reason when it is not valid."""

from __future__ import annotations

import re
import time
from pathlib import Path

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session
from app.db.models import AuditEntry, Certificate, User
from app.demo import plan as demo
from app.domain.certificates.issuance import issue_certificates
from app.domain.scoring_runs.service import compute_scorecards
from reports.batch import RenderJob
from tests.integration.web.helpers import csrf_token, html, login
from tests.integration.web.test_api_workflow import (  # noqa: F401  # fixtures
    _pipeline_to_fieldwork,
    _settings,
    api,
    fake_render,
)


def _user_id(engine: Engine, username: str) -> int:
    with read_session(engine) as s:
        return s.exec(select(User).where(User.username == username)).one().id or 0


def _issued_round(engine: Engine, tmp_path: Path) -> tuple[int, list[str]]:
    rid = _pipeline_to_fieldwork(engine, tmp_path)
    compute_scorecards(
        engine, round_id=rid, actor=demo.ASSESSOR, user_id=_user_id(engine, demo.ASSESSOR)
    )
    issued = issue_certificates(
        engine,
        round_id=rid,
        approver_id=_user_id(engine, demo.REVIEWER),
        actor=demo.REVIEWER,
        settings=_settings(tmp_path),
    )
    return rid, sorted(c.number for c in issued)


def test_supersede_from_the_scoring_page(
    api: TestClient,  # type: ignore[type-arg]  # noqa: F811
    engine: Engine,
    tmp_path: Path,
    fake_render: list[RenderJob],  # noqa: F811
) -> None:
    rid, numbers = _issued_round(engine, tmp_path)
    first, second = numbers[0], numbers[1]
    login(api, "outsider")
    token = csrf_token(api, "/account")
    r = api.post(
        f"/rounds/{rid}/certificates/{second}/supersede",
        data={"reason": "x", "_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 404
    api.cookies.clear()

    login(api, demo.REVIEWER)
    page = html(api, f"/rounds/{rid}/scoring")
    assert f'action="/rounds/{rid}/certificates/{second}/supersede"' in page.text
    token = csrf_token(api, f"/rounds/{rid}/scoring")
    r = api.post(
        f"/rounds/{rid}/certificates/{first}/revoke",
        data={"reason": "issued by mistake", "_csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303)
    r = api.post(
        f"/rounds/{rid}/certificates/{first}/supersede",
        data={"reason": "new period", "_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 409
    assert "only a valid certificate can be superseded" in r.text
    r = api.post(
        f"/rounds/{rid}/certificates/{second}/supersede",
        data={"reason": "  ", "_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 400
    assert "give a reason" in r.text

    r = api.post(
        f"/rounds/{rid}/certificates/{second}/supersede",
        data={"reason": "address of the enterprise corrected", "_csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303)
    match = re.fullmatch(rf"/rounds/{rid}/jobs/([A-Za-z0-9_\-]+)", r.headers["location"])
    assert match is not None
    assert 'data-status-url="/jobs/' in html(api, r.headers["location"]).text
    status = f"/jobs/{match.group(1)}.json"
    deadline = time.monotonic() + 60
    while (job := api.get(status).json())["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert job["state"] == "done", job["message"]
    with read_session(engine) as s:
        old = s.exec(select(Certificate).where(Certificate.number == second)).one()
        assert old.status == "superseded"
        assert old.revoke_reason == "address of the enterprise corrected"
        new = s.get(Certificate, old.superseded_by_id)
        assert new is not None
        assert new.status == "valid"
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "certificate.supersede")).one()
        assert entry.actor == demo.REVIEWER
    # The re-issued report went through the same issuance code (one more render).
    assert [j.context.number for j in fake_render][-1] == new.number
