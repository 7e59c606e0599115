"""The designer shows the questionnaire library's validation messages in the user's language, in
the form view and in the YAML/JSON edit view, on both engines (issue #6)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.db.engine import read_session
from app.domain.questionnaires.service import get_version
from app.web.i18n import LANG_COOKIE
from tests.integration.web.helpers import World, csrf_token, html, login
from tests.integration.web.test_designer import _create, _post, _save, form_fields


def _page_text(page: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", page))


def test_form_view_shows_chinese_validation_messages(
    web_client: TestClient[Any], world: World
) -> None:
    login(web_client, "assessor1")
    web_client.cookies.set(LANG_COOKIE, "zh")
    vid = _create(web_client, "after-sales", "zh-messages")
    fields = form_fields(html(web_client, f"/designer/{vid}").text)
    fields["dimensions[0].items[0].text.zh"] = ""
    fields["dimensions[0].items[1].show_if"] = "att1 >="
    r = _save(web_client, vid, fields)
    assert r.status_code == 422
    text = _page_text(r.text)
    assert "zh 文本必须是非空文本，而不是空文本" in text
    assert "无法读取 'att1 >='：此处应为数字或带引号的文本，但条件已经结束" in text
    assert "must be a non-empty text" not in text

    web_client.cookies.set(LANG_COOKIE, "en")
    r = _save(web_client, vid, fields)
    assert r.status_code == 422
    assert "the zh text must be a non-empty text, not an empty text" in _page_text(r.text)


def test_source_view_edits_yaml_and_shows_chinese_problems(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    login(web_client, "assessor1")
    web_client.cookies.set(LANG_COOKIE, "zh")
    vid = _create(web_client, "after-sales", "zh-source")
    page = html(web_client, f"/designer/{vid}/source?format=yaml")
    assert page.status_code == 200
    fields = form_fields(page.text, "source-form")
    assert "code: zh-source" in fields["source"]

    broken = {**fields, "source": fields["source"].replace("points: 5", "points: 6", 1)}
    r = _post(web_client, f"/designer/{vid}/source", broken)
    assert r.status_code == 422
    assert "李克特量表的点数应为 3, 4, 5, 7, 10, 11，而不是 6" in _page_text(r.text)
    syntax = {**fields, "source": "code: ["}
    r = _post(web_client, f"/designer/{vid}/source", syntax)
    assert r.status_code == 422
    assert "不是有效的 YAML" in _page_text(r.text)

    # A valid text replaces the draft; the code stays even when the text names another.
    edited = fields["source"].replace("code: zh-source", "code: renamed", 1)
    edited = edited.replace("After-sales", "After-sales (YAML)", 1)
    r = _post(web_client, f"/designer/{vid}/source", {**fields, "source": edited})
    assert r.status_code in (302, 303), r.text
    with read_session(engine) as s:
        stored = get_version(s, vid, 1)
        assert stored.code == "zh-source"
        assert stored.content["title"]["en"].startswith("After-sales (YAML)")

    # The page's hash is now stale: a second save of the old copy is refused.
    assert _post(web_client, f"/designer/{vid}/source", fields).status_code == 409
    token = csrf_token(web_client, f"/designer/{vid}")
    assert _post(web_client, f"/designer/{vid}/publish", {"_csrf_token": token}).status_code in (
        302,
        303,
    )
    fresh = form_fields(html(web_client, f"/designer/{vid}/source").text, "source-form")
    assert _post(web_client, f"/designer/{vid}/source", fresh).status_code == 409
