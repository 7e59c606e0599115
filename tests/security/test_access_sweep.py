"""Issue #9 item 1: every route with an object id, as every role that must not reach the
object, is refused as the policy says (DESIGN §6) and changes no row.

Policy: anonymous callers get 401 (API) or a redirect to the login page (HTML); a platform
admin has no place in a body's workflow (403, or 404); staff of another evaluation body and an
enterprise viewer of another enterprise get 404 for the object (staff get 403 only from pages
their role never uses, whatever the object), so they cannot even learn that the object exists.
The route list is ``app.routes`` itself, so new routes are swept automatically; the route-walk
half of the item (a guard or the allowlist) is ``tests/integration/web/test_route_guards.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from tests.integration.web.helpers import csrf_token, login
from tests.security.conftest import SweepWorld
from tests.security.routes import Endpoint, endpoints
from tests.security.snapshot import changed_tables, table_digests

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Names of body B1's objects that a refused caller must never see in any answer.
SECRETS = ("Round one", "Alpha Appliances", "SECRETNAME", "Main street", "within a week")
# The sweep sends no meaningful body, so a write endpoint that validates its input before it
# looks the object up answers 400/422. That is accepted only together with the checks that apply
# to every refusal: the same answer as for an object that does not exist, no row changed, none
# of B1's names in the body.
INVALID_INPUT = frozenset({400, 422})
# Who must not reach body B1's objects, and what they get.
REFUSED: dict[str, frozenset[int]] = {
    "anonymous": frozenset({401}),
    "platform": frozenset({403, 404}) | INVALID_INPUT,
    # Staff of body B2: 404 for B1's objects; 403 only where their role has no business at all
    # (the enterprise portal), which the no-oracle check proves does not depend on the object.
    "admin2": frozenset({403, 404}) | INVALID_INPUT,  # body admin of body B2
    "assessor3": frozenset({403, 404}) | INVALID_INPUT,  # assessor of body B2
    "viewer3": frozenset({404}),  # viewer of enterprise E3 of body B2: 404 for everything
}


# Pages whose content is a file the sweep world does not render (a signed PDF): their owner gets
# 404 too, so the control cannot vouch for them; their refusals are still checked above.
NO_CONTROL_SUFFIXES = ("/report.pdf",)


def values(world: SweepWorld) -> dict[str, object]:
    """Path parameter values naming B1's objects; new parameter names belong here."""
    return {
        "round_id": world.base.round_a,
        "version_id": world.version_id,
        "visit_id": world.visit_id,
        "finding_id": world.finding_id,
        "number": world.certificate,
    }


def absent(endpoint: Endpoint) -> dict[str, object]:
    """Values naming nothing at all: a refusal must look the same as for these (no oracle)."""
    return {name: 999999 if kind == "int" else "absent-object" for name, kind in endpoint.params}


def swept(client: TestClient[Any]) -> list[Endpoint]:
    return [e for e in endpoints(client.app) if e.params and not e.is_public]


def _request(client: TestClient[Any], endpoint: Endpoint, url: str, token: str) -> Any:
    headers = {"x-csrftoken": token}
    if not endpoint.is_api:
        headers["accept"] = "text/html"
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if endpoint.body == "json":
        kwargs["json"] = {}
    elif endpoint.method in UNSAFE:
        kwargs["data"] = {"_csrf_token": token}
    if endpoint.body == "multipart":
        kwargs["files"] = {"file": ("cases.csv", b"case_id,enterprise\nc1,E1\n", "text/csv")}
    return client.request(endpoint.method, url, **kwargs)


def _refusal_problem(role: str, endpoint: Endpoint, response: Any) -> str | None:
    status = response.status_code
    if role == "anonymous" and not endpoint.is_api:
        # Browser pages send the anonymous caller to the login page instead of a bare 401.
        location = response.headers.get("location", "")
        if status in (302, 303) and location.startswith("/login"):
            return None
        return f"{status} (expected a redirect to /login)"
    if status not in REFUSED[role]:
        return f"{status} (expected one of {sorted(REFUSED[role])})"
    leaked = [s for s in SECRETS if s in response.text]
    if leaked:
        return f"{status} but the body names {leaked}"
    return None


@pytest.mark.parametrize("role", sorted(REFUSED))
def test_objects_of_another_tenant_are_refused_and_unchanged(
    web_client: TestClient[Any], sweep_world: SweepWorld, engine: Engine, role: str
) -> None:
    if role != "anonymous":
        assert login(web_client, role).status_code in (302, 303)
    token = csrf_token(web_client)
    known = values(sweep_world)
    problems = []
    checked = 0
    for endpoint in swept(web_client):
        url = endpoint.url(known)
        before = table_digests(engine) if endpoint.method in UNSAFE else None
        response = _request(web_client, endpoint, url, token)
        problem = _refusal_problem(role, endpoint, response)
        if problem:
            problems.append(f"{endpoint.method} {url}: {problem}")
        nothing = _request(web_client, endpoint, endpoint.url(absent(endpoint)), token)
        if nothing.status_code != response.status_code:
            problems.append(
                f"{endpoint.method} {url}: {response.status_code}, but {nothing.status_code} for "
                "an object that does not exist (tells the caller the object exists)"
            )
        if before is not None:
            changed = changed_tables(before, table_digests(engine))
            if changed:
                problems.append(f"{endpoint.method} {url}: refused but changed {changed}")
        checked += 1
    assert problems == [], "\n".join(problems)
    assert checked >= 30, "the sweep found suspiciously few routes with path parameters"


def test_swept_urls_name_real_objects(web_client: TestClient[Any], sweep_world: SweepWorld) -> None:
    """The control: the owner reaches every swept page, so the refusals above are about access,
    not about URLs that point at nothing."""
    known = values(sweep_world)
    targets = [
        e
        for e in swept(web_client)
        if e.method == "GET"
        and all(name in known for name, _ in e.params)
        and not e.path.endswith(NO_CONTROL_SUFFIXES)
    ]
    codes: dict[str, list[int]] = {e.url(known): [] for e in targets}
    for username in ("assessor1", "viewer1"):
        web_client.cookies.clear()
        assert login(web_client, username).status_code in (302, 303)
        for url, seen in codes.items():
            page = web_client.get(url, headers={"accept": "text/html"}, follow_redirects=False)
            seen.append(page.status_code)
    unreachable = [f"GET {url}: {seen}" for url, seen in codes.items() if 200 not in seen]
    assert unreachable == [], "\n".join(unreachable)
    assert len(codes) >= 15
