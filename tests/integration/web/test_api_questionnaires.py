"""The questionnaire designer's JSON API (/api/v1/questionnaires) with personal API tokens, on
SQLite and PostgreSQL: create, read, update, publish, the next draft, located and translated
validation problems, immutability of published versions, and tenant isolation (issue #6)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session
from app.db.models import AuditEntry
from app.domain.questionnaires.service import list_versions
from questionnaires import to_dict
from questionnaires.templates import load_template
from tests.integration.web.helpers import World, csrf_token, login
from tests.integration.web.test_api_tokens import bearer, make_token

API = "/api/v1/questionnaires"


def _definition(code: str) -> dict[str, Any]:
    data = to_dict(load_template("after-sales"))
    data["code"] = code
    return data


def _h(token: str, lang: str = "en") -> dict[str, str]:
    return {**bearer(token), "accept-language": lang}


def test_create_read_update_publish_and_next_draft(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    token = make_token(engine, "assessor1")
    r = web_client.post(API, json={"definition": _definition("api-q1")}, headers=_h(token))
    assert r.status_code == 201, r.text
    created = r.json()
    vid = created["id"]
    assert (created["code"], created["version"], created["status"]) == ("api-q1", 1, "draft")
    assert created["definition"]["dimensions"][0]["code"] == "attitude"

    listed = web_client.get(API, params={"code": "api-q1"}, headers=_h(token)).json()
    assert [v["id"] for v in listed] == [vid]
    assert web_client.get(f"{API}/{vid}", headers=_h(token)).json()["sha256"] == created["sha256"]
    yaml_text = web_client.get(f"{API}/{vid}/source", headers=_h(token))
    assert yaml_text.status_code == 200
    assert "code: api-q1" in yaml_text.text

    # Update from YAML text; the stale hash of someone else's copy is refused.
    edited = yaml_text.text.replace("After-sales", "After-sales (API)", 1)
    body = {"source": edited, "format": "yaml", "expected_sha256": created["sha256"]}
    r = web_client.put(f"{API}/{vid}", json=body, headers=_h(token))
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["id"] == vid
    assert updated["sha256"] != created["sha256"]
    r = web_client.put(f"{API}/{vid}", json=body, headers=_h(token))
    assert r.status_code == 409
    assert r.json()["error"] == "stale_draft"

    preview = web_client.get(f"{API}/{vid}/preview", headers=_h(token)).json()
    assert preview["screens"][0]["items"][0]["code"] == "att1"
    assert preview["screens"][0]["items"][0]["points"] == 5

    r = web_client.post(f"{API}/{vid}/publish", headers=_h(token))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"

    # A published version never changes: editing or publishing again is refused, by name.
    r = web_client.put(
        f"{API}/{vid}", json={"definition": _definition("api-q1")}, headers=_h(token)
    )
    assert r.status_code == 409
    assert r.json()["error"] == "questionnaire_published"
    assert web_client.post(f"{API}/{vid}/publish", headers=_h(token)).status_code == 409

    r = web_client.post(f"{API}/{vid}/drafts", headers=_h(token))
    assert r.status_code == 201, r.text
    draft = r.json()
    assert (draft["version"], draft["status"]) == (2, "draft")
    again = web_client.post(f"{API}/{vid}/drafts", headers=_h(token)).json()
    assert again["id"] == draft["id"]  # the open draft, not a third version

    with read_session(engine) as s:
        versions = {v.version: v for v in list_versions(s, 1) if v.code == "api-q1"}
        assert versions[1].status == "published"
        assert versions[1].content["title"]["en"].startswith("After-sales (API)")
        actions = s.exec(
            select(AuditEntry.action).where(AuditEntry.object_type == "questionnaire")
        ).all()
    assert {"questionnaire.save_draft", "questionnaire.publish"} <= set(actions)

    r = web_client.post(API, json={"definition": _definition("api-q1")}, headers=_h(token))
    assert r.status_code == 409
    assert r.json()["error"] == "questionnaire_exists"


def test_invalid_definition_lists_every_problem_with_its_path(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    token = make_token(engine, "assessor1")
    data = _definition("api-bad")
    data["dimensions"][0]["items"][0]["text"].pop("zh")
    data["dimensions"][0]["items"][1]["weight"] = "heavy"
    data["dimensions"][1]["code"] = data["dimensions"][0]["code"]
    r = web_client.post(API, json={"definition": data}, headers=_h(token))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_questionnaire"
    found = {(p["path"], p["code"]) for p in body["problems"]}
    assert ("dimensions[0].items[0].text.zh", "text.missing_language") in found
    assert ("dimensions[0].items[1].weight", "shape.not_number") in found
    assert ("dimensions[1].code", "code.duplicate") in found
    assert all(p["message"] for p in body["problems"])
    with read_session(engine) as s:
        assert not [v for v in list_versions(s, 1) if v.code == "api-bad"]

    # The same problems in Chinese for a Chinese caller; YAML syntax errors are located too.
    zh = web_client.post(API, json={"definition": data}, headers=_h(token, "zh-CN")).json()
    messages = {p["path"]: p["message"] for p in zh["problems"]}
    assert messages["dimensions[0].items[1].weight"] == "'weight' 必须是数字，而不是文本"
    r = web_client.post(
        f"{API}/validate", json={"source": "code: [", "format": "yaml"}, headers=_h(token, "zh")
    )
    assert r.status_code == 200
    checked = r.json()
    assert checked["valid"] is False
    assert checked["problems"][0]["code"] == "file.not_yaml"
    assert checked["problems"][0]["message"].startswith("不是有效的 YAML")
    ok = web_client.post(
        f"{API}/validate", json={"definition": _definition("fine")}, headers=_h(token)
    ).json()
    assert ok["valid"] is True


def test_exactly_one_source_and_known_templates(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    token = make_token(engine, "admin1")
    both = {"definition": _definition("x"), "template": "servqual"}
    assert web_client.post(API, json=both, headers=_h(token)).status_code == 400
    assert web_client.post(API, json={"template": "nope"}, headers=_h(token)).status_code == 400
    assert "servqual" in web_client.get(f"{API}/templates", headers=_h(token)).json()
    r = web_client.post(API, json={"template": "servqual", "code": "sq-api"}, headers=_h(token))
    assert r.status_code == 201, r.text
    assert r.json()["code"] == "sq-api"


def test_another_bodys_questionnaire_is_not_found(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    other = make_token(engine, "assessor3")  # body B2
    r = web_client.post(API, json={"definition": _definition("b2-q")}, headers=_h(other))
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    token = make_token(engine, "assessor1")
    for path in (f"{API}/{vid}", f"{API}/{vid}/source", f"{API}/{vid}/preview"):
        assert web_client.get(path, headers=_h(token)).status_code == 404, path
    for path in (f"{API}/{vid}/publish", f"{API}/{vid}/drafts"):
        assert web_client.post(path, headers=_h(token)).status_code == 404, path
    put = web_client.put(
        f"{API}/{vid}", json={"definition": _definition("b2-q")}, headers=_h(token)
    )
    assert put.status_code == 404
    assert "b2-q" not in web_client.get(API, headers=_h(token)).text
    viewer = make_token(engine, "viewer1")
    assert web_client.get(API, headers=_h(viewer)).status_code == 404


def test_yaml_aliases_cannot_stand_for_a_huge_questionnaire(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    token = make_token(engine, "assessor1")
    long_text = "x" * 100_000
    aliases = ", ".join(["*t"] * 40)  # 4 MB once written out, from a 100 kB text
    source = f"code: bomb\nversion: 1\ntitle: {{zh: &t {long_text}, en: *t}}\njunk: [{aliases}]\n"
    r = web_client.post(API, json={"source": source, "format": "yaml"}, headers=_h(token))
    assert r.status_code == 400, r.text
    assert "aliases" in r.json()["detail"]
    with read_session(engine) as s:
        assert not [v for v in list_versions(s, 1) if v.code == "bomb"]


def test_browser_session_reads_freely_but_writes_only_with_the_csrf_header(
    web_client: TestClient[Any], world: World
) -> None:
    login(web_client, "assessor1")
    assert web_client.get(API).status_code == 200
    body = {"definition": _definition("cookie-q")}
    r = web_client.post(API, json=body)
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    cookie = csrf_token(web_client, "/account")
    r = web_client.post(API, json=body, headers={"x-csrftoken": cookie})
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    assert web_client.get(f"{API}/{vid}/preview").status_code == 200
    assert web_client.post(f"{API}/{vid}/publish").status_code == 403
