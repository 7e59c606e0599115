"""Login, logout, second factor, password change and reset, language switch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from app.db.engine import write_session
from app.db.models.user import Role
from app.domain.accounts import passwords, sessions, totp
from app.domain.accounts.login_log import log_attempt
from app.domain.users.passwords import CommonPasswordError, WeakPasswordError
from app.web.auth import (
    current_user,
    require_any_role,
    require_half_logged_in,
    session_cookie,
)
from app.web.deps import NextParam, keyring, log_reference_key
from app.web.forms import FormErrors, text
from app.web.i18n import LANG_COOKIE, parse_lang, request_lang
from app.web.ratelimit import RateLimiter


@dataclass(frozen=True)
class LoginLimits:
    """Per app and process (see docs/web.md)."""

    by_user: RateLimiter = field(default_factory=lambda: RateLimiter(10, 900))
    by_client: RateLimiter = field(default_factory=lambda: RateLimiter(30, 900))
    totp_by_session: RateLimiter = field(default_factory=lambda: RateLimiter(5, 300))


TOO_COMMON_MESSAGE = (
    "This password is on the list of common passwords; choose a phrase of several unrelated words."
)


def limits(state: State) -> LoginLimits:
    found: LoginLimits | None = getattr(state, "login_limits", None)
    if found is None:
        found = LoginLimits()
        state.login_limits = found
    return found


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: ``//evil.example`` or ``https://…`` would be an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def home_of(role: Role) -> str:
    return "/portal" if role is Role.ENTERPRISE_VIEWER else "/rounds"


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class AccountController(Controller):
    tags = ["account"]  # noqa: RUF012
    include_in_schema = False

    @get("/login", sync_to_thread=False)
    def login_form(self, next_: NextParam = None) -> Template:
        return Template("account/login.html.j2", context={"next": safe_next(next_), "errors": {}})

    @post("/login", sync_to_thread=True)
    def login(
        self, request: Request[Any, Any, State], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        lang = request_lang(request)
        errors = FormErrors(lang)
        username = text(data, "username", errors, max_length=100)
        password = text(data, "password", errors, max_length=1000)
        target = safe_next(str(data.get("next", "")))
        context = {"next": target, "errors": errors, "username": username}
        if errors:
            return Template("account/login.html.j2", context=context, status_code=400)
        client, key = _client(request), log_reference_key(request.app.state)
        if not (
            limits(request.app.state).by_user.hit(username.lower())
            and limits(request.app.state).by_client.hit(client)
        ):
            log_attempt("throttled", username=username, client=client, key=key)
            errors.add("form", "Too many attempts. Wait a few minutes and try again.")
            return Template("account/login.html.j2", context=context, status_code=429)
        production = request.app.state.settings.is_production
        previous = request.cookies.get(session_cookie("", production).key)
        try:
            with write_session(request.app.state.engine) as s:
                user = sessions.authenticate(s, username, password)
                token = sessions.start_session(
                    s, user, previous_token=previous, require_second_factor=production
                )
                role = Role(user.role)
                needs_code = sessions.needs_second_factor(user, required=production)
                user_id = user.id
        except sessions.LoginFailedError:
            log_attempt("failed", username=username, client=client, key=key)
            errors.add("form", "Wrong username or password.")
            return Template("account/login.html.j2", context=context, status_code=400)
        log_attempt("ok", username=username, client=client, key=key, user_id=user_id)
        limits(request.app.state).by_user.reset(username.lower())
        where = "/login/totp" if needs_code else (target or home_of(role))
        if needs_code and target:
            where += f"?next={target}"
        return Redirect(path=where, cookies=[session_cookie(token, production)])

    @get("/login/totp", guards=[require_half_logged_in], sync_to_thread=False)
    def totp_form(self, request: Request[Any, Any, State], next_: NextParam = None) -> Template:
        user = current_user(request)
        assert user is not None
        context: dict[str, Any] = {"next": safe_next(next_), "errors": {}}
        if not user.has_totp:
            # Production requires TOTP of admins and assessors: the first login enrols them.
            secret = totp.new_secret()
            context |= {
                "totp_secret": secret,
                "totp_uri": totp.provisioning_uri(secret, user.username),
            }
        return Template("account/totp.html.j2", context=context)

    @post("/login/totp", guards=[require_half_logged_in], sync_to_thread=True)
    def totp_check(
        self, request: Request[Any, Any, State], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = current_user(request)
        assert user is not None
        errors = FormErrors(request_lang(request))
        code = text(data, "code", errors, max_length=10)
        enrol_secret = None if user.has_totp else text(data, "secret", errors, max_length=64)
        target = safe_next(str(data.get("next", "")))
        context: dict[str, Any] = {"next": target, "errors": errors}
        if enrol_secret:
            context |= {
                "totp_secret": enrol_secret,
                "totp_uri": totp.provisioning_uri(enrol_secret, user.username),
            }
        if not errors and not limits(request.app.state).totp_by_session.hit(str(user.session_id)):
            errors.add("code", "Too many attempts. Wait a few minutes and try again.")
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    if enrol_secret:
                        totp.enable_totp(s, user.id, enrol_secret, code, keyring(request.app.state))
                    else:
                        totp.verify_user_code(s, user.id, code, keyring(request.app.state))
                    sessions.mark_verified(s, user.session_id)
            except totp.TotpError:
                errors.add(
                    "code", "The code is wrong or too old; type the code your app shows now."
                )
        if errors:
            return Template("account/totp.html.j2", context=context, status_code=400)
        return Redirect(path=target or home_of(user.role))

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request[Any, Any, State]) -> Redirect:
        production = request.app.state.settings.is_production
        cookie = session_cookie("", production, expire=True)
        token = request.cookies.get(cookie.key)
        if token:
            with write_session(request.app.state.engine) as s:
                sessions.end_session(s, token)
        return Redirect(path="/login", cookies=[cookie])

    @get("/account", guards=[require_any_role], sync_to_thread=False)
    def account(self, request: Request[Any, Any, State]) -> Template:
        user = current_user(request)
        assert user is not None
        secret = totp.new_secret() if user.role in totp.TOTP_ROLES and not user.has_totp else None
        return Template(
            "account/account.html.j2",
            context={
                "errors": {},
                "totp_secret": secret,
                "totp_uri": totp.provisioning_uri(secret, user.username) if secret else None,
            },
        )

    @post("/account/password", guards=[require_any_role], sync_to_thread=True)
    def change_password(
        self, request: Request[Any, Any, State], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = current_user(request)
        assert user is not None
        errors = FormErrors(request_lang(request))
        current = text(data, "current", errors, max_length=1000)
        new = text(data, "new", errors, max_length=1000)
        if new and new != str(data.get("confirm", "")):
            errors.add("confirm", "The two new passwords differ.")
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    passwords.change_password(
                        s, user.id, current, new, keep_session_id=user.session_id
                    )
            except passwords.WrongPasswordError:
                errors.add("current", "The current password is wrong.")
            except CommonPasswordError:
                errors.add("new", TOO_COMMON_MESSAGE)
            except WeakPasswordError:
                errors.add("new", "Use at least 12 characters.")
        if errors:
            return Template(
                "account/account.html.j2",
                context={"errors": errors, "totp_secret": None},
                status_code=400,
            )
        return Redirect(path="/account?changed=1")

    @post("/account/totp", guards=[require_any_role], sync_to_thread=True)
    def enable_totp(
        self, request: Request[Any, Any, State], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = current_user(request)
        assert user is not None
        errors = FormErrors(request_lang(request))
        secret = text(data, "secret", errors, max_length=64)
        code = text(data, "code", errors, max_length=10)
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    totp.enable_totp(s, user.id, secret, code, keyring(request.app.state))
            except totp.TotpError:
                errors.add("code", "The code does not match; check the phone's clock.")
        if errors:
            return Template(
                "account/account.html.j2",
                context={
                    "errors": errors,
                    "totp_secret": secret,
                    "totp_uri": totp.provisioning_uri(secret, user.username),
                },
                status_code=400,
            )
        return Redirect(path="/account?totp=1")

    @get("/password/reset/{token:str}", sync_to_thread=False)
    def reset_form(self, token: FromPath[str]) -> Template:
        return Template("account/reset.html.j2", context={"token": token, "errors": {}})

    @post("/password/reset/{token:str}", sync_to_thread=True)
    def reset(
        self,
        request: Request[Any, Any, State],
        token: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        errors = FormErrors(request_lang(request))
        new = text(data, "new", errors, max_length=1000)
        if new and new != str(data.get("confirm", "")):
            errors.add("confirm", "The two new passwords differ.")
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    passwords.reset_with_token(s, token, new)
            except passwords.ResetTokenError:
                errors.add("form", "This reset link is unknown, used or expired.")
            except CommonPasswordError:
                errors.add("new", TOO_COMMON_MESSAGE)
            except WeakPasswordError:
                errors.add("new", "Use at least 12 characters.")
        if errors:
            return Template(
                "account/reset.html.j2", context={"token": token, "errors": errors}, status_code=400
            )
        return Redirect(path="/login?reset=1")

    @get("/lang/{lang:str}", sync_to_thread=False)
    def switch_language(self, lang: FromPath[str], next_: NextParam = None) -> Redirect:
        chosen = parse_lang(lang) or "zh"
        cookie = Cookie(
            key=LANG_COOKIE, value=chosen, path="/", samesite="lax", max_age=365 * 86400
        )
        return Redirect(path=safe_next(next_) or "/", cookies=[cookie])
