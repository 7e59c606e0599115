"""The questionnaire designer end to end, on both engines: create, edit, reorder, validation
messages, preview, publish and immutability."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.db.engine import read_session
from app.domain.questionnaires.service import list_versions
from tests.integration.web.helpers import World, csrf_token, html, login


class _Form(HTMLParser):
    """The successful controls of one form, as a browser would submit them (no button)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            elif a.get("type") != "submit":
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.fields.setdefault(self._select, self._first_option)
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self._textarea and self.inside:
            self.fields[self._textarea] += (
                data.removeprefix("\n") if not self.fields[self._textarea] else data
            )


def form_fields(page: str, form_id: str = "designer-form") -> dict[str, str]:
    parser = _Form(form_id)
    parser.feed(page)
    assert parser.fields, f"no form {form_id}"
    return parser.fields


def _post(client: TestClient, path: str, data: dict[str, str]) -> Any:  # type: ignore[type-arg]
    return client.post(path, data=data, headers={"accept": "text/html"}, follow_redirects=False)


def _create(client: TestClient, source: str, code: str = "") -> int:  # type: ignore[type-arg]
    token = csrf_token(client, "/designer/")
    r = _post(client, "/designer/", {"source": source, "code": code, "_csrf_token": token})
    assert r.status_code in (302, 303), r.text
    match = re.fullmatch(r"/designer/(\d+)", r.headers["location"])
    assert match is not None
    return int(match.group(1))


def _save(client: TestClient, vid: int, fields: dict[str, str], action: str = "save") -> Any:  # type: ignore[type-arg]
    return _post(client, f"/designer/{vid}", {**fields, "action": action})


def test_designer_end_to_end(web_client: TestClient[Any], world: World, engine: Engine) -> None:
    login(web_client, "assessor1")
    vid = _create(web_client, "after-sales", "aftersales-b1")
    page = html(web_client, f"/designer/{vid}")
    assert page.status_code == 200
    fields = form_fields(page.text)
    assert fields["dimensions[0].code"] == "attitude"

    # Edit a text in both languages; the redirect after saving shows the stored draft.
    fields["dimensions[0].items[0].text.zh"] = "工作人员的态度是否友好？"
    fields["dimensions[0].items[0].text.en"] = "Were the staff friendly?"
    r = _save(web_client, vid, fields)
    assert r.status_code in (302, 303)
    assert r.headers["location"] == f"/designer/{vid}?saved=1"
    page = html(web_client, f"/designer/{vid}?saved=1")
    assert "Were the staff friendly?" in page.text
    assert "工作人员的态度是否友好？" in page.text
    assert 'id="saved-notice"' in page.text

    # Add an item: blank, so it is shown with its problems and nothing is saved yet.
    fields = form_fields(page.text)
    n_items = sum(1 for k in fields if re.fullmatch(r"dimensions\[0\]\.items\[\d+\]\.code", k))
    r = _save(web_client, vid, fields, action="add_item:d0")
    assert r.status_code == 422
    new = f"dimensions[0].items[{n_items}]"
    assert f'name="{new}.code"' in r.text
    assert 'role="alert"' in r.text
    fields = form_fields(r.text)
    fields.update(
        {
            f"{new}.code": "att_new",
            f"{new}.text.zh": "新增题目",
            f"{new}.text.en": "A new question",
        }
    )
    r = _save(web_client, vid, fields)
    assert r.status_code in (302, 303), r.text

    # Reorder: move the new (last) item up one place.
    fields = form_fields(html(web_client, f"/designer/{vid}").text)
    r = _save(web_client, vid, fields, action=f"move_item:d0:{n_items}:up")
    assert r.status_code in (302, 303), r.text
    fields = form_fields(html(web_client, f"/designer/{vid}").text)
    assert fields[f"dimensions[0].items[{n_items - 1}].code"] == "att_new"

    # A duplicate code is refused with its location next to the field; nothing is saved.
    fields[f"dimensions[0].items[{n_items}].code"] = "att_new"
    r = _save(web_client, vid, fields)
    assert r.status_code == 422
    assert f"dimensions[0].items[{n_items}].code" in r.text
    assert "题目和维度的代码必须唯一" in r.text  # the library's message, in the default zh
    field = f"f-dimensions-0-items-{n_items}-code"
    assert f'id="{field}" name="dimensions[0].items[{n_items}].code"' in r.text
    assert f'aria-describedby="{field}-error-1' in r.text
    with read_session(engine) as s:
        stored = [v for v in list_versions(s, 1) if v.code == "aftersales-b1"]
    assert len(stored) == 1
    assert stored[0].status == "draft"
    codes = [i["code"] for i in stored[0].content["dimensions"][0]["items"]]
    assert codes.count("att_new") == 1

    # The mobile preview uses the survey's own screen template, in either language.
    preview = html(web_client, f"/designer/{vid}/preview?screen=1&lang=en")
    assert preview.status_code == 200
    assert "A new question" in preview.text
    assert 'class="question' in preview.text
    assert "/static/survey/survey.css" in preview.text
    zh = html(web_client, f"/designer/{vid}/preview?screen=1&lang=zh")
    assert "新增题目" in zh.text

    # Publish; the published version is read-only and editing it creates v2.
    token = csrf_token(web_client, f"/designer/{vid}")
    r = _post(web_client, f"/designer/{vid}/publish", {"_csrf_token": token})
    assert r.status_code in (302, 303)
    page = html(web_client, f"/designer/{vid}")
    assert 'id="published-notice"' in page.text
    assert 'id="save"' not in page.text
    fields = form_fields(page.text)
    r = _save(web_client, vid, {**fields, "_csrf_token": token})
    assert r.status_code == 409
    r = _post(web_client, f"/designer/{vid}/edit", {"_csrf_token": token})
    assert r.status_code in (302, 303)
    v2 = int(r.headers["location"].rsplit("/", 1)[1])
    assert v2 != vid
    fields = form_fields(html(web_client, f"/designer/{v2}").text)
    fields["title.en"] = "After-sales, second edition"
    assert _save(web_client, v2, fields).status_code in (302, 303)
    with read_session(engine) as s:
        versions = {v.version: v for v in list_versions(s, 1) if v.code == "aftersales-b1"}
    assert versions[1].status == "published"
    assert versions[2].status == "draft"
    assert versions[1].content["title"]["en"] != "After-sales, second edition"
    assert versions[2].content["title"]["en"] == "After-sales, second edition"


def test_blank_questionnaire_and_field_errors(web_client: TestClient[Any], world: World) -> None:
    login(web_client, "admin1")
    token = csrf_token(web_client, "/designer/")
    r = _post(web_client, "/designer/", {"source": "blank", "code": "", "_csrf_token": token})
    assert r.status_code == 400
    assert 'id="error-code"' in r.text
    assert 'id="error-title.zh"' in r.text
    data = {
        "source": "blank",
        "code": "mine",
        "title.zh": "我的问卷",
        "title.en": "Mine",
        "kind": "survey",
        "_csrf_token": token,
    }
    assert _post(web_client, "/designer/", data).status_code in (302, 303)
    again = _post(web_client, "/designer/", data)
    assert again.status_code == 400
    assert 'id="error-code"' in again.text
    assert "已存在" in again.text  # the catalogue's Chinese message (default language)


def test_other_bodys_questionnaire_is_not_found(web_client: TestClient[Any], world: World) -> None:
    login(web_client, "assessor3")  # body B2
    other = _create(web_client, "servqual", "b2-only")
    web_client.post("/logout", data={"_csrf_token": csrf_token(web_client, "/designer/")})
    login(web_client, "assessor1")
    for path in (f"/designer/{other}", f"/designer/{other}/preview"):
        assert html(web_client, path).status_code == 404
    token = csrf_token(web_client, "/designer/")
    for path in (f"/designer/{other}/publish", f"/designer/{other}/edit"):
        assert _post(web_client, path, {"_csrf_token": token}).status_code == 404
    assert "b2-only" not in html(web_client, "/designer/").text


def test_viewer_cannot_use_the_designer(web_client: TestClient[Any], world: World) -> None:
    login(web_client, "viewer1")
    assert html(web_client, "/designer/").status_code == 404
