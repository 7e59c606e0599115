"""Rendering helpers shared by the survey handlers: page responses, cookies, client keys."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Template
from sqlalchemy.engine import Engine

from app.domain.accounts.login_log import reference
from app.web.deps import log_reference_key
from app.web.ratelimit import RateLimiter
from app.web.survey.messages import LANGS, Lang, pick_lang, translator

log = logging.getLogger("tianping.survey")

SURVEY_COOKIE = "tp_survey"
LANG_COOKIE = "tp_lang"
SURVEY_PATH = "/survey"
NO_STORE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
# Failed token attempts per client address: a guesser gets 20 tries per 10 minutes, then 429.
FAILED_TOKEN_LIMIT = 20
FAILED_TOKEN_WINDOW_SECONDS = 600


def failed_tokens(request: Request[Any, Any, Any]) -> RateLimiter:
    """The app's counter of failed token attempts per client (one per app, like the login
    limits: a module-wide counter would carry one app's history into another's)."""
    state = request.app.state
    found: RateLimiter | None = getattr(state, "failed_tokens", None)
    if found is None:
        found = RateLimiter(limit=FAILED_TOKEN_LIMIT, window_seconds=FAILED_TOKEN_WINDOW_SECONDS)
        state.failed_tokens = found
    return found


def engine_of(request: Request[Any, Any, Any]) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def is_production(request: Request[Any, Any, Any]) -> bool:
    return bool(request.app.state.settings.is_production)


def client_key(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def throttled(request: Request[Any, Any, Any]) -> bool:
    return failed_tokens(request).retry_after(client_key(request)) > 0


def note_failed_token(request: Request[Any, Any, Any], reason: str) -> None:
    """Count and log a failed token attempt; neither the token nor the address is logged.

    The path holds the token (``/s/{token}``), so only its first segment is written; the
    address becomes a keyed reference (an unkeyed hash of an IPv4 address is reversible).
    """
    key = client_key(request)
    failed_tokens(request).hit(key)
    client = reference("client", key, log_reference_key(request.app.state))
    route = request.url.path.strip("/").split("/", 1)[0]
    log.warning("survey token rejected (%s) on /%s/…, %s", reason, route, client)


def device_hash(request: Request[Any, Any, Any]) -> str:
    """A coarse device fingerprint for response-quality flags (a hash, never the raw data)."""
    parts = (request.headers.get("user-agent", ""), request.headers.get("accept-language", ""))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def request_lang(request: Request[Any, Any, Any]) -> Lang:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return pick_lang(asked)
    return pick_lang(request.cookies.get(LANG_COOKIE))


def lang_cookie(lang: Lang) -> Cookie:
    return Cookie(key=LANG_COOKIE, value=lang, path="/", max_age=180 * 86400, samesite="lax")


def page(
    request: Request[Any, Any, Any],
    name: str,
    *,
    status: int = 200,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Template:
    lang = request_lang(request)
    all_cookies = [lang_cookie(lang), *(cookies or [])]
    return Template(
        template_name=f"survey/{name}.html.j2",
        context={"t": translator(lang), "lang": lang, **context},
        status_code=status,
        headers=NO_STORE,
        cookies=all_cookies,
    )
