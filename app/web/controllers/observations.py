"""On-site observation checklists of a round: list visits, record one, show one with findings.

Body scoping comes from the session: another body's round, visit or checklist is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from app.db.engine import write_session
from app.domain.accounts.sessions import SessionUser
from app.domain.fieldwork.answers import AnswerValue
from app.domain.fieldwork.errors import AnswersInvalidError
from app.domain.observations.service import (
    MAX_NOTES,
    checklist,
    get_visit,
    list_visits,
    observation_versions,
    publish_bundled_checklist,
    record_visit,
)
from app.domain.portal.workflow import overview
from app.errors import TianpingError
from app.web.auth import require_staff
from app.web.controllers.rounds import staff
from app.web.deps import DbSession
from app.web.forms import FormErrors, integer_list, iso_date, text
from app.web.i18n import request_lang, translate
from app.web.survey.screens import parse_field

Req = Request[Any, Any, Any]
ANSWER_MESSAGES = {
    "required": "This answer is required.",
    "out_of_range": "Choose one of the options.",
    "not_a_choice": "Choose one of the options.",
    "too_long": "This answer is too long.",
    "unknown_item": "This question is not on the checklist.",
}


def _version_param(request: Req) -> int | None:
    raw = request.query_params.get("version", "")
    return int(raw) if raw.isdigit() else None


class ObservationsController(Controller):
    path = "/rounds/{round_id:int}/observations"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        body_id = user.body_id or 0
        return Template(
            "observations/index.html.j2",
            context={
                "view": overview(db_session, round_id, body_id),
                "visits": list_visits(db_session, round_id, body_id),
                "checklists": observation_versions(db_session, body_id),
            },
        )

    @post("/checklist", sync_to_thread=True)
    def bundled(self, request: Req, round_id: FromPath[int]) -> Redirect:
        """Publish the bundled on-site checklist for the body (does nothing if it exists)."""
        user = staff(request)
        with write_session(request.app.state.engine) as s:
            overview(s, round_id, user.body_id or 0)  # 404 for another body's round
            version_id = publish_bundled_checklist(
                s, body_id=user.body_id or 0, actor=user.username
            )
        return Redirect(path=f"/rounds/{round_id}/observations/new?version={version_id}")

    def _form(
        self,
        session: Session,
        user: SessionUser,
        round_id: int,
        version_id: int,
        errors: Any,
        form: Any,
    ) -> Template:
        body_id = user.body_id or 0
        return Template(
            "observations/new.html.j2",
            context={
                "view": overview(session, round_id, body_id),
                "q": checklist(session, version_id, body_id),
                "version_id": version_id,
                "errors": errors,
                "form": form,
                "today": date.today().isoformat(),
                "max_notes": MAX_NOTES,
            },
            status_code=422 if errors else 200,
        )

    @get("/new", sync_to_thread=True)
    def new(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        version_id = _version_param(request)
        if version_id is None:
            choices = observation_versions(db_session, user.body_id or 0)
            version_id = choices[0].id or 0 if choices else 0
        return self._form(db_session, user, round_id, version_id, {}, {})

    @post("/new", sync_to_thread=True)
    def record(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        lang = request_lang(request)
        errors = FormErrors(lang)
        version_id = (integer_list(data, "questionnaire_version_id", errors) or [0])[0]
        q = checklist(db_session, version_id, user.body_id or 0)
        enterprise = integer_list(data, "enterprise_id", errors)
        if not enterprise:
            errors.add("enterprise_id", "Choose an enterprise.")
        outlet = text(data, "outlet", errors)
        visit_date = iso_date(data, "visit_date", errors)
        notes = text(data, "notes", errors, required=False, max_length=MAX_NOTES)
        answers: dict[str, AnswerValue] = {
            item.code: parse_field(item, data.get(item.code)) for item in q.all_items()
        }
        if not errors and visit_date is not None:
            try:
                with write_session(request.app.state.engine) as s:
                    visit = record_visit(
                        s,
                        round_id=round_id,
                        body_id=user.body_id or 0,
                        enterprise_id=enterprise[0],
                        questionnaire_version_id=version_id,
                        outlet=outlet,
                        visit_date=visit_date,
                        answers=answers,
                        notes=notes,
                        assessor_id=user.id,
                        actor=user.username,
                    )
                    visit_id = visit.id
            except AnswersInvalidError as exc:
                for p in exc.problems:
                    errors.setdefault(p.item_code, translate(lang, ANSWER_MESSAGES[p.problem]))
            except TianpingError as exc:
                errors.add("form", str(exc))
        if errors:
            return self._form(db_session, user, round_id, version_id, errors, data)
        return Redirect(path=f"/rounds/{round_id}/observations/{visit_id}")

    @get("/{visit_id:int}", sync_to_thread=True)
    def show(
        self, request: Req, round_id: FromPath[int], visit_id: FromPath[int], db_session: DbSession
    ) -> Template:
        user = staff(request)
        visit, q, findings = get_visit(db_session, round_id, visit_id, user.body_id or 0)
        return Template(
            "observations/visit.html.j2",
            context={
                "view": overview(db_session, round_id, user.body_id or 0),
                "visit": visit,
                "q": q,
                "findings": {f.item_code: f.reason for f in findings},
            },
        )
