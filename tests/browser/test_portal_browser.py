"""Enterprise viewers see their own scorecard (charts drawn under the CSP) and nothing else;
anyone can check a valid and a revoked certificate on the verification page."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import write_session
from app.db.models import EvaluationRound, Scorecard
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.demo import runner
from app.demo.synthetic import ENTERPRISES
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import create_round
from tests.browser.conftest import LiveApp
from tests.browser.flows import PASSWORD, log_in, log_out, shoot
from tests.integration.web.helpers import PASSWORD as WORLD_PASSWORD
from tests.integration.web.helpers import build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass(frozen=True)
class PortalRounds:
    own: int  # E001, E002 and E003 took part; issued
    foreign: int  # only E002 took part; issued


def _issue_without_pdfs(engine: Engine, round_id: int) -> None:
    # Issuance through the pages is covered by test_round_browser; here only the state matters.
    with write_session(engine) as s:
        rnd = s.get(EvaluationRound, round_id)
        assert rnd is not None
        rnd.state = RoundState.ISSUED.value
        s.add(rnd)


def _scored_rounds(
    engine: Engine, live: LiveApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> PortalRounds:
    """The demo round (three enterprises, scaled down) scored through the services, plus a
    round of E002 alone holding a copy of E002's scorecard."""
    monkeypatch.setattr(runner, "ENTERPRISES", ENTERPRISES[:3])
    result = runner.DemoResult()
    rng = np.random.default_rng(3)
    runner.set_up_people_and_round(engine, result, PASSWORD)
    runner.import_registries(engine, live.settings, result, rng, 0.02, lambda _d, _t: None)
    runner.draw(engine, result, rng)
    runner.fieldwork(engine, result, rng, lambda _d, _t: None)
    runner.score(engine, result, tmp_path / "out")
    _issue_without_pdfs(engine, result.round_id)
    with write_session(engine) as s:
        e002 = s.exec(select(Enterprise).where(Enterprise.code == "E002")).one()
        card = s.exec(
            select(Scorecard).where(
                Scorecard.round_id == result.round_id, Scorecard.enterprise_id == e002.id
            )
        ).one()
        rnd = s.get(EvaluationRound, result.round_id)
        assert rnd is not None
        other = create_round(
            s,
            s.get_one(EvaluationBody, rnd.body_id),
            code="E002-ONLY",
            title="北辰专项 Beichen only",
            industry="家电",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            enterprises=[e002],
            created_by=None,
            actor="test",
        )
        s.flush()
        s.add(
            Scorecard(
                round_id=other.id or 0,
                enterprise_id=e002.id or 0,
                plan_sha256=card.plan_sha256,
                content=copy.deepcopy(card.content),
            )
        )
        foreign = other.id or 0
    _issue_without_pdfs(engine, foreign)
    return PortalRounds(own=result.round_id, foreign=foreign)


def _csp_violations(page: Page) -> list[str]:
    found: list[str] = []

    def listen(msg: ConsoleMessage) -> None:
        if "Content Security Policy" in msg.text or msg.type == "error":
            found.append(msg.text)

    page.on("console", listen)
    page.on("pageerror", lambda exc: found.append(str(exc)))
    page.on("response", lambda r: found.append(r.url) if r.status == 404 else None)
    return found


def test_viewer_sees_only_own_scorecard(
    live_app: LiveApp,
    context: BrowserContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rounds = _scored_rounds(live_app.engine, live_app, tmp_path, monkeypatch)
    others = [e.name_zh for e in ENTERPRISES[1:3]]
    page = context.new_page()
    problems = _csp_violations(page)
    log_in(page, "e001.viewer")
    assert page.url.endswith("/portal/") or page.url.endswith("/portal")
    assert page.locator("#portal-rounds tbody tr").count() == 1
    shoot(page, live_app, "10-portal-home")

    page.click(f"a[href='/portal/rounds/{rounds.own}']")
    page.wait_for_load_state()
    assert page.inner_text("h1").startswith(ENTERPRISES[0].name_zh)
    assert re.fullmatch(r"\d+(\.\d+)?", page.inner_text("#composite"))
    # Every chart with data is drawn by plotly.js under the site's CSP.
    page.locator("#chart-dimensions[data-rendered='1'] .main-svg").first.wait_for()
    assert page.locator(".chart[data-rendered='1']").count() >= 2
    for chart in page.locator(".chart:not([data-rendered])").all():
        assert chart.is_hidden(), "an empty chart frame is shown"
    body = page.content()
    assert not [name for name in others if name in body], "a peer is named on the page"
    shoot(page, live_app, "11-portal-scorecard")
    assert not problems, "\n".join(problems)

    # Editing the address: another enterprise's round, its downloads, a staff page, a made-up id.
    for path in (
        f"/portal/rounds/{rounds.foreign}",
        f"/portal/rounds/{rounds.foreign}/scorecard.json",
        f"/portal/rounds/{rounds.foreign}/scorecard.csv",
        f"/rounds/{rounds.own}",
        f"/rounds/{rounds.foreign}/scoring",
        "/portal/rounds/999999",
    ):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        text = page.content()
        assert "E002-ONLY" not in text, path
        assert not [name for name in others if name in text], path
    page.goto(f"/portal/rounds/{rounds.foreign}")
    assert page.locator(".error-message").count() == 1
    shoot(page, live_app, "12-portal-not-found")
    log_out(page)

    # The other enterprise's viewer does see that round: the 404 above was about who asks.
    log_in(page, "e002.viewer")
    response = page.goto(f"/portal/rounds/{rounds.foreign}")
    assert response is not None
    assert response.status == 200


def test_verify_page_for_valid_and_revoked_certificates(
    live_app: LiveApp, context: BrowserContext
) -> None:
    world = build_world(live_app.engine)
    page = context.new_page()

    # An assessor revokes one certificate, with a reason, on the round's page.
    page.goto("/login")
    page.fill("#username", "assessor1")
    page.fill("#password", WORLD_PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    page.goto(f"/rounds/{world.round_a}/scoring")
    row = page.locator("#certificates tbody tr", has_text="TP-E2")
    revoke = row.locator("form[action$='/revoke']")
    revoke.locator("input[name=reason]").fill("服务记录造假 / falsified service records")
    revoke.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#certificates tbody tr", has_text="TP-E2").locator("form").count() == 0
    log_out(page)

    # Anyone: from the navigation to the form, then the valid, revoked and unknown numbers.
    page.goto("/register")
    page.click("header a[href='/#verify-form']")
    page.fill("#number", " TP-E1 ")
    page.click("#verify-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/verify/TP-E1")
    assert page.get_attribute("p.status", "data-status") == "valid"
    assert "Alpha Appliances" in page.inner_text("main")
    shoot(page, live_app, "13-verify-valid")

    page.goto("/verify/TP-E2")
    assert page.get_attribute("p.status", "data-status") == "revoked"
    assert "falsified service records" in page.inner_text(".revoke-reason")
    shoot(page, live_app, "14-verify-revoked")

    response = page.goto("/verify/TP-NOPE-0000")
    assert response is not None
    assert page.get_attribute("p.status", "data-status") == "unknown"
    assert "Alpha" not in page.inner_text("main")
