"""Who is asking: the session cookie is resolved once per request, and guards decide access.

Every route handler either carries a guard from this module (directly or through its controller)
or is listed in :data:`PUBLIC_ROUTES`; ``tests/integration/web/test_route_guards.py`` walks all
routes to prove it. Tenant scoping (which body, which enterprise) is decided in the services from
the :class:`SessionUser`, never from ids in the URL.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.db.models.user import Role
from app.domain.accounts.sessions import ABSOLUTE_TIMEOUT, SessionUser, resolve
from app.web.bearer import bearer_from_scope, bearer_lookup, mark_bearer

# Paths (as declared on handlers) reachable without logging in.
PUBLIC_ROUTES: frozenset[str] = frozenset(
    {
        "/",
        "/health",
        "/verify",
        "/verify/{number:str}",
        "/api/v1/certificates/{number:str}/status",
        "/register",
        "/register/{round_id:int}",
        "/api/v1/register",
        "/results",
        "/results/{name:str}",
        "/login",
        "/logout",
        "/password/reset/{token:str}",
        "/lang/{lang:str}",
        "/static/{file_path:path}",
        "/static/vendor/{file_path:path}",
        "/schema",
    }
)


def cookie_name(production: bool) -> str:
    # The __Host- prefix pins the cookie to this host, path / and HTTPS (no subdomain override).
    return "__Host-tianping" if production else "tianping_session"


def session_cookie(value: str, production: bool, *, expire: bool = False) -> Cookie:
    return Cookie(
        key=cookie_name(production),
        value=value,
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
        max_age=0 if expire else int(ABSOLUTE_TIMEOUT.total_seconds()),
    )


def _cookie_from_scope(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None


def session_middleware(engine: Engine, production: bool):  # type: ignore[no-untyped-def]
    """Put the logged-in :class:`SessionUser` (or None) on ``scope["user"]`` for every request."""
    name = cookie_name(production)

    def lookup(token: str) -> SessionUser | None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                return resolve(session, token)
            except OperationalError:
                # SQLite: two requests of one session both refresh its last-seen time; the
                # second one's read snapshot is stale and its write fails at once (busy
                # snapshot). The first refresh committed, so a retry reads and writes nothing.
                session.rollback()
                return resolve(session, token)

    lookup_bearer = bearer_lookup(engine)

    def middleware(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP:
                bearer = bearer_from_scope(scope)
                if bearer is not None:
                    # An API token decides alone; see app.web.bearer.
                    mark_bearer(scope)
                    scope["user"] = await anyio.to_thread.run_sync(lookup_bearer, bearer)
                    await app(scope, receive, send)
                    return
                token = _cookie_from_scope(scope, name)
                user = await anyio.to_thread.run_sync(lookup, token) if token else None
                scope["user"] = user
            await app(scope, receive, send)

        return wrapped

    return middleware


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> SessionUser | None:
    user = connection.scope.get("user")
    return user if isinstance(user, SessionUser) else None


def require_user(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("log in to see this page")
    if not user.verified:
        raise NotAuthorizedException("enter the code from your authenticator app first")


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        require_user(connection, handler)
        user = current_user(connection)
        assert user is not None
        if user.role not in allowed:
            # Viewers probing staff URLs learn nothing either: same answer as a missing page.
            if user.role is Role.ENTERPRISE_VIEWER:
                raise NotFoundException("no such page")
            raise PermissionDeniedException("your role may not use this page")

    guard.__name__ = "require_" + "_or_".join(sorted(r.value for r in allowed))
    return guard


def require_half_logged_in(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """The TOTP step: a session exists but its second factor is still unchecked."""
    if current_user(connection) is None:
        raise NotAuthorizedException("log in first")


# The evaluation workflow belongs to an evaluation body's people.
STAFF = (Role.BODY_ADMIN, Role.ASSESSOR)
require_staff = require_roles(*STAFF)
require_viewer = require_roles(Role.ENTERPRISE_VIEWER)
require_admin = require_roles(Role.PLATFORM_ADMIN, Role.BODY_ADMIN)
require_any_role = require_roles(*Role)
