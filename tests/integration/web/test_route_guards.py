"""Every route has a guard or is on the explicit public allowlist; anonymous callers get nothing."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from app.web.auth import PUBLIC_ROUTES
from tests.integration.web.helpers import World

# The consumer survey (token-authenticated) is owned by its own module and allowlisted by prefix.
# The opt-out link is authorised by its invitation token, like the survey itself.
SURVEY_PREFIXES = ("/s/", "/survey", "/optout/", "/api/v1/responses")


def _declared(app: Litestar) -> list[tuple[str, list[object]]]:
    """(path, guards) of every handler, except Litestar's automatic OPTIONS answers."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "create_options_handler" in getattr(handler.fn, "__qualname__", ""):
                continue
            found.append((route.path, list(handler.resolve_guards())))
    return found


def test_every_route_is_guarded_or_public(web_client: TestClient) -> None:  # type: ignore[type-arg]
    app = web_client.app
    unguarded = []
    for path, guards in _declared(app):
        if guards or path in PUBLIC_ROUTES or path.startswith(SURVEY_PREFIXES):
            continue
        if path.startswith("/schema"):
            continue
        unguarded.append(path)
    assert unguarded == [], f"routes without a guard and not on the public allowlist: {unguarded}"


def test_allowlist_has_no_stale_entries(web_client: TestClient) -> None:  # type: ignore[type-arg]
    paths = {path for path, _ in _declared(web_client.app)}
    assert set(PUBLIC_ROUTES) - paths == set()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}:]+:(int|str)\}", lambda m: "1" if m.group(1) == "int" else "x", path)


def test_anonymous_requests_to_guarded_routes_are_refused(
    web_client: TestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    checked = 0
    for path, guards in _declared(web_client.app):
        if not guards:
            continue
        url = _concrete(path)
        r = web_client.get(url, follow_redirects=False)
        assert r.status_code in (401, 404, 405), (url, r.status_code)
        if r.status_code == 401:
            assert r.json()["code"] == "not_authenticated"
        page = web_client.get(url, headers={"accept": "text/html"}, follow_redirects=False)
        expected = (401, 404, 405) if url.startswith("/api/") else (302, 303, 404, 405)
        assert page.status_code in expected, (url, page.status_code)
        checked += 1
    assert checked > 15
