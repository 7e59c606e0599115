"""A consumer on a phone (390×844, Chinese): opens the link, answers, leaves, resumes, submits.

Drives Debian's Chromium through Playwright against the real app (``create_app``) served by
uvicorn on 127.0.0.1, on both engines. Accessibility: axe-core (the npm package, fetched with
``npm pack`` into a temporary directory once per session) runs on every kind of page; no
serious or critical WCAG 2.1 A/AA violation is allowed. Screenshots go to ``test-artifacts/``.
The ``browser`` fixture (Debian's Chromium, headless, ``--no-sandbox``) is the shared one
from ``tests/browser/conftest.py``.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session
from app.db.models import SurveyResponse
from app.web.app import create_app
from app.web.survey.messages import MESSAGES
from tests.integration.survey.builders import fieldwork_round

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "survey"
PHONE: ViewportSize = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("axe")
    done = subprocess.run(
        ["npm", "pack", "axe-core@4", "--pack-destination", str(folder), "--silent"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"npm pack axe-core failed (registry reachable?): {done.stderr}"
    tarball = next(folder.glob("axe-core-*.tgz"))
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode("utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    app = create_app(settings, engine=engine)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield base
    uv.should_exit = True
    thread.join(timeout=10)


def _check_axe(page: Page, axe: str, where: str) -> None:
    page.add_script_tag(content=axe)
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{where}: {json.dumps(serious, ensure_ascii=False)}"
    assert result["passes"], f"{where}: axe ran no check"


def _shot(page: Page, name: str, db: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{db}-{name}.png"), full_page=True)


def _answer_screen(page: Page, choice: int) -> None:
    """Tick one option per question; the first question by keyboard only."""
    groups = page.locator("fieldset.question")
    for index in range(groups.count()):
        options = groups.nth(index).locator("input[type=radio]")
        if options.count() == 0:
            groups.nth(index).locator("textarea").fill("师傅很专业")
            continue
        if index == 0:
            options.first.focus()
            for _ in range(min(choice, options.count() - 1)):
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Space")
        else:
            options.nth(min(choice, options.count() - 1)).check()
    page.locator("#btn-next").click()


def _step(page: Page) -> int:
    text = page.locator("#progress-text").inner_text()
    found = re.search(r"第 (\d+) 步", text)
    assert found, text
    return int(found.group(1))


def test_consumer_answers_in_chinese_leaves_resumes_and_finishes(
    server: str, browser: Browser, engine: Engine, axe_source: str, database_url: str
) -> None:
    db = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    _, issued = fieldwork_round(engine)
    link = f"{server}/s/{issued[0].token}"

    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(link)
    assert page.url == f"{server}/survey"  # the token left the address bar
    assert MESSAGES["anonymity"]["zh"] in page.inner_text("#anonymity")
    _check_axe(page, axe_source, "intro")
    _shot(page, "1-intro", db)
    page.locator("#btn-next").click()
    _check_axe(page, axe_source, "first screen")
    _shot(page, "2-screen", db)
    _answer_screen(page, 3)
    _answer_screen(page, 4)
    left_at = _step(page)
    context.close()  # the consumer closes the browser halfway

    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(link)
    assert _step(page) == left_at
    _shot(page, "3-resumed", db)
    while page.locator("input[name=overall]").count() == 0:
        _answer_screen(page, 3)
    page.locator("#btn-next").click()  # nothing ticked: the required questions are re-asked
    assert page.locator("#error-summary").is_visible()
    assert MESSAGES["err_required"]["zh"] in page.inner_text("#error-summary")
    _check_axe(page, axe_source, "errors")
    _shot(page, "4-errors", db)
    _answer_screen(page, 1)  # overall = 2 ("不满意") opens the follow-up question
    assert page.locator("input[name=fix_detail]").count() == 2
    _answer_screen(page, 0)
    assert page.locator("#btn-submit").is_visible()
    _check_axe(page, axe_source, "review")
    page.locator("#btn-submit").click()
    receipt = page.locator("#receipt").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", receipt)
    _check_axe(page, axe_source, "thanks")
    _shot(page, "5-thanks", db)

    page.goto(link)
    assert MESSAGES["answered_title"]["zh"] in page.inner_text("h1")
    page.locator("#lang-switch").click()
    assert MESSAGES["answered_title"]["en"] in page.inner_text("h1")
    _check_axe(page, axe_source, "already answered")
    context.close()

    with read_session(engine) as session:
        stored = session.exec(select(SurveyResponse)).all()
    assert len(stored) == 1
    assert stored[0].receipt == receipt
