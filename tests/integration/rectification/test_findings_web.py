"""Findings pages: the assessor records and decides, the enterprise rectifies with evidence;
tenancy (404 for another enterprise or body), CSRF-protected multipart upload, attachment
headers, localised field messages, and the escalation rule pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import Evidence, Finding, RectificationPlan
from app.web.app import create_app
from tests.integration.rectification.setup import EXE, PDF, PNG, RectWorld, build
from tests.integration.web.helpers import BASE_URL, csrf_token, html, login

LIMIT = 64 * 1024


@pytest.fixture
def rw(engine: Engine) -> RectWorld:
    return build(engine)


@pytest.fixture
def app(engine: Engine, tmp_path: Path, rw: RectWorld) -> Litestar:
    return create_app(Settings(data_dir=tmp_path, evidence_max_bytes=LIMIT), engine=engine)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Any]]:
    with TestClient(app, base_url=BASE_URL) as c:
        c.cookies.set("tianping_lang", "en")  # messages are asserted in English unless switched
        yield c


def _post(client: TestClient[Any], path: str, data: dict[str, Any], page: str, **kw: Any) -> Any:
    token = csrf_token(client, page)
    return client.post(
        path,
        data={**data, "_csrf_token": token},
        headers={"accept": "text/html"},
        follow_redirects=False,
        **kw,
    )


def _finding_form(rw: RectWorld, **overrides: str) -> dict[str, str]:
    return {
        "enterprise_id": str(rw.failing),
        "target_kind": "dimension",
        "target_code": "attitude",
        "severity": "major",
        "required_action": "Retrain the front desk.",
        "deadline": (date.today() + timedelta(days=30)).isoformat(),
        **overrides,
    }


def _count(engine: Engine, model: type) -> int:
    with read_session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _record(client: TestClient[Any], rw: RectWorld) -> int:
    base = f"/rounds/{rw.round_id}/findings/"
    r = _post(client, base, _finding_form(rw), base)
    assert r.status_code in (302, 303), r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_finding_form_refuses_bad_input_in_the_users_language(
    client: TestClient[Any], rw: RectWorld, engine: Engine
) -> None:
    login(client, "assessor1")
    base = f"/rounds/{rw.round_id}/findings/"
    page = html(client, base)
    assert page.status_code == 200
    assert 'id="scorecard-targets"' in page.text
    assert "target_code=attitude" in page.text  # record a finding straight from the scorecard
    past = (date.today() - timedelta(days=1)).isoformat()
    r = _post(client, base, _finding_form(rw, deadline=past), base)
    assert r.status_code == 422
    assert 'id="error-deadline"' in r.text
    assert f"The deadline {past} is not in the future" in r.text
    r = _post(client, base, _finding_form(rw, target_kind="item", target_code="att99"), base)
    assert r.status_code == 422
    assert 'id="error-target_code"' in r.text
    assert "no item att99" in r.text
    client.cookies.set("tianping_lang", "zh")
    r = _post(client, base, _finding_form(rw, deadline=past), base)
    assert r.status_code == 422
    assert f"截止日期 {past} 不在未来" in r.text
    assert _count(engine, Finding) == 0


def test_rectification_cycle_with_evidence_and_tenancy(
    app: Litestar, client: TestClient[Any], rw: RectWorld, engine: Engine, tmp_path: Path
) -> None:
    login(client, "assessor1")
    finding_id = _record(client, rw)
    staff_page = f"/rounds/{rw.round_id}/findings/{finding_id}"
    assert html(client, staff_page).status_code == 200

    login(client, "viewer2")
    assert f'id="finding-{finding_id}"' in html(client, "/portal/findings/").text
    page = f"/portal/findings/{finding_id}"
    shown = html(client, page)
    assert shown.status_code == 200
    assert 'id="plan-form"' in shown.text
    plan_url = f"{page}/plan"
    fields = {"plan_text": "New greeting script; weekly coaching."}
    exe = _post(
        client, plan_url, fields, page, files=[("evidence", ("fix.pdf", EXE, "application/pdf"))]
    )
    assert exe.status_code == 422
    assert 'id="error-evidence"' in exe.text
    assert "fix.pdf is not a PDF, PNG or JPEG" in exe.text
    big = _post(
        client,
        plan_url,
        fields,
        page,
        files=[("evidence", ("scan.pdf", PDF + b"0" * LIMIT, "application/pdf"))],
    )
    assert big.status_code == 422
    assert "scan.pdf is larger than the limit" in big.text
    empty_text = _post(
        client, plan_url, {"plan_text": ""}, page, files=[("evidence", ("a.pdf", PDF, "x/y"))]
    )
    assert empty_text.status_code == 422
    assert 'id="error-plan_text"' in empty_text.text
    assert _count(engine, RectificationPlan) == 0
    assert _count(engine, Evidence) == 0
    assert not (tmp_path / "evidence").exists() or not any((tmp_path / "evidence").iterdir())

    ok = _post(
        client,
        plan_url,
        fields,
        page,
        files=[
            ("evidence", ("training record.pdf", PDF, "application/pdf")),
            ("evidence", ("desk.png", PNG, "image/png")),
        ],
    )
    assert ok.status_code in (302, 303), ok.text
    with read_session(engine) as s:
        evidence = {e.original_filename: e for e in s.exec(select(Evidence)).all()}
        assert s.get(Finding, finding_id).status == "plan_submitted"  # type: ignore[union-attr]
    pdf = evidence["training record.pdf"]
    download = client.get(f"{page}/evidence/{pdf.id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    png = client.get(f"{page}/evidence/{evidence['desk.png'].id}")
    assert png.headers["content-type"].startswith("image/png")

    # Another enterprise's viewer, and a viewer on the staff pages, learn nothing.
    login(client, "viewer1")
    assert html(client, page).status_code == 404
    assert client.get(f"{page}/evidence/{pdf.id}").status_code == 404
    assert f'id="finding-{finding_id}"' not in html(client, "/portal/findings/").text
    token = csrf_token(client, "/portal/findings/")
    stolen = client.post(
        plan_url,
        data={**fields, "_csrf_token": token},
        files=[("evidence", ("x.pdf", PDF, "application/pdf"))],
        headers={"accept": "text/html"},
    )
    assert stolen.status_code == 404
    assert html(client, staff_page).status_code == 404
    # No CSRF token, no upload.
    login(client, "viewer2")
    # (Sent without a file: Litestar's CSRF check parses the form itself and, refusing it,
    # would leave an uploaded part's spooled file to the garbage collector.)
    forged = client.post(plan_url, data=fields)
    assert forged.status_code == 403

    login(client, "assessor3")  # another evaluation body
    assert html(client, staff_page).status_code == 404
    assert (
        html(client, f"/rounds/{rw.world.round_other_body}/findings/{finding_id}").status_code
        == 404
    )

    login(client, "assessor2")
    shown = html(client, staff_page)
    assert f'id="evidence-{pdf.id}"' in shown.text
    staff_download = client.get(f"{staff_page}/evidence/{pdf.id}")
    assert staff_download.status_code == 200
    assert staff_download.content == PDF
    assert staff_download.headers["content-disposition"].startswith("attachment;")
    no_reason = _post(client, f"{staff_page}/decision", {"outcome": "reject"}, staff_page)
    assert no_reason.status_code == 422
    assert 'id="error-reason"' in no_reason.text
    rejected = _post(
        client,
        f"{staff_page}/decision",
        {"outcome": "reject", "reason": "No photo of the new signage."},
        staff_page,
    )
    assert rejected.status_code in (302, 303)
    with read_session(engine) as s:
        assert s.get(Finding, finding_id).status == "rejected"  # type: ignore[union-attr]

    login(client, "viewer2")
    again = html(client, page)
    assert "No photo of the new signage." in again.text
    assert 'id="plan-form"' in again.text  # a rejected plan may be resubmitted


def test_rule_evaluation_and_escalation_list(
    client: TestClient[Any], rw: RectWorld, engine: Engine
) -> None:
    login(client, "assessor1")
    base = f"/rounds/{rw.round_id}/findings/"
    rule = {
        "composite_below": "65",
        "days_to_rectify": "0",
        "severity": "major",
        "escalate_when_overdue": "1",
    }
    bad = _post(client, f"{base}rules", rule, base)
    assert bad.status_code == 422
    assert 'id="error-days_to_rectify"' in bad.text
    good = _post(client, f"{base}rules", {**rule, "days_to_rectify": "21"}, base)
    assert good.status_code in (302, 303)
    applied = _post(client, f"{base}evaluate", {}, base)
    assert applied.status_code == 200
    assert "1 warning(s) and 0 escalation(s) recorded." in applied.text
    listing = html(client, f"{base}escalations")
    assert 'data-level="warning"' in listing.text
    assert "Beta Repairs" in listing.text
    assert "Alpha Appliances" not in listing.text
    with read_session(engine) as s:
        finding = s.exec(select(Finding)).one()
    assert finding.deadline == date.today() + timedelta(days=21)
    login(client, "viewer1")
    assert html(client, f"{base}escalations").status_code == 404


def test_overdue_finding_takes_no_plan(
    client: TestClient[Any], rw: RectWorld, engine: Engine
) -> None:
    login(client, "assessor1")
    finding_id = _record(client, rw)
    with write_session(engine) as s:
        finding = s.get(Finding, finding_id)
        assert finding is not None
        finding.deadline = date.today() - timedelta(days=1)  # time has passed
        s.add(finding)
    listing = html(client, f"/rounds/{rw.round_id}/findings/")
    assert 'class="status status-overdue"' in listing.text
    login(client, "viewer2")
    home = html(client, "/portal").text
    assert 'id="portal-findings-link"' in home
    assert "1 finding(s) are overdue." in home  # reminded at every visit, not only by the job
    page = f"/portal/findings/{finding_id}"
    shown = html(client, page)
    assert 'id="overdue-note"' in shown.text
    assert 'id="plan-form"' not in shown.text
    late = _post(client, f"{page}/plan", {"plan_text": "Too late?"}, "/portal/findings/")
    assert late.status_code == 422
    assert "it is overdue and can no longer take a plan" in late.text
    assert _count(engine, RectificationPlan) == 0


def test_portal_home_reminds_of_deadlines_within_a_week(
    client: TestClient[Any], rw: RectWorld, engine: Engine
) -> None:
    login(client, "assessor1")
    finding_id = _record(client, rw)
    login(client, "viewer2")
    assert 'id="portal-reminder"' not in html(client, "/portal").text  # weeks away: no nagging
    soon = date.today() + timedelta(days=3)
    with write_session(engine) as s:
        finding = s.get(Finding, finding_id)
        assert finding is not None
        finding.deadline = soon
        s.add(finding)
    home = html(client, "/portal").text
    assert 'id="portal-reminder"' in home
    assert "1 finding(s) are due within a week" in home
    login(client, "viewer1")  # another enterprise: nothing of theirs to be reminded of
    assert 'id="portal-reminder"' not in html(client, "/portal").text
