"""Reading and verifying a round's random assessor assignment (双随机) in the JSON API.

Running it is ``POST /api/v1/rounds/{id}/assessors`` in ``api_workflow``; this module adds what
the ``/rounds/{id}/assessors/`` page also shows: the stored record with the assessors it chose
(``GET …/assessors/record``), and the re-run that checks the record reproduces
(``POST …/assessors/verify``). Staff of the round's body only (another body's
round is a 404, a viewer gets 404 from the guard). Authentication and CSRF as ``api_workflow``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler

from app.domain.assignments.service import (
    assessor_names,
    body_assessors,
    get_assignment,
    verify_round_assignment,
)
from app.web.auth import require_staff
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.controllers.api_workflow import API_SECURITY, _staff
from app.web.deps import DbSession

Req = Request[Any, Any, Any]


class AssignedOut(msgspec.Struct):
    enterprise_id: int
    assessor: str


class AssignmentOut(msgspec.Struct):
    round_id: int
    # Assessors of the body who may be assigned (and named in conflicts).
    assessors: list[str]
    # None until the assignment has been run.
    seed: str | None
    record: dict[str, Any] | None
    assigned: list[AssignedOut]


class VerificationOut(msgspec.Struct):
    round_id: int
    reproduces: bool
    # What differs when the stored record does not reproduce.
    difference: str | None


class AssignmentsApi(Controller):
    path = "/api/v1/rounds/{round_id:int}/assessors"
    # Writes carry csrf_unless_bearer (and leave the cookie CSRF middleware); reads need none.
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["workflow"]  # noqa: RUF012
    security = API_SECURITY

    # Not "GET .../assessors" itself: that path's POST (running it) is api_workflow's, and
    # Litestar lets one path belong to one controller only.
    @get(
        "/record",
        sync_to_thread=True,
        summary="The round's assessor assignment record (null: not run yet)",
    )
    def assignment(
        self, request: Req, round_id: FromPath[int], db_session: DbSession
    ) -> AssignmentOut:
        body_id = _staff(request).body_id or 0
        stored = get_assignment(db_session, round_id, body_id)  # another body's round: 404
        names = assessor_names(db_session, round_id)
        return AssignmentOut(
            round_id=round_id,
            assessors=[u.username for u in body_assessors(db_session, body_id)],
            seed=stored.seed if stored else None,
            record=msgspec.json.decode(stored.record_json) if stored else None,
            assigned=[AssignedOut(e, names[e]) for e in sorted(names)],
        )

    @post(
        "/verify",
        sync_to_thread=True,
        status_code=200,
        summary="Re-run the stored assignment and say whether it reproduces",
    )
    def verify(
        self, request: Req, round_id: FromPath[int], db_session: DbSession
    ) -> VerificationOut:
        difference = verify_round_assignment(db_session, round_id, _staff(request).body_id or 0)
        return VerificationOut(round_id, difference is None, difference)


ASSIGNMENTS_API_HANDLERS: list[ControllerRouterHandler] = [AssignmentsApi]
