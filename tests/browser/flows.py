"""Page helpers and data builders shared by the browser tests."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from playwright.sync_api import Page
from sqlalchemy.engine import Engine

from app.db.engine import read_session, write_session
from app.db.models.user import Role
from app.demo.runner import as_questionnaire_of_round
from app.demo.synthetic import ENTERPRISES, REGISTRY_COLUMNS, registry_rows, simulate_answers
from app.domain.fieldwork.submission import submit_response
from app.domain.questionnaires.service import publish, save_draft
from app.domain.rounds.service import add_enterprise, get_or_create_body
from app.domain.users.service import create_user
from questionnaires.model import Questionnaire
from questionnaires.templates import load_template
from tests.browser.conftest import SCREENSHOTS, LiveApp

PASSWORD = "browser test password 1"
LANGS = ("zh", "en")


@dataclass(frozen=True)
class People:
    body_id: int
    version_id: int
    enterprise_ids: dict[str, int]  # code -> id


def seed_body(engine: Engine, codes: Sequence[str] = ("E001", "E002")) -> People:
    """A body with two assessors, one viewer per enterprise and a published questionnaire."""
    with write_session(engine) as s:
        body = get_or_create_body(s, "BT", "浏览器测试评价中心 Browser Test Centre", "test")
        ents = {}
        for code in codes:
            demo = next(e for e in ENTERPRISES if e.code == code)
            ents[code] = add_enterprise(s, body, code, demo.name_zh, industry="家电", actor="test")
        for name in ("alice", "bob"):
            create_user(
                s, username=name, password=PASSWORD, role=Role.ASSESSOR, body_code="BT", actor="t"
            )
        for code in codes:
            create_user(
                s,
                username=f"{code.lower()}.viewer",
                password=PASSWORD,
                role=Role.ENTERPRISE_VIEWER,
                body_code="BT",
                enterprise_code=code,
                actor="t",
            )
        draft = save_draft(
            s, body_id=body.id or 0, questionnaire=load_template("after-sales"), actor="alice"
        )
        publish(s, version_id=draft.id or 0, body_id=body.id, actor="alice")
        return People(body.id or 0, draft.id or 0, {c: e.id or 0 for c, e in ents.items()})


def write_registry_csv(path: Path, codes: Sequence[str], cases: int, seed: int) -> int:
    """One registry file holding ``cases`` synthetic cases of each enterprise."""
    rng = np.random.default_rng(seed)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(REGISTRY_COLUMNS))
        writer.writeheader()
        for code in codes:
            ent = replace(next(e for e in ENTERPRISES if e.code == code), cases=cases)
            for row in registry_rows(ent, rng):
                writer.writerow(row)
                count += 1
    return count


def consumer_answers(
    q: Questionnaire, quality: float, rng: np.random.Generator
) -> dict[str, int | str | None]:
    dims = [
        (d.code, [(i.code, i.points or 5, i.reverse) for i in d.likert_items]) for d in q.dimensions
    ]
    overall = [
        (
            "overall",
            [(i.code, i.points or 5, False) for i in q.general_items if i.code == "overall"],
        )
    ]
    answers: dict[str, int | str | None] = dict(simulate_answers(quality, dims, rng))
    answers.update(simulate_answers(quality, overall, rng, na_rate=0.0))
    for item in q.general_items:
        if item.type == "nps":
            answers[item.code] = int(np.clip(round(8 + rng.normal(0, 1.5)), 0, 10))
    return answers


def consumers_answer(engine: Engine, round_id: int, tokens: Sequence[str], seed: int) -> int:
    """Consumers (not the assessor) answer through the submission service."""
    rng = np.random.default_rng(seed)
    with read_session(engine) as s:
        q = as_questionnaire_of_round(s, round_id)
    for token in tokens:
        submit_response(
            engine,
            token=token,
            answers=consumer_answers(q, 0.4, rng),
            idempotency_key=uuid.uuid4().hex,
            duration_seconds=float(rng.uniform(60, 300)),
            device_hash=uuid.uuid4().hex,
        )
    return len(tokens)


# ---- pages -------------------------------------------------------------------------------------
def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    assert page.locator("#logout").count() == 1, f"{username} is not logged in at {page.url}"


def log_out(page: Page) -> None:
    page.click("#logout")
    page.wait_for_load_state()
    assert page.locator("#login-link").count() == 1


def wait_for_job(page: Page, timeout_ms: int = 60_000) -> str:
    """On a job page: wait until the background job ends; returns its final message."""
    # A selector, not wait_for_function: the CSP (no 'unsafe-eval') forbids evaluated strings.
    page.locator("#job:not([data-state=running])").wait_for(timeout=timeout_ms)
    return page.inner_text("#job-message")


def job_state(page: Page) -> str:
    return str(page.get_attribute("#job", "data-state"))


def set_lang(page: Page, app: LiveApp, lang: str) -> None:
    page.context.add_cookies([{"name": "tianping_lang", "value": lang, "url": app.base_url}])


def shoot(page: Page, app: LiveApp, name: str) -> None:
    """Full-page screenshots of the current (GET) page in Chinese and English; ends in Chinese."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for lang in LANGS:
        set_lang(page, app, lang)
        page.reload()  # waits for "load": styles, fonts and deferred scripts are in
        if page.locator("#chart-data").count():
            page.locator(".chart[data-rendered='1']").first.wait_for()
        assert page.get_attribute("html", "lang") == ("zh-CN" if lang == "zh" else "en")
        page.screenshot(path=str(SCREENSHOTS / f"{app.db}-{name}-{lang}.png"), full_page=True)
    set_lang(page, app, "zh")
    page.reload()
