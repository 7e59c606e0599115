"""``GET /api/v1/rounds/{id}/complaints``: the complaint-handling figures of the page, as JSON.

Staff of the round's body only, like ``/rounds/{id}/complaints/`` (a viewer gets 404 from the
guard, another body's round or an enterprise outside the round is a 404 from the service).
Figures per enterprise and complaint class against the standards' time limits, top categories,
and at most ``MAX_LISTED`` breaching cases with contact details masked (never in the clear).
A registry whose times contradict each other is a 400 naming the case; a working-day calendar
that does not cover the complaints is a 422.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, QueryParameter
from litestar.types import ControllerRouterHandler

from app.domain.complaints.service import ComplaintView, round_complaints
from app.web.auth import require_staff
from app.web.controllers.api_workflow import API_SECURITY, _staff
from app.web.deps import DbSession, keyring
from app.workdays import workday_calendar

Req = Request[Any, Any, Any]
EnterpriseFilter = Annotated[int | None, QueryParameter(name="enterprise_id", ge=1, le=2**63 - 1)]


class ComplaintsApi(Controller):
    path = "/api/v1/rounds/{round_id:int}/complaints"
    guards = [require_staff]  # noqa: RUF012
    tags = ["complaints"]  # noqa: RUF012
    security = API_SECURITY
    # Case ids and masked contacts: not for shared caches.
    cache_control = CacheControlHeader(no_store=True)

    @get(
        sync_to_thread=True,
        summary="Complaint handling against the time limits; breaching cases, contacts masked",
    )
    def complaints(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        enterprise_id: EnterpriseFilter = None,
    ) -> ComplaintView:
        return round_complaints(
            db_session,
            round_id,
            _staff(request).body_id or 0,
            enterprise_id=enterprise_id,
            ring=keyring(request.app.state),
            calendar=workday_calendar(request.app.state.settings),
        )


COMPLAINTS_API_HANDLERS: list[ControllerRouterHandler] = [ComplaintsApi]
