"""Security headers on every response (DESIGN §6)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# plotly.js (portal charts) adds two kinds of <style> element, which a bare `style-src 'self'`
# blocks: (1) empty ones it then fills through the CSSOM (`sheet.insertRule`, not governed by
# CSP) — allowed by the hash of the empty string, which admits no CSS text at all; (2) the
# MapLibre stylesheet bundled inside plotly.min.js, inserted at load — allowed by its exact hash
# (plotly 6/7 bundle). No 'unsafe-inline'. A plotly upgrade that changes (2) shows up as a CSP
# violation in tests/browser/test_portal_browser.py; take the new hash from that message.
PLOTLY_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (empty <style>)
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # MapLibre CSS in plotly.min.js
)
BASE_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' {' '.join(PLOTLY_STYLE_HASHES)}; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=63072000; includeSubDomains"
# Anything shown to a logged-in user may hold personal or enterprise-confidential data: no
# browser or proxy keeps a copy. Public pages and bundled assets stay cacheable.
NO_STORE = "no-store"
_CACHEABLE_PREFIXES = ("/static/",)
# Raw (name, value) pairs, added to the ASGI message's header list directly: Litestar's
# MutableScopeHeaders.setdefault scans and lower-cases every header for every name: about a
# quarter of the event loop's CPU per survey submission in a profile.
_BASE_RAW = tuple(
    (name.encode("latin-1"), value.encode("latin-1")) for name, value in BASE_HEADERS.items()
)
_HSTS_RAW = (b"strict-transport-security", HSTS.encode("latin-1"))
_CACHE_CONTROL = b"cache-control"
_NO_STORE_RAW = (_CACHE_CONTROL, NO_STORE.encode("latin-1"))


def security_headers(production: bool):  # type: ignore[no-untyped-def]
    defaults = (*_BASE_RAW, _HSTS_RAW) if production else _BASE_RAW

    def middleware(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    raw = list(message.get("headers") or ())
                    present = {bytes(name).lower() for name, _ in raw}
                    raw.extend(pair for pair in defaults if pair[0] not in present)
                    # The session middleware (inside this one) has put the caller on the scope.
                    if scope.get("user") is not None and not scope["path"].startswith(
                        _CACHEABLE_PREFIXES
                    ):
                        raw = [p for p in raw if bytes(p[0]).lower() != _CACHE_CONTROL]
                        raw.append(_NO_STORE_RAW)
                    message["headers"] = raw
                await send(message)

            await app(scope, receive, send_with_headers)

        return wrapped

    return middleware
