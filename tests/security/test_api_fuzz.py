"""Issue #9 item 2: schemathesis against the app's own OpenAPI 3.1 document, in process (ASGI).

Every operation of ``/schema/openapi.json``, as a staff member, an enterprise viewer (both with
personal API tokens, ``Authorization: Bearer``) and anonymously; schema-valid requests
(positive) and schema-violating ones (negative). Checks: no 5xx, every status documented, every
body and content type as documented, and schema-invalid input refused (``negative_data_
rejection``: the limits the document states are enforced). Not checked: schemathesis's
``positive_data_acceptance``, which expects every schema-valid request to succeed; domain rules
the schema cannot state (an e-mail channel without an SMTP server, a file that is not CSV/XLSX,
a round in the wrong state) answer a documented 4xx with a clear message instead.

Bounded and deterministic: a fixed number of examples per operation, derandomized, no example
database, so a run takes the same path every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.config import Settings
from app.db.engine import write_session
from app.db.models.user import User
from app.domain.accounts.api_tokens import create_token
from app.web.app import create_app
from tests.integration.web.helpers import World

POSITIVE_EXAMPLES = 20
NEGATIVE_EXAMPLES = 8


@pytest.fixture
def fuzz_app(engine: Engine, world: World) -> Iterator[Litestar]:
    app = create_app(Settings(), engine=engine)
    yield app
    # schemathesis keeps each application's lifespan running until the process ends.
    asgi.shutdown_lifespans()


def _api_token(engine: Engine, username: str) -> str:
    with write_session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        _, clear = create_token(s, user_id=user.id or 0, name="fuzz", days=1, actor="test")
    return clear


def _use_token(schema: Any, token: str) -> None:
    """Authenticate as schemathesis expects (so its ignored-auth check can drop the token)."""

    @schema.auth()
    class Bearer:
        def get(self, case: Any, ctx: Any) -> str:
            return token

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _fuzz(operation: Any, mode: GenerationMode, examples: int, seen: set[int]) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        seen.add(response.status_code)

    run()


@pytest.mark.parametrize(
    "username", ["assessor1", "viewer1", None], ids=["staff", "viewer", "anon"]
)
def test_every_operation_survives_fuzzing(
    fuzz_app: Litestar, engine: Engine, username: str | None
) -> None:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", fuzz_app)
    if username is not None:
        _use_token(schema, _api_token(engine, username))
    failures = []
    operations = 0
    statuses: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in (
            (GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):
            try:
                _fuzz(operation, mode, examples, statuses.setdefault(operation.label, set()))
            except Unsatisfiable:
                # Nothing in the operation can be made schema-invalid (no parameters, or only
                # free-text ones): there is no negative case to send.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except BaseException as exc:  # hypothesis raises an exception group of failures
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert failures == [], "\n\n".join(failures)
    assert operations >= 10
    # The token was really used (or really absent): each role reached what it may reach.
    staff, portal = statuses["GET /api/v1/rounds"], statuses["GET /api/v1/portal/scorecards"]
    expected = {"assessor1": (200, 403), "viewer1": (404, 200), None: (401, 401)}[username]
    assert (expected[0] in staff, expected[1] in portal) == (True, True), (staff, portal)


def test_schema_documents_the_real_error_body(fuzz_app: Litestar) -> None:
    """The generated document states the error shape the app sends and the limits it checks."""
    with TestClient(fuzz_app) as client:
        schema = client.get("/schema/openapi.json").json()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message"}
    rounds = schema["paths"]["/api/v1/rounds/{round_id}"]["get"]["responses"]
    assert {"400", "401", "403", "404"} <= set(rounds)
    assert rounds["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    per_page = next(
        p
        for p in schema["paths"]["/api/v1/register"]["get"]["parameters"]
        if p["name"] == "per_page"
    )
    assert per_page["schema"]["maximum"] == 100
