"""The security-headers middleware on raw ASGI messages (app.web.security)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.web.security import BASE_HEADERS, HSTS, security_headers


def _run(
    production: bool, headers: list[tuple[bytes, bytes]], *, user: object = None, path: str = "/x"
) -> list[tuple[bytes, bytes]]:
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": path, "user": user}
    asyncio.run(security_headers(production)(app)(scope, receive, send))
    return list(sent[0]["headers"])


def _names(headers: list[tuple[bytes, bytes]]) -> list[str]:
    return [bytes(name).decode().lower() for name, _ in headers]


def test_every_base_header_is_added_once_and_hsts_only_in_production() -> None:
    dev = dict(_run(False, [(b"content-type", b"text/html")]))
    prod = _run(True, [(b"content-type", b"text/html")])
    for name, value in BASE_HEADERS.items():
        assert dev[name.encode()] == value.encode()
    assert b"strict-transport-security" not in dev
    assert dict(prod)[b"strict-transport-security"] == HSTS.encode()
    assert len(_names(prod)) == len(set(_names(prod)))


def test_a_response_keeps_its_own_value_of_a_base_header() -> None:
    own = (b"Content-Security-Policy", b"default-src 'none'")
    headers = _run(True, [own])
    assert _names(headers).count("content-security-policy") == 1
    assert own in headers


def test_logged_in_pages_get_exactly_one_no_store() -> None:
    headers = _run(False, [(b"cache-control", b"max-age=60")], user=object())
    assert [v for n, v in headers if n == b"cache-control"] == [b"no-store"]
    assets = _run(False, [(b"cache-control", b"max-age=60")], user=object(), path="/static/a.css")
    assert [v for n, v in assets if n == b"cache-control"] == [b"max-age=60"]
    public = _run(False, [(b"cache-control", b"max-age=60")])
    assert [v for n, v in public if n == b"cache-control"] == [b"max-age=60"]
