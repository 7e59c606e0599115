"""``Authorization: Bearer`` with personal API tokens, and CSRF for the API's write routes.

Bearer tokens are accepted on ``/api/`` paths only: pages stay cookie-only. A request that
presents a bearer token is judged by that token alone (a valid cookie beside an invalid token
does not rescue it). The resolved user lands on ``scope["user"]`` like a session's, so the same
guards and tenancy checks apply.

CSRF: a browser attaches cookies to cross-site requests by itself, but never an
``Authorization`` header, so bearer-authenticated requests need no CSRF token. The API's write
routes are therefore left out of Litestar's cookie-based CSRF middleware (handler opt
``exclude_from_csrf``) and carry :func:`csrf_unless_bearer` instead, which demands the CSRF
header from every request that is *not* bearer-authenticated.
"""

from __future__ import annotations

from collections.abc import Callable
from hmac import compare_digest
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.types import Scope
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.domain.accounts.api_tokens import resolve_token
from app.domain.accounts.sessions import SessionUser

API_PREFIX = "/api/"
SCHEME_KEY = "tianping_auth_scheme"
# Handler opt that takes a route out of Litestar's cookie CSRF middleware (its default key).
NO_COOKIE_CSRF = {"exclude_from_csrf": True}


def bearer_from_scope(scope: Scope) -> str | None:
    """The bearer token of an API request, or None (also for non-API paths)."""
    if not str(scope.get("path", "")).startswith(API_PREFIX):
        return None
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return credentials.strip()
    return None


def bearer_lookup(engine: Engine) -> Callable[[str], SessionUser | None]:
    def lookup(token: str) -> SessionUser | None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                return resolve_token(session, token)
            except OperationalError:
                # SQLite: another writer committed between our read and the last-used write
                # (busy snapshot). The last-used time is a convenience; the answer is not.
                session.rollback()
                return resolve_token(session, token, touch=False)

    return lookup


def mark_bearer(scope: Scope) -> None:
    scope[SCHEME_KEY] = "bearer"  # type: ignore[literal-required]  # our own scope key


def is_bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return connection.scope.get(SCHEME_KEY) == "bearer"


def _decoded(token: str, secret: str) -> str | None:
    if len(token) < CSRF_SECRET_LENGTH + 1:
        return None
    value, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    expected = generate_csrf_hash(token=value, secret=secret)
    return value if compare_digest(signature, expected) else None


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_unless_bearer(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Cookie-authenticated writes must send the CSRF cookie's token in the CSRF header.

    Reads (GET, HEAD, OPTIONS) change nothing, so the browser session may make them without
    the header, whatever guards the controller carries.
    """
    if is_bearer(connection) or connection.scope.get("method") in _SAFE_METHODS:
        return
    config = connection.app.csrf_config
    if config is None:
        return
    header = connection.headers.get(config.header_name)
    cookie = connection.cookies.get(config.cookie_name)
    sent = _decoded(header, config.secret) if header else None
    held = _decoded(cookie, config.secret) if cookie else None
    if sent is None or held is None or not compare_digest(sent, held):
        raise PermissionDeniedException("CSRF token verification failed")
