"""The consumer pages and the responses API over HTTP, on both engines."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models import Invitation, SurveyResponse
from app.db.types import utcnow
from app.domain.fieldwork.invitations import IssuedInvitation
from app.domain.fieldwork.tokens import new_token
from app.web.survey.messages import LANGS, MESSAGES
from app.web.survey.pages import SURVEY_COOKIE
from tests.integration.survey.builders import fieldwork_round, full_answers
from tests.integration.survey.webapp import survey_app

Client = TestClient[Litestar]
PAGE_LIMIT = 50 * 1024


@pytest.fixture
def issued(engine: Engine) -> list[IssuedInvitation]:
    return fieldwork_round(engine)[1]


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with TestClient(app=survey_app(engine, Settings())) as c:
        yield c


def _responses(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(SurveyResponse)).scalar_one())


def _screen(html: str) -> str:
    found = re.search(r'name="screen" value="(\d+)"', html)
    assert found, html[:500]
    return found.group(1)


def _radio_names(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'type="radio" name="([a-z0-9_]+)"', html)))


def _answer_screen(client: Client, html: str, value: str = "4") -> str:
    data = {"screen": _screen(html), "action": "next"}
    for name in _radio_names(html):
        data[name] = "9" if name == "nps" else ("late" if name == "fix_detail" else value)
    response = client.post("/survey", data=data)
    assert response.status_code == 200, response.text[:2000]
    return response.text


def test_link_sets_cookie_and_redirects_to_a_token_free_url(
    client: Client, issued: list[IssuedInvitation]
) -> None:
    response = client.get(f"/s/{issued[0].token}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/survey"
    assert response.headers["referrer-policy"] == "no-referrer"
    set_cookie = response.headers["set-cookie"]
    assert SURVEY_COOKIE in set_cookie
    assert "HttpOnly" in set_cookie
    page = client.get("/survey")
    assert page.status_code == 200
    assert MESSAGES["anonymity"]["zh"] in page.text
    assert issued[0].token not in page.text
    assert len(page.content) <= PAGE_LIMIT


def test_consumer_answers_leaves_resumes_and_submits_once(
    engine: Engine, client: Client, issued: list[IssuedInvitation]
) -> None:
    token = issued[0].token
    client.get(f"/s/{token}")
    html = client.post("/survey", data={"screen": "0", "action": "next"}).text
    html = _answer_screen(client, html, "5")
    html = _answer_screen(client, html, "4")
    resumed_at = _screen(html)
    # "Closing the browser": every cookie is gone; the consumer opens the same link again.
    client.cookies.clear()
    again = client
    again.get(f"/s/{token}")
    html = again.get("/survey").text
    assert _screen(html) == resumed_at
    steps = 0
    while 'value="submit"' not in html:
        assert len(html.encode()) <= PAGE_LIMIT
        html = _answer_screen(again, html, "2")  # overall 2 shows the follow-up question
        steps += 1
        assert steps < 20
    final = again.post("/survey", data={"screen": _screen(html), "action": "submit"})
    assert final.status_code == 200
    receipt = re.search(r'id="receipt">([0-9a-f]+)<', final.text)
    assert receipt
    replay = again.post("/survey", data={"screen": _screen(html), "action": "submit"})
    assert MESSAGES["answered_title"]["zh"] in replay.text
    assert MESSAGES["answered_title"]["zh"] in again.get("/survey").text
    assert _responses(engine) == 1
    with read_session(engine) as s:
        stored = s.exec(select(SurveyResponse)).one()
    assert stored.device_hash
    assert stored.duration_seconds is not None


def test_missing_required_answer_is_re_asked_in_the_consumers_language(
    client: Client, issued: list[IssuedInvitation]
) -> None:
    client.get(f"/s/{issued[0].token}?lang=en")
    html = client.post("/survey", data={"screen": "0", "action": "next"}).text
    while 'name="overall"' not in html:
        html = _answer_screen(client, html)
    response = client.post("/survey", data={"screen": _screen(html), "action": "next"})
    assert response.status_code == 422
    assert MESSAGES["err_required"]["en"] in response.text
    assert 'aria-describedby="err-overall"' in response.text
    zh = client.post("/survey?lang=zh", data={"screen": _screen(html), "action": "next"})
    assert MESSAGES["err_required"]["zh"] in zh.text


def test_bad_links_get_friendly_pages_that_reveal_nothing(
    engine: Engine, client: Client, issued: list[IssuedInvitation]
) -> None:
    unknown = client.get(f"/s/{new_token()}")
    malformed = client.get("/s/abc")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.text == malformed.text
    with write_session(engine) as s:
        s.execute(
            update(Invitation)
            .where(col(Invitation.id) == issued[1].invitation_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    expired = client.get(f"/s/{issued[1].token}")
    assert expired.status_code == 410
    assert MESSAGES["expired_title"]["zh"] in expired.text
    assert client.get("/survey").status_code == 400  # no cookie: asks for the link


def test_failed_tokens_are_throttled(client: Client, issued: list[IssuedInvitation]) -> None:
    statuses = [client.get(f"/s/{new_token()}").status_code for _ in range(21)]
    assert statuses[:20] == [404] * 20
    assert statuses[20] == 429
    assert client.get(f"/s/{issued[0].token}", follow_redirects=False).status_code == 429


def test_throttling_belongs_to_one_app(
    engine: Engine, client: Client, issued: list[IssuedInvitation]
) -> None:
    # A module-wide counter once carried one app's failures into the next app in the same
    # process (tests, and any embedding that builds several apps).
    for _ in range(21):
        client.get(f"/s/{new_token()}")
    assert client.get(f"/s/{issued[0].token}", follow_redirects=False).status_code == 429
    with TestClient(app=survey_app(engine, Settings())) as fresh:
        assert fresh.get(f"/s/{issued[0].token}", follow_redirects=False).status_code == 303


def test_failed_token_log_line_holds_neither_token_nor_address(
    client: Client, issued: list[IssuedInvitation], caplog: pytest.LogCaptureFixture
) -> None:
    # Issue #7: failed attempts are logged without the token; the path carries it (/s/{token}).
    token = new_token()
    with caplog.at_level(logging.WARNING):
        assert client.get(f"/s/{token}").status_code == 404
    lines = [r.getMessage() for r in caplog.records if "token rejected" in r.getMessage()]
    assert len(lines) == 1
    assert token not in lines[0]
    assert "testclient" not in lines[0]  # the test client's address
    assert "/s/…" in lines[0]
    assert "client-" in lines[0]


def test_api_is_exactly_once_with_clear_statuses(
    engine: Engine, client: Client, issued: list[IssuedInvitation]
) -> None:
    body = {"token": issued[0].token, "answers": full_answers(), "idempotency_key": "a-1"}
    first = client.post("/api/v1/responses", json=body)
    assert first.status_code == 201, first.text
    replay = client.post("/api/v1/responses", json=body)
    assert replay.status_code == 200
    assert replay.json()["receipt"] == first.json()["receipt"]
    assert replay.json()["replayed"] is True
    changed = {**body, "answers": full_answers(5)}
    assert client.post("/api/v1/responses", json=changed).status_code == 409
    unknown = {**body, "token": new_token()}
    assert client.post("/api/v1/responses", json=unknown).status_code == 404
    bad = {**body, "token": issued[1].token, "answers": {**full_answers(), "att1": 9}}
    invalid = client.post("/api/v1/responses", json=bad)
    assert invalid.status_code == 422
    assert invalid.json()["problems"] == [
        {"item": "att1", "problem": "out_of_range", "detail": "expected 1..5"}
    ]
    with write_session(engine) as s:
        s.execute(
            update(Invitation)
            .where(col(Invitation.id) == issued[2].invitation_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    late = {**body, "token": issued[2].token}
    assert client.post("/api/v1/responses", json=late).status_code == 410
    assert _responses(engine) == 1


def test_every_message_exists_in_both_languages() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key


def test_opt_out_needs_a_confirming_post(
    engine: Engine, client: Client, issued: list[IssuedInvitation]
) -> None:
    token = issued[0].token
    form = client.get(f"/optout/{token}")
    assert form.status_code == 200
    assert MESSAGES["optout_title"]["zh"] in form.text
    with read_session(engine) as s:
        assert s.get(Invitation, issued[0].invitation_id).status == "pending"  # type: ignore[union-attr]
    done = client.post(f"/optout/{token}")
    assert MESSAGES["optout_done_title"]["zh"] in done.text
    with read_session(engine) as s:
        assert s.get(Invitation, issued[0].invitation_id).status == "opted_out"  # type: ignore[union-attr]
    assert client.post(f"/optout/{new_token()}").status_code == 404
