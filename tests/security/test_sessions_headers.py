"""Issue #9 item 4: session cookies, session lifetime, CSRF, security headers, allowed hosts,
CORS and production error bodies (DESIGN §6)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models.web_session import WebSession
from app.db.types import utcnow
from app.domain.accounts.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from app.domain.users.service import disable_user, set_password
from app.web.app import CSRF_EXEMPT, create_app
from app.web.security import BASE_HEADERS
from tests.integration.web.helpers import World, csrf_token, html, login
from tests.security.conftest import SweepWorld
from tests.security.routes import endpoints
from tests.security.snapshot import changed_tables, table_digests
from tests.security.test_access_sweep import UNSAFE, values

DEV_COOKIE = "tianping_session"
PROD_COOKIE = "__Host-tianping"
PROD_HOST = "tianping.example.org"
TEMPLATES = Path(__file__).parents[2] / "app" / "web" / "templates"


def production_settings(**overrides: Any) -> Settings:
    return Settings(
        env="production",
        secret_key="s" * 48,
        public_base_url=f"https://{PROD_HOST}",
        **overrides,
    )


@pytest.fixture
def prod_client(engine: Engine) -> Iterator[TestClient[Litestar]]:
    app = create_app(production_settings(), engine=engine)
    with TestClient(app, base_url=f"https://{PROD_HOST}") as client:
        yield client


def _session_rows(engine: Engine, username_id: int | None = None) -> list[WebSession]:
    with read_session(engine) as s:
        query = select(WebSession)
        if username_id is not None:
            query = query.where(WebSession.user_id == username_id)
        return list(s.exec(query).all())


def _set_cookie(response: Any, name: str) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(name + "=")]
    assert len(cookies) == 1, response.headers.get_list("set-cookie")
    return cookies[0]


# ---- cookies -----------------------------------------------------------------------------------


def test_production_cookies_are_host_prefixed_secure_httponly_samesite(
    prod_client: TestClient[Any], world: World
) -> None:
    page = prod_client.get("/login", headers={"accept": "text/html"})
    csrf = _set_cookie(page, "__Host-csrf").lower()
    r = login(prod_client, "viewer1")
    assert r.status_code in (302, 303)
    session = _set_cookie(r, PROD_COOKIE).lower()
    for cookie in (session, csrf):
        # __Host- cookies are only accepted by browsers with Secure, Path=/ and no Domain.
        assert "secure" in cookie
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "path=/" in cookie
        assert "domain=" not in cookie
    assert html(prod_client, "/portal/").status_code == 200


def test_development_cookie_has_the_same_flags(web_client: TestClient[Any], world: World) -> None:
    cookie = _set_cookie(login(web_client, "viewer1"), DEV_COOKIE).lower()
    assert "secure" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


# ---- session lifetime --------------------------------------------------------------------------


def test_session_id_rotates_at_login_and_a_planted_id_dies(
    web_client: TestClient[Any], world: World
) -> None:
    # An attacker's own valid session id, planted in the victim's browser before login...
    login(web_client, "viewer2")
    planted = web_client.cookies.get(DEV_COOKIE)
    login(web_client, "viewer1")
    fresh = web_client.cookies.get(DEV_COOKIE)
    assert planted
    assert fresh
    assert planted != fresh
    # ...is worthless afterwards: the victim's login ended it.
    web_client.cookies.clear()
    web_client.cookies.set(DEV_COOKIE, planted)
    assert html(web_client, "/portal/").status_code in (302, 303)


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
def test_idle_and_absolute_timeouts_end_the_session(
    web_client: TestClient[Any], world: World, engine: Engine, column: str
) -> None:
    login(web_client, "viewer1")
    assert html(web_client, "/portal/").status_code == 200
    (row,) = _session_rows(engine)
    # Idle: last request longer ago than IDLE_TIMEOUT. Absolute: past the expiry that was set
    # to login time + ABSOLUTE_TIMEOUT however busy the session was.
    assert row.expires_at - row.created_at == ABSOLUTE_TIMEOUT
    moved = {
        "last_seen_at": utcnow() - IDLE_TIMEOUT - timedelta(seconds=1),
        "expires_at": utcnow() - timedelta(seconds=1),
    }
    with write_session(engine) as s:
        s.execute(update(WebSession).values({column: moved[column]}))
    r = html(web_client, "/portal/")
    assert r.status_code in (302, 303)
    assert r.headers["location"].startswith("/login")
    assert _session_rows(engine) == []  # ended, not just refused


def test_a_busy_session_is_not_idle(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    login(web_client, "viewer1")
    with write_session(engine) as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - IDLE_TIMEOUT / 2))
    assert html(web_client, "/portal/").status_code == 200
    (row,) = _session_rows(engine)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)  # the request refreshed it


def test_logout_deletes_the_session(
    web_client: TestClient[Any], world: World, engine: Engine
) -> None:
    login(web_client, "viewer1")
    old = web_client.cookies.get(DEV_COOKIE) or ""
    token = csrf_token(web_client)
    r = web_client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code in (302, 303)
    assert "max-age=0" in _set_cookie(r, DEV_COOKIE).lower()
    assert _session_rows(engine) == []
    web_client.cookies.set(DEV_COOKIE, old)
    assert html(web_client, "/portal/").status_code in (302, 303)


@pytest.mark.parametrize("action", ["disable", "password_reset"])
def test_disable_and_admin_password_reset_end_every_session(
    web_client: TestClient[Any], world: World, engine: Engine, action: str
) -> None:
    login(web_client, "viewer1")
    assert len(_session_rows(engine)) == 1
    with write_session(engine) as s:
        if action == "disable":
            disable_user(s, "viewer1", actor="test")
        else:
            set_password(s, "viewer1", "a completely new passphrase", actor="test")
    # Deleted, so re-enabling the account later cannot revive a stolen cookie.
    assert _session_rows(engine) == []
    assert html(web_client, "/portal/").status_code in (302, 303)


# ---- CSRF --------------------------------------------------------------------------------------


def test_csrf_is_enforced_on_every_cookie_authenticated_write(
    web_client: TestClient[Any], sweep_world: SweepWorld, engine: Engine
) -> None:
    """Every unsafe route, logged in as the owner of the objects: without the token → 403 and
    nothing written. Token-authenticated consumer routes are exempt by design."""
    login(web_client, "assessor1")
    known = values(sweep_world)
    problems = []
    checked = 0
    for endpoint in endpoints(web_client.app):
        if endpoint.method not in UNSAFE or endpoint.path in CSRF_EXEMPT:
            continue
        url = endpoint.url(known)
        before = table_digests(engine)
        r = web_client.request(endpoint.method, url, data={"x": "1"}, follow_redirects=False)
        if r.status_code != 403:
            problems.append(f"{endpoint.method} {url}: {r.status_code}")
        if changed_tables(before, table_digests(engine)):
            problems.append(f"{endpoint.method} {url}: wrote rows without a CSRF token")
        checked += 1
    assert problems == [], "\n".join(problems)
    assert checked >= 20


def test_a_forged_csrf_token_is_refused(web_client: TestClient[Any], world: World) -> None:
    csrf_token(web_client)
    r = web_client.post(
        "/login",
        data={"username": "viewer1", "password": "x" * 20, "_csrf_token": "forged" * 10},
    )
    assert r.status_code == 403


# ---- headers -----------------------------------------------------------------------------------


def _csp(response: Any) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/verify/TP-E1", "/health"])
def test_security_headers_on_public_pages_in_production(
    prod_client: TestClient[Any], world: World, path: str
) -> None:
    r = prod_client.get(path, headers={"accept": "text/html"})
    assert r.status_code == 200
    csp = _csp(r)
    assert csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert "unsafe" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["strict-transport-security"].startswith("max-age=")
    assert int(r.headers["strict-transport-security"].split("=")[1].split(";")[0]) >= 31536000


def test_no_hsts_in_development(web_client: TestClient[Any], world: World) -> None:
    # Development runs on plain http://127.0.0.1; HSTS there would pin the browser to HTTPS.
    r = web_client.get("/login")
    assert "strict-transport-security" not in r.headers
    assert r.headers["content-security-policy"] == BASE_HEADERS["content-security-policy"]


_SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_HANDLER_ATTR = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_templates_have_no_inline_script() -> None:
    """CSP forbids inline scripts; this finds them before a browser does. JSON data blocks
    (``type="application/json"``) are not executed and are allowed."""
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.j2")):
        text = template.read_text(encoding="utf-8")
        for match in _SCRIPT.finditer(text):
            attrs = match.group(1)
            if "src=" not in attrs and "application/json" not in attrs:
                offenders.append(f"{template.relative_to(TEMPLATES)}: <script{attrs}>")
        if _HANDLER_ATTR.search(text) or "javascript:" in text:
            offenders.append(f"{template.relative_to(TEMPLATES)}: inline event handler")
    assert offenders == []
    assert len(list(TEMPLATES.rglob("*.j2"))) > 10


def test_every_authenticated_page_is_no_store(
    web_client: TestClient[Any], sweep_world: SweepWorld
) -> None:
    known = values(sweep_world)
    gets = [
        e
        for e in endpoints(web_client.app)
        if e.method == "GET" and e.guarded and all(n in known for n, _ in e.params)
    ]
    missing = []
    answered = 0
    for username in ("assessor1", "viewer1"):
        web_client.cookies.clear()
        login(web_client, username)
        for endpoint in gets:
            url = endpoint.url(known)
            r = web_client.get(url, headers={"accept": "text/html"}, follow_redirects=False)
            if r.status_code != 200:
                continue
            answered += 1
            if "no-store" not in r.headers.get("cache-control", ""):
                missing.append(f"{username} GET {url}: {r.headers.get('cache-control')}")
    assert missing == []
    assert answered >= 15


def test_public_pages_and_assets_stay_cacheable(web_client: TestClient[Any], world: World) -> None:
    login(web_client, "viewer1")
    asset = next(p for p in (TEMPLATES.parent / "static").rglob("*.css"))
    r = web_client.get("/static/" + asset.relative_to(TEMPLATES.parent / "static").as_posix())
    assert r.status_code == 200
    assert "no-store" not in r.headers.get("cache-control", "")
    web_client.cookies.clear()
    assert "no-store" not in web_client.get("/").headers.get("cache-control", "")


# ---- hosts and origins -------------------------------------------------------------------------


def test_production_answers_only_its_own_host(prod_client: TestClient[Any], world: World) -> None:
    assert prod_client.get("/health").status_code == 200
    forged = prod_client.get("/health", headers={"host": "evil.example"})
    assert forged.status_code == 400
    assert "evil.example" not in forged.text


def test_allowed_hosts_setting(engine: Engine, world: World) -> None:
    settings = production_settings(allowed_hosts="a.example.org, *.b.example.org")
    assert settings.host_allowlist == ["a.example.org", "*.b.example.org"]
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url="https://x.b.example.org") as client:
        assert client.get("/health").status_code == 200
        assert client.get("/health", headers={"host": PROD_HOST}).status_code == 400
    assert Settings().host_allowlist == []  # development: any host


def test_public_base_url_with_a_port_admits_that_host_and_port(engine: Engine) -> None:
    # A deployment at http://10.0.0.5:8000 gets "Host: 10.0.0.5:8000" from browsers.
    settings = Settings(env="production", public_base_url="https://tp.example.org:8443")
    assert settings.host_allowlist == ["tp.example.org", "tp.example.org:8443"]
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url="https://tp.example.org:8443") as client:
        assert client.get("/health").status_code == 200
        assert client.get("/health", headers={"host": "tp.example.org:9999"}).status_code == 400


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_no_cors_for_foreign_origins(
    web_client: TestClient[Any], world: World, method: str
) -> None:
    login(web_client, "assessor1")
    headers = {
        "origin": "https://evil.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "x-csrftoken",
    }
    r = web_client.request(method, "/api/v1/rounds/", headers=headers)
    allowed = {k.lower() for k in r.headers if k.lower().startswith("access-control-allow-")}
    assert allowed == set()


# ---- production error bodies -------------------------------------------------------------------

SQL_TEXT = "SELECT password_hash FROM app_user WHERE username = 'viewer1'"


@get("/boom/sql", sync_to_thread=False)
def _raise_sql() -> None:
    raise OperationalError(SQL_TEXT, {"username": "viewer1"}, Exception("disk I/O error"))


@get("/boom/bug", sync_to_thread=False)
def _raise_bug() -> None:
    raise RuntimeError("Traceback (most recent call last): secret internal detail")


@pytest.mark.parametrize("path", ["/boom/sql", "/boom/bug"])
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_production_errors_tell_nothing_about_their_cause(
    engine: Engine, world: World, path: str, accept: str
) -> None:
    app = create_app(production_settings(), engine=engine)
    app.register(_raise_sql)
    app.register(_raise_bug)
    with TestClient(app, base_url=f"https://{PROD_HOST}") as client:
        r = client.get(path, headers={"accept": accept})
    assert r.status_code in (500, 503)
    for leak in ("Traceback", "SELECT", "password_hash", "viewer1", "disk I/O", "internal detail"):
        assert leak not in r.text
    assert 'File "' not in r.text


def test_validation_errors_name_the_field_but_no_internals(
    prod_client: TestClient[Any], world: World
) -> None:
    r = prod_client.get("/api/v1/register/?per_page=100000")
    assert r.status_code == 400
    assert "per_page" in r.text
    assert "Traceback" not in r.text
    assert "litestar" not in r.text.lower()
