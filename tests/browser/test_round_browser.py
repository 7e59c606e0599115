"""An assessor runs a whole round through the pages, a second assessor issues the certificates.

create round → plan → freeze → registry CSV upload → draw with a witness → start fieldwork →
(consumers answer through the submission service) → compute scorecards → four-eyes approval by
another assessor → the certificates on the public register and the verification page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from sqlmodel import select

from app.db.engine import read_session
from app.db.models import Certificate, EvaluationRound
from app.domain.audit.chain import verify_chain
from app.domain.fieldwork.invitations import IssuedInvitation, start_fieldwork
from tests.browser.conftest import LiveApp
from tests.browser.flows import (
    consumers_answer,
    job_state,
    log_in,
    log_out,
    seed_body,
    shoot,
    wait_for_job,
    write_registry_csv,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CODES = ("E001", "E002")
WEIGHTS = (
    "attitude = 0.25\nefficiency = 0.25\ncontent = 0.2\nenvironment = 0.1\nresponsiveness = 0.2"
)


def _create_round(page: Page, app: LiveApp) -> int:
    page.goto("/rounds/")
    shoot(page, app, "01-rounds")
    page.fill("#code", "BT-2026Q4")
    page.fill("#title", "浏览器测试轮次 Browser test round")
    page.fill("#industry", "家电")
    page.fill("#period_start", "2026-10-01")
    page.fill("#period_end", "2026-12-31")
    for box in page.locator("#create-round input[name=enterprises]").all():
        box.check()
    page.click("#create-round button[type=submit]")
    page.wait_for_load_state()
    found = re.search(r"/rounds/(\d+)$", page.url)
    assert found, page.url
    assert page.get_attribute("#round-state", "data-state") == "draft"
    return int(found.group(1))


def _plan_and_freeze(page: Page, app: LiveApp, round_id: int, version_id: int) -> None:
    page.goto(f"/rounds/{round_id}/plan")
    page.select_option("#questionnaire_version_id", str(version_id))
    page.select_option("#weights_method", "fixed")
    page.fill("#weights", WEIGHTS)
    page.fill("#strata", "channel")
    page.click("#save-plan")
    page.wait_for_load_state()
    assert page.url.endswith("/plan?saved=1"), page.url
    page.click("#freeze-plan")
    page.wait_for_load_state()
    assert re.fullmatch(r"[0-9a-f]{64}", page.inner_text("#frozen-hash"))
    assert page.get_attribute("#round-state", "data-state") == "plan_frozen"
    shoot(page, app, "02-plan-frozen")


def _upload_registry(page: Page, app: LiveApp, round_id: int, csv_path: Path) -> None:
    page.goto(f"/rounds/{round_id}/registries")
    page.set_input_files("#file", str(csv_path))
    page.click("#upload-registry")
    page.wait_for_url(re.compile(r"/jobs/"))
    message = wait_for_job(page)
    assert job_state(page) == "done", message
    assert "cases imported" in message
    page.click("#job-result")
    page.wait_for_load_state()
    assert page.locator("#registries tbody tr").count() == 1
    shoot(page, app, "03-registries")


def _draw(page: Page, app: LiveApp, round_id: int) -> None:
    page.goto(f"/rounds/{round_id}/draw")
    page.fill("#witness", "short")  # too short: refused, nothing drawn
    page.fill("#witness_name", "王见证 Witness Wang")
    page.click("#draw-submit")
    page.wait_for_load_state()
    assert page.locator("#error-witness").count() == 1
    page.fill("#witness", "browser-witness-2026")
    page.fill("#witness_name", "王见证 Witness Wang")  # the refused form comes back empty
    page.click("#draw-submit")
    page.wait_for_load_state()
    assert page.locator("#draw-seed").count() == 1, page.inner_text("main")
    assert page.locator("#coverage tbody tr").count() >= len(CODES)
    for row in page.locator("#coverage tbody tr").all():
        cases, sampled = (
            int(row.locator("td").nth(i).inner_text().replace(",", "")) for i in (1, 2)
        )
        assert cases > 0
        assert sampled * 2 >= cases  # at least half of every stratum
    shoot(page, app, "04-draw")


def _start_fieldwork(
    page: Page, app: LiveApp, round_id: int, captured: list[IssuedInvitation]
) -> None:
    page.goto(f"/rounds/{round_id}/fieldwork")
    page.select_option("#channel", "sms")
    page.fill("#days", "14")
    page.click("#start-fieldwork")
    page.wait_for_load_state()
    assert page.get_attribute("#round-state", "data-state") == "fieldwork"
    assert captured, "no invitation was issued"


def _compute(page: Page, app: LiveApp, round_id: int) -> None:
    page.goto(f"/rounds/{round_id}/fieldwork")
    shoot(page, app, "05-fieldwork")
    page.goto(f"/rounds/{round_id}/scoring")
    page.click("#compute")
    page.wait_for_url(re.compile(r"/jobs/"))
    message = wait_for_job(page)
    assert job_state(page) == "done", message
    assert f"{len(CODES)} scorecards computed" in message
    page.goto(f"/rounds/{round_id}/scoring")
    assert page.get_attribute("#round-state", "data-state") == "review"
    # The assessor who scored is told a second person must approve ...
    assert page.locator("#four-eyes").count() == 1
    shoot(page, app, "06-review")
    # ... and trying anyway is refused at once by the issuance's own checks (no job starts).
    page.click("#approve-issue")
    page.wait_for_load_state()
    assert "cannot also approve" in page.inner_text(".error-message")


def _approve(page: Page, app: LiveApp, round_id: int) -> list[str]:
    page.goto(f"/rounds/{round_id}/scoring")
    assert page.locator("#four-eyes").count() == 0
    page.click("#approve-issue")
    page.wait_for_url(re.compile(r"/jobs/"))
    message = wait_for_job(page, timeout_ms=120_000)
    assert job_state(page) == "done", message
    assert f"{len(CODES)} certificates issued" in message
    page.goto(f"/rounds/{round_id}/scoring")
    assert page.get_attribute("#round-state", "data-state") == "issued"
    numbers = [
        n.strip() for n in page.locator("#certificates tbody tr td:first-child a").all_inner_texts()
    ]
    assert len(numbers) == len(CODES)
    shoot(page, app, "07-certificates")
    return numbers


def test_assessor_runs_a_round_and_a_second_assessor_issues(
    live_app: LiveApp,
    context: BrowserContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = seed_body(live_app.engine, CODES)
    csv_path = tmp_path / "registry-BT-2026Q4.csv"
    cases = write_registry_csv(csv_path, CODES, cases=48, seed=11)

    # The page hands the clear tokens to the delivery step; the test stands in for the SMS
    # gateway and keeps them, as the consumers' phones would.
    captured: list[IssuedInvitation] = []

    def start_and_capture(*args: Any, **kwargs: Any) -> list[IssuedInvitation]:
        issued = start_fieldwork(*args, **kwargs)
        captured.extend(issued)
        return issued

    monkeypatch.setattr("app.web.workflow_jobs.start_fieldwork", start_and_capture)

    page = context.new_page()
    log_in(page, "alice")
    round_id = _create_round(page, live_app)
    _plan_and_freeze(page, live_app, round_id, people.version_id)
    _upload_registry(page, live_app, round_id, csv_path)
    _draw(page, live_app, round_id)
    _start_fieldwork(page, live_app, round_id, captured)
    assert len(captured) >= cases // 2
    consumers_answer(live_app.engine, round_id, [i.token for i in captured], seed=5)
    _compute(page, live_app, round_id)
    log_out(page)

    log_in(page, "bob")
    numbers = _approve(page, live_app, round_id)
    log_out(page)

    # Anyone: the public register lists the certificates, the verification page confirms them.
    page.goto("/register")
    listed = page.inner_text("main")
    assert all(number in listed for number in numbers)
    shoot(page, live_app, "08-register")
    page.goto("/")
    page.fill("#number", numbers[0])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.get_attribute("p.status", "data-status") == "valid"
    assert page.inner_text(".cert-number") == numbers[0]
    shoot(page, live_app, "09-verify-valid")

    with read_session(live_app.engine) as s:
        rnd = s.get(EvaluationRound, round_id)
        assert rnd is not None
        assert rnd.scored_by != rnd.approved_by
        certs = s.exec(select(Certificate).where(Certificate.round_id == round_id)).all()
        assert sorted(c.number for c in certs) == sorted(numbers)
        assert verify_chain(s).ok
