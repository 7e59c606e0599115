"""Public register, language switch, staff round screens, API pagination and the schema."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.domain.rounds.lifecycle import RoundState
from tests.integration.web.helpers import World, csrf_token, html, login, set_state


def test_register_lists_and_searches(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    page = html(web_client, "/register")
    assert page.status_code == 200
    assert "TP-E1" in page.text
    assert "TP-E2" in page.text
    found = html(web_client, "/register?q=Alpha")
    assert "TP-E1" in found.text
    assert "TP-E2" not in found.text
    # LIKE wildcards are taken literally.
    assert "TP-E1" not in html(web_client, "/register?q=%25").text
    api = web_client.get("/api/v1/register/?per_page=1&page=2").json()
    assert api["total"] == 2
    assert api["page"] == 2
    assert len(api["items"]) == 1


def test_register_per_round(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    page = html(web_client, f"/register/{world.round_a}")
    assert page.status_code == 200
    assert "Round one" in page.text


def test_language_switch_cookie(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    r = web_client.get("/lang/en?next=/register", follow_redirects=False)
    assert r.headers["location"] == "/register"
    page = html(web_client, "/register")
    assert "Public register of issued certificates" in page.text
    assert 'lang="en"' in page.text
    web_client.get("/lang/zh?next=//evil.example")
    page = html(web_client, "/register")
    assert "已签发证书公示名录" in page.text
    assert 'lang="zh-CN"' in page.text


def test_dates_follow_locale(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    en = web_client.get("/register", headers={"accept": "text/html", "accept-language": "en"})
    zh = web_client.get("/register", headers={"accept": "text/html", "accept-language": "zh"})
    assert "1 Jan 2099" in en.text
    assert "2099年1月1日" in zh.text


def test_round_creation_validates_and_saves_nothing_on_error(
    web_client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    login(web_client, "assessor1")
    token = csrf_token(web_client, "/rounds/")
    bad = web_client.post(
        "/rounds/",
        data={
            "_csrf_token": token,
            "code": "R2",
            "title": "Two",
            "period_start": "2026-05-01",
            "period_end": "2026-04-01",
        },
        headers={"accept": "text/html", "accept-language": "en"},
    )
    assert bad.status_code == 400
    assert "The period cannot end before it starts." in bad.text
    assert "Choose at least one enterprise." in bad.text
    assert [r["code"] for r in web_client.get("/api/v1/rounds/").json()["items"]] == ["R1"]
    ok = web_client.post(
        "/rounds/",
        data={
            "_csrf_token": token,
            "code": "R2",
            "title": "Two",
            "period_start": "2026-04-01",
            "period_end": "2026-06-30",
            "enterprises": [str(world.e1), str(world.e2)],
        },
        follow_redirects=False,
    )
    assert ok.status_code in (302, 303)
    overview = html(web_client, ok.headers["location"])
    assert overview.status_code == 200
    assert 'data-state="draft"' in overview.text


def test_freezing_without_plan_is_refused_with_reason(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    set_state(engine, world.round_a, RoundState.DRAFT)
    login(web_client, "assessor1")
    token = csrf_token(web_client, f"/rounds/{world.round_a}/plan")
    r = web_client.post(
        f"/rounds/{world.round_a}/plan/freeze",
        data={"_csrf_token": token},
        headers={"accept": "text/html", "accept-language": "en"},
    )
    assert r.status_code == 409
    assert "has no scoring plan yet" in r.text


def test_draw_before_sampling_is_refused(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    set_state(engine, world.round_a, RoundState.DRAFT)
    login(web_client, "assessor1")
    token = csrf_token(web_client, f"/rounds/{world.round_a}/draw")
    r = web_client.post(
        f"/rounds/{world.round_a}/draw",
        data={"_csrf_token": token, "witness": "", "witness_name": ""},
        headers={"accept": "text/html", "accept-language": "en"},
    )
    assert r.status_code == 400
    assert 'id="error-witness"' in r.text
    r = web_client.post(
        f"/rounds/{world.round_a}/draw",
        data={"_csrf_token": token, "witness": "seed-12345678", "witness_name": "Li"},
        headers={"accept": "text/html", "accept-language": "en"},
    )
    assert r.status_code == 400
    assert "samples are drawn in the sampling state" in r.text


def test_openapi_schema_lists_api(web_client: TestClient) -> None:  # type: ignore[type-arg]
    schema = web_client.get("/schema/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/register" in schema["paths"]
    assert "/api/v1/rounds" in schema["paths"]
