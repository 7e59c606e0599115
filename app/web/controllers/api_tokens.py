"""Personal API tokens on the account page: create (shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from app.db.engine import write_session
from app.db.types import utcnow
from app.domain.accounts.api_tokens import (
    MAX_DAYS,
    ApiTokenError,
    create_token,
    list_tokens,
    revoke_token,
)
from app.domain.accounts.sessions import SessionUser
from app.web.auth import current_user, require_any_role
from app.web.deps import DbSession
from app.web.forms import FormErrors, text
from app.web.i18n import request_lang

Req = Request[Any, Any, Any]
DEFAULT_DAYS = 90


def _user(request: Req) -> SessionUser:
    user = current_user(request)
    assert user is not None  # the guard admitted only logged-in users
    return user


def _page(request: Req, db_session: Any, errors: Any, *, created: str | None = None) -> Template:
    user = _user(request)
    return Template(
        "account/tokens.html.j2",
        context={
            "tokens": list_tokens(db_session, user.id),
            "now": utcnow(),
            "errors": errors,
            "created": created,
            "max_days": MAX_DAYS,
            "default_days": DEFAULT_DAYS,
        },
        status_code=400 if errors else (201 if created else 200),
    )


class ApiTokensController(Controller):
    path = "/account/tokens"
    guards = [require_any_role]  # noqa: RUF012
    include_in_schema = False
    # The page that shows a new token in clear must not be kept by any cache.
    cache_control = CacheControlHeader(no_store=True)

    @get("/", sync_to_thread=True)
    def index(self, request: Req, db_session: DbSession) -> Template:
        return _page(request, db_session, {})

    @post("/", sync_to_thread=True)
    def create(
        self, request: Req, db_session: DbSession, data: URLEncodedBody[dict[str, Any]]
    ) -> Template:
        user = _user(request)
        errors = FormErrors(request_lang(request))
        name = text(data, "name", errors, max_length=100)
        raw_days = str(data.get("days", "")).strip()
        days = int(raw_days) if raw_days.isdigit() else 0
        if not 1 <= days <= MAX_DAYS:
            errors.add("days", "Enter a whole number of days between 1 and %(n)s.", n=MAX_DAYS)
        clear = None
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    _, clear = create_token(
                        s, user_id=user.id, name=name, days=days, actor=user.username
                    )
            except ApiTokenError as exc:
                errors.add("form", str(exc))
        return _page(request, db_session, errors, created=clear)

    @post("/{token_id:int}/revoke", sync_to_thread=True)
    def revoke(self, request: Req, token_id: FromPath[int]) -> Redirect:
        user = _user(request)
        with write_session(request.app.state.engine) as s:
            revoke_token(s, user_id=user.id, token_id=token_id, actor=user.username)
        return Redirect(path="/account/tokens/?revoked=1")
