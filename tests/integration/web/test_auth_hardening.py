"""Issue #9 item 5: common passwords refused, login throttled and logged without personal data,
no user enumeration, TOTP required of admins and assessors in production."""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models.user import User
from app.domain.accounts import sessions
from app.domain.accounts.passwords import issue_reset_token
from app.domain.accounts.totp import code_at
from app.web.app import create_app
from tests.integration.web.helpers import BASE_URL, PASSWORD, World, csrf_token, html, login

EN = {"accept": "text/html", "accept-language": "en"}


def test_common_password_refused_on_change_and_reset(
    web_client: TestClient,  # type: ignore[type-arg]
    world: World,
    engine: Engine,
) -> None:
    login(web_client, "viewer1")
    token = csrf_token(web_client, "/account")
    for weak in ("Password123456", "qwertyqwerty", "1q2w3e4r5t6y!"):
        r = web_client.post(
            "/account/password",
            data={"_csrf_token": token, "current": PASSWORD, "new": weak, "confirm": weak},
            headers=EN,
        )
        assert r.status_code == 400, weak
        assert "list of common passwords" in r.text
    with write_session(engine) as s:
        reset = issue_reset_token(s, "assessor2", actor="test")
    path = f"/password/reset/{reset}"
    token = csrf_token(web_client, path)
    r = web_client.post(
        path,
        data={"_csrf_token": token, "new": "iloveyou1234", "confirm": "iloveyou1234"},
        headers=EN,
    )
    assert r.status_code == 400
    assert "list of common passwords" in r.text
    # The token was not spent by the refused attempt.
    good = "plum kettle orbit seventeen"
    r = web_client.post(
        path, data={"_csrf_token": token, "new": good, "confirm": good}, follow_redirects=False
    )
    assert r.status_code in (302, 303)


def test_unknown_user_and_wrong_password_same_answer_same_work(
    web_client: TestClient,  # type: ignore[type-arg]
    world: World,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A timing test would be flaky on a shared machine; instead prove both paths run one
    argon2 verification: against the user's hash, or against the dummy hash."""
    calls: list[str] = []
    real = sessions.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(sessions, "verify_password", counting)
    wrong = login(web_client, "assessor1", "wrong password here")
    assert calls == [_hash_of(engine, "assessor1")]
    calls.clear()
    unknown = login(web_client, "nobody-at-all", "wrong password here")
    assert calls == [sessions._DUMMY_HASH]
    assert calls[0].startswith("$argon2id$")
    assert wrong.status_code == unknown.status_code == 400
    # Identical pages apart from the echoed username (and the per-response CSRF token).
    assert _normalised(wrong.text, "assessor1") == _normalised(unknown.text, "nobody-at-all")


def _hash_of(engine: Engine, username: str) -> str:
    with read_session(engine) as s:
        return s.exec(select(User).where(User.username == username)).one().password_hash


def _normalised(page: str, username: str) -> str:
    page = page.replace(f'value="{username}"', 'value="USER"')
    return re.sub(r'name="_csrf_token" value="[^"]+"', "CSRF", page)


def test_login_is_throttled_per_account(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    statuses = [
        login(web_client, "assessor1", f"guess {i:04} wrong").status_code for i in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    # Even the right password is refused while the account is throttled.
    assert login(web_client, "assessor1").status_code == 429
    # Another account from the same client is not affected (the client budget is larger).
    assert login(web_client, "assessor2").status_code in (302, 303)


def test_login_is_throttled_per_client(web_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    statuses = [login(web_client, f"probe{i:02}", "wrong guess").status_code for i in range(31)]
    assert statuses == [400] * 30 + [429]
    assert login(web_client, "viewer1").status_code == 429


def test_login_attempts_logged_without_personal_data(
    web_client: TestClient,  # type: ignore[type-arg]
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="tianping.auth")
    secret = "secret guess 1234"
    login(web_client, "zhang.san@example.com", secret)
    login(web_client, "zhang.san@example.com", secret)
    login(web_client, "viewer1")
    lines = [r.getMessage() for r in caplog.records if r.name == "tianping.auth"]
    assert len(lines) == 3
    assert lines[0].startswith("login failed: account=acct-")
    assert lines[0] == lines[1]  # the same account and client give the same references
    assert lines[2].startswith("login ok: user_id=")
    for line in lines:
        assert "zhang" not in line
        assert "example.com" not in line
        assert secret not in line
        assert "viewer1" not in line
        assert "testclient" not in line  # the client address is hashed too


@pytest.fixture
def production_client(engine: Engine) -> Iterator[TestClient]:  # type: ignore[type-arg]
    key = base64.b64encode(bytes(range(32))).decode()
    settings = Settings(
        env="production",
        secret_key="x" * 48,
        public_base_url=BASE_URL,  # production answers only to its own host name
        pii_keys=f"k1:{key}",
        pii_active_key="k1",
        contact_hash_key=key,
    )
    with TestClient(create_app(settings, engine=engine), base_url=BASE_URL) as c:
        yield c


def test_production_requires_totp_of_staff_and_enrols_at_first_login(
    production_client: TestClient,  # type: ignore[type-arg]
    world: World,
    engine: Engine,
) -> None:
    c = production_client
    r = login(c, "assessor1")
    assert r.headers["location"] == "/login/totp"
    # Half logged in: nothing but the TOTP step is reachable.
    assert html(c, "/rounds/").status_code in (302, 303)
    page = html(c, "/login/totp")
    match = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)
    assert match is not None
    secret = match.group(1)
    token = csrf_token(c, "/login/totp")
    step = int(time.time() // 30)
    accepted = {code_at(secret, step + d) for d in (-1, 0, 1, 2)}
    wrong_code = next(w for w in ("000000", "111111", "222222", "333333") if w not in accepted)
    bad = c.post(
        "/login/totp",
        data={"_csrf_token": token, "secret": secret, "code": wrong_code},
        headers=EN,
    )
    assert bad.status_code == 400
    assert html(c, "/rounds/").status_code in (302, 303)
    code = code_at(secret, int(time.time() // 30))
    ok = c.post(
        "/login/totp",
        data={"_csrf_token": token, "secret": secret, "code": code},
        follow_redirects=False,
    )
    assert ok.status_code in (302, 303)
    assert html(c, "/rounds/").status_code == 200
    with read_session(engine) as s:
        user = s.exec(select(User).where(User.username == "assessor1")).one()
        assert user.totp_secret_enc is not None
        assert secret not in user.totp_secret_enc
    # Next login asks for a code from the enrolled key, and no new key is offered.
    c.cookies.clear()
    assert login(c, "assessor1").headers["location"] == "/login/totp"
    assert 'name="secret"' not in html(c, "/login/totp").text


@pytest.mark.parametrize("username", ["admin1", "platform"])
def test_production_requires_totp_of_admins(
    production_client: TestClient,  # type: ignore[type-arg]
    world: World,
    username: str,
) -> None:
    r = login(production_client, username)
    assert r.headers["location"].startswith("/login/totp")


def test_viewers_need_no_totp(production_client: TestClient, world: World) -> None:  # type: ignore[type-arg]
    r = login(production_client, "viewer1")
    assert r.headers["location"] == "/portal"


def test_password_set_before_the_policy_still_logs_in_and_is_rehashed(
    world: World, engine: Engine
) -> None:
    """A password that is now on the list, hashed with older argon2 parameters, must not make
    the login fail when it is re-hashed (re-hashing skips the policy)."""
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("qwertyuiop123")
    with write_session(engine) as s:
        user = s.exec(select(User).where(User.username == "viewer1")).one()
        user.password_hash = old_hash
        s.add(user)
    with write_session(engine) as s:
        assert sessions.authenticate(s, "viewer1", "qwertyuiop123").username == "viewer1"
    new_hash = _hash_of(engine, "viewer1")
    assert new_hash != old_hash
    assert not sessions.needs_rehash(new_hash)


def test_malformed_enrolment_key_is_a_form_error(
    production_client: TestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    login(production_client, "assessor1")
    token = csrf_token(production_client, "/login/totp")
    r = production_client.post(
        "/login/totp",
        data={"_csrf_token": token, "secret": "not base32 at all!", "code": "123456"},
        headers=EN,
    )
    assert r.status_code == 400
    assert 'id="error-code"' in r.text
    assert html(production_client, "/rounds/").status_code in (302, 303)
