"""Complaint handling of a round against the standards' time limits, for assessors.

Staff of the round's body only (another body's round is a 404, an enterprise viewer gets a
404 from the guard): the page lists breaching cases, with contact details masked.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from app.domain.complaints.service import ComplaintDataError, ComplaintView, round_complaints
from app.domain.portal.workflow import overview
from app.web.auth import require_staff
from app.web.controllers.rounds import staff
from app.web.deps import DbSession, keyring
from app.web.forms import FormErrors
from app.web.i18n import request_lang, translate
from app.workdays import workday_calendar
from scoring.errors import CalendarError

Req = Request[Any, Any, Any]

LIMIT_LABELS = {
    "first_response_24h": "First response within 24 h",
    "first_response_48h": "First response within 48 h",
    "assessed_48h": "Initial assessment within 48 h",
    "followed_up_72h": "Complex cases followed up within 72 h",
    "result_3_working_days": "Result within 3 working days",
    "closed_30_days": "Closed within 30 days",
}
CLASS_LABELS = {
    "general": "General",
    "complex": "Complex",
    "urgent": "Urgent",
    "all": "All complaints",
}


class ComplaintsController(Controller):
    path = "/rounds/{round_id:int}/complaints"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        body_id = user.body_id or 0
        lang = request_lang(request)
        view = overview(db_session, round_id, body_id)  # 404 for another body's round
        errors = FormErrors(lang)
        raw = request.query_params.get("enterprise", "").strip()
        chosen: int | None = None
        if raw:
            if raw.isdigit() and int(raw) in {e.id for e in view.enterprises}:
                chosen = int(raw)
            else:
                errors.add("enterprise", "Choose an enterprise of this round.")
        result: ComplaintView | None = None
        if not errors:
            try:
                result = round_complaints(
                    db_session,
                    round_id,
                    body_id,
                    enterprise_id=chosen,
                    ring=keyring(request.app.state),
                    calendar=workday_calendar(request.app.state.settings),
                )
            except ComplaintDataError as exc:
                errors.add(
                    "form",
                    "Case %(case)s: %(event)s is before the opening time. Correct the "
                    "registry and import it again.",
                    case=exc.case_id,
                    event=exc.event,
                )
            except CalendarError as exc:
                errors.add(
                    "form",
                    "The working-day calendar does not cover these complaints (%(detail)s).",
                    detail=str(exc),
                )
        return Template(
            "complaints/index.html.j2",
            context={
                "view": view,
                "result": result,
                "chosen": chosen,
                "errors": errors,
                "limit_names": {k: translate(lang, v) for k, v in LIMIT_LABELS.items()},
                "class_names": {k: translate(lang, v) for k, v in CLASS_LABELS.items()},
            },
            status_code=422 if errors else 200,
            # Case ids and masked contacts: not for shared caches or the back button.
            headers={"cache-control": "no-store"},
        )
