"""Login, session rotation, logout, disabled accounts, password change and reset, CSRF."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from app.db.engine import write_session
from app.domain.accounts.passwords import issue_reset_token
from app.domain.users.service import disable_user
from tests.integration.web.helpers import PASSWORD, World, csrf_token, html, login

COOKIE = "tianping_session"


def test_login_sets_secure_cookie_and_rotates(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    r = login(web_client, "assessor1")
    assert r.status_code in (302, 303)
    assert r.headers["location"] == "/rounds"
    set_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "secure" in set_cookie
    assert "samesite=lax" in set_cookie
    first = web_client.cookies.get(COOKIE)
    assert html(web_client, "/rounds/").status_code == 200
    # Logging in again (e.g. a planted cookie) gives a new id; the old one is dead.
    login(web_client, "assessor1")
    second = web_client.cookies.get(COOKIE)
    assert first
    assert second
    assert first != second
    web_client.cookies.clear()
    web_client.cookies.set(COOKIE, first)
    assert html(web_client, "/rounds/").status_code in (302, 303)


def test_wrong_password_and_unknown_user_look_the_same(
    web_client: TestClient, world: World
) -> None:  # type: ignore[type-arg]
    a = login(web_client, "assessor1", "wrong password here")
    b = login(web_client, "nobody-at-all", "wrong password here")
    assert a.status_code == b.status_code == 400
    assert "Wrong username or password" in a.text or "用户名或密码错误" in a.text
    assert COOKIE not in web_client.cookies


def test_empty_login_form_gives_field_errors_in_english(
    web_client: TestClient, world: World
) -> None:  # type: ignore[type-arg]
    token = csrf_token(web_client)
    r = web_client.post(
        "/login",
        data={"_csrf_token": token},
        headers={"accept": "text/html", "accept-language": "en"},
    )
    assert r.status_code == 400
    assert 'id="error-username"' in r.text
    assert "This field is required." in r.text


def test_field_errors_in_chinese(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    token = csrf_token(web_client)
    r = web_client.post(
        "/login",
        data={"_csrf_token": token},
        headers={"accept": "text/html", "accept-language": "zh-CN,zh;q=0.9"},
    )
    assert "此项为必填项。" in r.text


def test_post_without_csrf_token_is_refused(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    r = web_client.post("/login", data={"username": "assessor1", "password": PASSWORD})
    assert r.status_code == 403
    assert COOKIE not in web_client.cookies


def test_logout_ends_the_session(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "assessor1")
    old = web_client.cookies.get(COOKIE)
    token = csrf_token(web_client, "/rounds/")
    r = web_client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code in (302, 303)
    web_client.cookies.clear()
    web_client.cookies.set(COOKIE, old or "")
    assert html(web_client, "/rounds/").headers["location"].startswith("/login")


def test_disabling_an_account_kills_its_sessions(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    login(web_client, "assessor1")
    assert html(web_client, "/rounds/").status_code == 200
    with write_session(engine) as s:
        disable_user(s, "assessor1")
    assert html(web_client, "/rounds/").status_code in (302, 303)
    assert login(web_client, "assessor1").status_code == 400


def test_password_change_then_login_with_new(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "viewer1")
    token = csrf_token(web_client, "/account")
    r = web_client.post(
        "/account/password",
        data={"_csrf_token": token, "current": "bad", "new": "short", "confirm": "short"},
        headers={"accept": "text/html", "accept-language": "en"},
    )
    assert r.status_code == 400
    assert "The current password is wrong." in r.text
    new = "a brand new long passphrase"
    r = web_client.post(
        "/account/password",
        data={"_csrf_token": token, "current": PASSWORD, "new": new, "confirm": new},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303)
    web_client.cookies.clear()
    assert login(web_client, "viewer1").status_code == 400
    assert login(web_client, "viewer1", new).status_code in (302, 303)


def test_reset_token_is_one_time(web_client: TestClient, world: World, engine: Engine) -> None:  # type: ignore[type-arg]
    with write_session(engine) as s:
        reset = issue_reset_token(s, "assessor2", actor="test")
    new = "another long passphrase ok"
    path = f"/password/reset/{reset}"
    token = csrf_token(web_client, path)
    ok = web_client.post(
        path, data={"_csrf_token": token, "new": new, "confirm": new}, follow_redirects=False
    )
    assert ok.status_code in (302, 303)
    again = web_client.post(
        path,
        data={"_csrf_token": token, "new": new, "confirm": new},
        headers={"accept": "text/html", "accept-language": "en"},
    )
    assert again.status_code == 400
    assert "unknown, used or expired" in again.text
    assert login(web_client, "assessor2", new).status_code in (302, 303)


def test_open_redirect_after_login_is_ignored(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    token = csrf_token(web_client)
    r = web_client.post(
        "/login",
        data={
            "username": "assessor1",
            "password": PASSWORD,
            "next": "//evil.example/x",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/rounds"
