"""On-site observation visits in the JSON API: what ``/rounds/{id}/observations`` pages offer.

Assessors and body admins of the round's body only (a viewer gets 404 from the guard, another
body's round, checklist or visit is a 404 from the service). Recording calls the same
``record_visit`` as the page, so the round-state rule, the checklist's validation and the audit
entry are identical. Answers are parsed like the page's form fields (``"4"`` or ``4`` for a
rating, ``"na"`` or ``null`` for not applicable); every bad answer is listed at once in a 422
``invalid_answers`` error with ``problems``. Authentication and CSRF as ``api_workflow``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY
from litestar.types import ControllerRouterHandler

from app.db.engine import write_session
from app.db.models.observation import ObservationVisit
from app.domain.fieldwork.answers import AnswerValue
from app.domain.fieldwork.errors import AnswersInvalidError
from app.domain.observations.service import (
    MAX_NOTES,
    MAX_OUTLET,
    Finding,
    checklist,
    get_visit,
    list_visits,
    observation_versions,
    publish_bundled_checklist,
    record_visit,
)
from app.domain.rounds.service import get_round
from app.web.auth import require_staff
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.controllers.api import PageNo, PerPage, _page
from app.web.controllers.api_workflow import API_SECURITY, RowId, _staff
from app.web.deps import DbSession
from app.web.survey.screens import parse_field
from questionnaires import Questionnaire

Req = Request[Any, Any, Any]
ItemCode = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# A rating, a choice code, free text, or null (not applicable / not answered).
Answer = int | Annotated[str, msgspec.Meta(max_length=4000)] | None


class VisitIn(msgspec.Struct, forbid_unknown_fields=True):
    questionnaire_version_id: RowId
    enterprise_id: RowId
    outlet: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_OUTLET)]
    visit_date: date
    answers: Annotated[dict[ItemCode, Answer], msgspec.Meta(max_length=500)]
    notes: Annotated[str, msgspec.Meta(max_length=MAX_NOTES)] = ""


class ChecklistOut(msgspec.Struct):
    id: int
    code: str
    version: int
    title: dict[str, str]


class ChecklistItemOut(msgspec.Struct):
    code: str
    type: str
    text: dict[str, str]
    required: bool
    allow_na: bool
    points: int | None
    reverse: bool
    answer_codes: list[str] | None
    show_if: str | None


class ChecklistDetailOut(msgspec.Struct):
    id: int
    code: str
    version: int
    title: dict[str, str]
    items: list[ChecklistItemOut]


class VisitRowOut(msgspec.Struct):
    id: int
    enterprise_id: int
    enterprise_code: str
    enterprise_name: str
    outlet: str
    visit_date: date
    questionnaire: str
    answered: int
    findings: int


class VisitFindingOut(msgspec.Struct):
    item_code: str
    item_text: dict[str, str]
    answer: int | str | None
    reason: str


class VisitOut(msgspec.Struct):
    id: int
    round_id: int
    enterprise_id: int
    questionnaire_version_id: int
    questionnaire: str
    outlet: str
    visit_date: date
    notes: str
    answers: dict[str, int | str | None]
    findings: list[VisitFindingOut]


def _checklist_out(version_id: int, q: Questionnaire) -> ChecklistOut:
    return ChecklistOut(version_id, q.code, q.version, dict(q.title))


def _visit_out(visit: ObservationVisit, q: Questionnaire, findings: list[Finding]) -> VisitOut:
    return VisitOut(
        id=visit.id or 0,
        round_id=visit.round_id,
        enterprise_id=visit.enterprise_id,
        questionnaire_version_id=visit.questionnaire_version_id,
        questionnaire=f"{q.code} v{q.version}",
        outlet=visit.outlet,
        visit_date=visit.visit_date,
        notes=visit.notes,
        answers=dict(visit.answers),
        findings=[VisitFindingOut(f.item_code, f.item_text, f.answer, f.reason) for f in findings],
    )


def _answers(q: Questionnaire, given: dict[str, Answer]) -> dict[str, AnswerValue]:
    """The page's parsing per checklist item; unknown codes are kept so the check names them."""
    items = {item.code: item for item in q.all_items()}
    parsed: dict[str, AnswerValue] = {}
    for code, value in given.items():
        item = items.get(code)
        parsed[code] = parse_field(item, value) if item and isinstance(value, str) else value
    return parsed


def answers_invalid(_: Req, exc: AnswersInvalidError) -> Response[dict[str, Any]]:
    """The 422 of a visit with bad answers: the usual error body plus every problem, by item."""
    problems = [
        {"item": p.item_code, "problem": p.problem, "detail": p.detail} for p in exc.problems
    ]
    code, detail = "invalid_answers", str(exc)
    body = {"error": code, "detail": detail, "code": code, "message": detail, "problems": problems}
    return Response(body, status_code=HTTP_422_UNPROCESSABLE_ENTITY)


class ObservationsApi(Controller):
    path = "/api/v1/rounds/{round_id:int}/observations"
    # Writes carry csrf_unless_bearer (and leave the cookie CSRF middleware); reads need none.
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["observations"]  # noqa: RUF012
    security = API_SECURITY
    exception_handlers = {AnswersInvalidError: answers_invalid}  # noqa: RUF012

    @get("/checklists", sync_to_thread=True, summary="Published observation checklists")
    def checklists(
        self, request: Req, round_id: FromPath[int], db_session: DbSession
    ) -> list[ChecklistOut]:
        body_id = _staff(request).body_id or 0
        get_round(db_session, round_id, body_id)  # another body's round: 404
        return [
            ChecklistOut(v.id or 0, v.code, v.version, dict(v.content.get("title") or {}))
            for v in observation_versions(db_session, body_id)
        ]

    @post(
        "/checklists",
        sync_to_thread=True,
        status_code=200,
        summary="Publish the bundled on-site checklist for the body (once; returns it)",
    )
    def publish_bundled(self, request: Req, round_id: FromPath[int]) -> ChecklistOut:
        user = _staff(request)
        body_id = user.body_id or 0
        with write_session(request.app.state.engine) as s:
            get_round(s, round_id, body_id)
            version_id = publish_bundled_checklist(s, body_id=body_id, actor=user.username)
            return _checklist_out(version_id, checklist(s, version_id, body_id))

    @get(
        "/checklists/{version_id:int}",
        sync_to_thread=True,
        summary="One checklist's items: codes, types and accepted answers",
    )
    def checklist_items(
        self,
        request: Req,
        round_id: FromPath[int],
        version_id: FromPath[int],
        db_session: DbSession,
    ) -> ChecklistDetailOut:
        body_id = _staff(request).body_id or 0
        get_round(db_session, round_id, body_id)
        q = checklist(db_session, version_id, body_id)
        items = [
            ChecklistItemOut(
                code=i.code,
                type=i.type,
                text=dict(i.text),
                required=i.required,
                allow_na=i.allow_na,
                points=i.points,
                reverse=i.reverse,
                answer_codes=list(i.answer_codes) if i.answer_codes is not None else None,
                show_if=i.show_if,
            )
            for i in q.all_items()
        ]
        return ChecklistDetailOut(version_id, q.code, q.version, dict(q.title), items)

    @get("/", sync_to_thread=True, summary="Observation visits of the round")
    def visits(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> dict[str, Any]:
        rows = list_visits(db_session, round_id, _staff(request).body_id or 0)
        items = [
            VisitRowOut(
                r.id,
                r.enterprise_id,
                r.enterprise_code,
                r.enterprise_name,
                r.outlet,
                r.visit_date,
                r.questionnaire,
                r.answered,
                r.findings,
            )
            for r in rows
        ]
        return _page(items, page, per_page)

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Record a visit (from fieldwork until the scores are approved)",
    )
    def record(self, request: Req, round_id: FromPath[int], data: JSONBody[VisitIn]) -> VisitOut:
        user = _staff(request)
        body_id = user.body_id or 0
        with write_session(request.app.state.engine) as s:
            q = checklist(s, data.questionnaire_version_id, body_id)
            visit = record_visit(
                s,
                round_id=round_id,
                body_id=body_id,
                enterprise_id=data.enterprise_id,
                questionnaire_version_id=data.questionnaire_version_id,
                outlet=data.outlet,
                visit_date=data.visit_date,
                answers=_answers(q, data.answers),
                notes=data.notes,
                assessor_id=user.id,
                actor=user.username,
            )
            return _visit_out(*get_visit(s, round_id, visit.id or 0, body_id))

    @get("/{visit_id:int}", sync_to_thread=True, summary="One visit with its answers and findings")
    def visit(
        self, request: Req, round_id: FromPath[int], visit_id: FromPath[int], db_session: DbSession
    ) -> VisitOut:
        body_id = _staff(request).body_id or 0
        return _visit_out(*get_visit(db_session, round_id, visit_id, body_id))


OBSERVATIONS_API_HANDLERS: list[ControllerRouterHandler] = [ObservationsApi]
