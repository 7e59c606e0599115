"""Personal API tokens: created on the account page (shown once, stored hashed), accepted as
``Authorization: Bearer`` on /api/ only, with the owner's role and tenancy; CSRF stays on for
cookie-authenticated API writes (issue #6)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import ApiToken, AuditEntry, Enterprise, User
from app.db.types import utcnow
from app.domain.accounts.api_tokens import create_token
from tests.integration.web.helpers import World, csrf_token, html, login

TOKEN = re.compile(r'id="token-value">(tp_[A-Za-z0-9_\-]+)<')


def make_token(
    engine: Engine, username: str, *, days: int = 30, ago: timedelta | None = None
) -> str:
    with write_session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        now = utcnow() - ago if ago else None
        _, clear = create_token(
            s, user_id=user.id or 0, name=f"{username} script", days=days, actor="test", now=now
        )
    return clear


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_account_page_creates_a_token_shown_once_and_stored_hashed(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    login(web_client, "assessor1")
    assert 'href="/account/tokens/"' in html(web_client, "/account").text
    token = csrf_token(web_client, "/account/tokens/")
    r = web_client.post(
        "/account/tokens/",
        data={"name": "nightly import", "days": "30", "_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 201
    assert "no-store" in r.headers["cache-control"]
    found = TOKEN.search(r.text)
    assert found is not None
    clear = found.group(1)
    with read_session(engine) as s:
        row = s.exec(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(clear.encode()).hexdigest()
        assert clear.startswith(row.prefix)
        assert row.expires_at - row.created_at == timedelta(days=30)
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "api_token.create")).one()
        assert clear not in str(audit.details)
    listing = html(web_client, "/account/tokens/")
    assert clear not in listing.text
    assert row.prefix in listing.text
    assert "nightly import" in listing.text


def test_token_form_names_bad_fields(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    login(web_client, "assessor1")
    token = csrf_token(web_client, "/account/tokens/")
    r = web_client.post(
        "/account/tokens/",
        data={"name": "", "days": "9999", "_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 400
    assert TOKEN.search(r.text) is None
    assert "365" in r.text


def test_bearer_token_acts_with_the_owners_role_and_tenancy(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    staff = make_token(engine, "assessor1")
    other_body = make_token(engine, "assessor3")
    viewer = make_token(engine, "viewer1")
    r = web_client.get("/api/v1/rounds/", headers=bearer(staff))
    assert r.status_code == 200
    assert [i["code"] for i in r.json()["items"]] == ["R1"]
    assert (
        web_client.get(f"/api/v1/rounds/{world.round_a}", headers=bearer(staff)).status_code == 200
    )
    r = web_client.get(f"/api/v1/rounds/{world.round_a}", headers=bearer(other_body))
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    assert web_client.get("/api/v1/rounds/", headers=bearer(viewer)).status_code == 404
    assert web_client.get("/api/v1/portal/scorecards/", headers=bearer(viewer)).status_code == 200
    with read_session(engine) as s:
        used = s.exec(select(ApiToken).where(ApiToken.prefix == staff[:10])).one()
        assert used.last_used_at is not None


def test_tokens_are_for_the_api_only(web_client: TestClient, world: World, engine: Engine) -> None:  # type: ignore[type-arg]
    staff = make_token(engine, "assessor1")
    r = web_client.get("/rounds/", headers={**bearer(staff), "accept": "application/json"})
    assert r.status_code == 401


def test_unknown_revoked_and_expired_tokens_are_refused(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    expired = make_token(engine, "assessor1", days=1, ago=timedelta(days=2))
    assert web_client.get("/api/v1/rounds/", headers=bearer(expired)).status_code == 401
    assert web_client.get("/api/v1/rounds/", headers=bearer("tp_not-a-token")).status_code == 401
    live = make_token(engine, "assessor1")
    assert web_client.get("/api/v1/rounds/", headers=bearer(live)).status_code == 200
    login(web_client, "assessor1")
    with read_session(engine) as s:
        row = s.exec(select(ApiToken).where(ApiToken.prefix == live[:10])).one()
    token = csrf_token(web_client, "/account/tokens/")
    r = web_client.post(
        f"/account/tokens/{row.id}/revoke", data={"_csrf_token": token}, follow_redirects=False
    )
    assert r.status_code in (302, 303)
    # A bad token is not rescued by the valid session cookie beside it.
    assert web_client.get("/api/v1/rounds/", headers=bearer(live)).status_code == 401
    assert web_client.get("/api/v1/rounds/").status_code == 200


def test_a_token_of_another_user_cannot_be_revoked(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    staff = make_token(engine, "assessor1")
    with read_session(engine) as s:
        row = s.exec(select(ApiToken)).one()
    login(web_client, "assessor2")
    token = csrf_token(web_client, "/account/tokens/")
    r = web_client.post(
        f"/account/tokens/{row.id}/revoke",
        data={"_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 404
    assert web_client.get("/api/v1/rounds/", headers=bearer(staff)).status_code == 200


def test_disabled_account_tokens_stop_working(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    staff = make_token(engine, "assessor1")
    with write_session(engine) as s:
        user = s.exec(select(User).where(User.username == "assessor1")).one()
        user.is_active = False
        s.add(user)
    assert web_client.get("/api/v1/rounds/", headers=bearer(staff)).status_code == 401


def test_cookie_api_writes_need_csrf_bearer_writes_do_not(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    path = f"/api/v1/rounds/{world.round_a}/certificates/TP-E1/revoke"
    body = {"reason": "wrong enterprise name printed"}
    login(web_client, "assessor1")
    r = web_client.post(path, json=body)
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    # The cookie's token sent back in the header (what a same-site script can do).
    cookie = csrf_token(web_client, "/account")
    r = web_client.post(path, json=body, headers={"x-csrftoken": cookie})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked"
    web_client.cookies.clear()
    staff = make_token(engine, "assessor1")
    r = web_client.post(
        f"/api/v1/rounds/{world.round_a}/certificates/TP-E2/revoke",
        json=body,
        headers=bearer(staff),
    )
    assert r.status_code == 200, r.text


def test_cookie_api_reads_need_no_csrf_header(
    web_client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    # A read changes nothing: the browser session may make it without the header, even on a
    # controller whose writes are CSRF-guarded.
    login(web_client, "assessor1")
    r = web_client.get("/api/v1/enterprises")
    assert r.status_code == 200, r.text
    assert {e["code"] for e in r.json()} >= {"E1", "E2"}
    r = web_client.post("/api/v1/enterprises", json={"code": "E9", "name": "Nine"})
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]


def test_enterprises_are_registered_through_the_api(
    web_client: TestClient,
    world: World,
    engine: Engine,  # type: ignore[type-arg]
) -> None:
    staff = make_token(engine, "assessor1")
    other_body = make_token(engine, "assessor3")
    viewer = make_token(engine, "viewer1")
    body = {"code": "E9", "name": "九号企业", "industry": "appliances"}
    r = web_client.post("/api/v1/enterprises", json=body, headers=bearer(staff))
    assert r.status_code == 201, r.text
    assert r.json()["code"] == "E9"
    assert r.json()["name"] == "九号企业"
    with read_session(engine) as s:
        audits = s.exec(select(AuditEntry).where(AuditEntry.action == "enterprise.create")).all()
    r = web_client.post("/api/v1/enterprises", json=body, headers=bearer(staff))
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"
    # The same code is free in another body; a viewer may not register enterprises at all.
    r = web_client.post("/api/v1/enterprises", json=body, headers=bearer(other_body))
    assert r.status_code == 201, r.text
    r = web_client.post("/api/v1/enterprises", json=body, headers=bearer(viewer))
    assert r.status_code in (403, 404)
    r = web_client.post(
        "/api/v1/enterprises", json={"code": "", "name": "x"}, headers=bearer(staff)
    )
    assert r.status_code == 400
    with read_session(engine) as s:
        names = s.exec(select(Enterprise.code).where(Enterprise.code == "E9")).all()
        later = s.exec(select(AuditEntry).where(AuditEntry.action == "enterprise.create")).all()
    assert len(names) == 2
    assert len(later) == len(audits) + 1
