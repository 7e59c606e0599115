"""The assessor's screens, part 1: rounds, enterprises, questionnaire and scoring plan.

Body scoping comes from the session (``user.body_id``); a round of another body is NotFound.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlmodel import Session

from app.db.engine import write_session
from app.domain.accounts.sessions import SessionUser
from app.domain.plans.service import freeze_plan, set_plan
from app.domain.portal.workflow import STEPS, body_enterprises, body_rounds, overview
from app.domain.questionnaires.service import list_versions
from app.domain.rounds.body_rounds import add_body_enterprise, create_body_round
from app.errors import NotFoundError, TianpingError
from app.web.auth import current_user, require_staff
from app.web.controllers.round_steps import RoundStepsController
from app.web.deps import DbSession
from app.web.forms import FormErrors, integer_list, iso_date, text
from app.web.i18n import request_lang
from app.web.plan_form import WEIGHT_METHODS, form_from_plan, plan_from_form
from scoring.errors import ScoringError


def staff(request: Request[Any, Any, Any]) -> SessionUser:
    user = current_user(request)
    if user is None or user.body_id is None:
        raise NotFoundError("no such page")
    return user


class RoundsController(Controller):
    path = "/rounds"
    guards = [require_staff]  # noqa: RUF012
    tags = ["workflow"]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], db_session: DbSession) -> Template:
        user = staff(request)
        return Template(
            "rounds/index.html.j2",
            context={
                "rounds": body_rounds(db_session, user.body_id or 0),
                "enterprises": body_enterprises(db_session, user.body_id or 0),
                "errors": {},
                "form": {},
            },
        )

    @post("/", sync_to_thread=True)
    def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        errors = FormErrors(request_lang(request))
        code = text(data, "code", errors, max_length=64)
        title = text(data, "title", errors)
        industry = text(data, "industry", errors, required=False, max_length=100)
        start = iso_date(data, "period_start", errors)
        end = iso_date(data, "period_end", errors)
        chosen = integer_list(data, "enterprises", errors)
        if not chosen:
            errors.add("enterprises", "Choose at least one enterprise.")
        if start and end and end < start:
            errors.add("period_end", "The period cannot end before it starts.")
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    rnd = create_body_round(
                        s,
                        body_id=user.body_id or 0,
                        code=code,
                        title=title,
                        industry=industry,
                        period_start=start,  # type: ignore[arg-type]  # errors if None
                        period_end=end,  # type: ignore[arg-type]
                        enterprise_ids=chosen,
                        user_id=user.id,
                        actor=user.username,
                    )
                    round_id = rnd.id
            except TianpingError as exc:
                errors.add("form", str(exc))
        if errors:
            return Template(
                "rounds/index.html.j2",
                context={
                    "rounds": body_rounds(db_session, user.body_id or 0),
                    "enterprises": body_enterprises(db_session, user.body_id or 0),
                    "errors": errors,
                    "form": data,
                },
                status_code=400,
            )
        return Redirect(path=f"/rounds/{round_id}")

    @post("/enterprises", sync_to_thread=True)
    def add_enterprise(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        errors = FormErrors(request_lang(request))
        code = text(data, "ent_code", errors, max_length=64)
        name = text(data, "ent_name", errors)
        industry = text(data, "ent_industry", errors, required=False, max_length=100)
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    add_body_enterprise(
                        s,
                        body_id=user.body_id or 0,
                        code=code,
                        name=name,
                        industry=industry,
                        actor=user.username,
                    )
            except TianpingError as exc:
                errors.add("ent_code", str(exc))
        if errors:
            return Template(
                "rounds/index.html.j2",
                context={
                    "rounds": body_rounds(db_session, user.body_id or 0),
                    "enterprises": body_enterprises(db_session, user.body_id or 0),
                    "errors": errors,
                    "form": data,
                },
                status_code=400,
            )
        return Redirect(path="/rounds")

    @get("/{round_id:int}", sync_to_thread=True)
    def show(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Template:
        user = staff(request)
        view = overview(db_session, round_id, user.body_id or 0)
        return Template("rounds/overview.html.j2", context={"view": view, "steps": STEPS})

    def _plan_page(
        self, session: Session, user: SessionUser, round_id: int, errors: Any, form: Any
    ) -> Template:
        view = overview(session, round_id, user.body_id or 0)
        versions = [v for v in list_versions(session, user.body_id or 0) if v.status == "published"]
        return Template(
            "rounds/plan.html.j2",
            context={
                "view": view,
                "versions": versions,
                "errors": errors,
                "form": form or form_from_plan(view.plan.content if view.plan else None),
                "methods": WEIGHT_METHODS,
                "chosen_version": view.plan.questionnaire_version_id if view.plan else None,
            },
            status_code=400 if errors else 200,
        )

    @get("/{round_id:int}/plan", sync_to_thread=True)
    def plan(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Template:
        return self._plan_page(db_session, staff(request), round_id, {}, None)

    @post("/{round_id:int}/plan", sync_to_thread=True)
    def save_plan(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        errors = FormErrors(request_lang(request))
        version_id = integer_list(data, "questionnaire_version_id", errors)
        if not version_id:
            errors.add("questionnaire_version_id", "Choose a published questionnaire version.")
        plan = plan_from_form(data, errors)
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    set_plan(
                        s,
                        round_id=round_id,
                        body_id=user.body_id,
                        questionnaire_version_id=version_id[0],
                        plan=plan,
                        actor=user.username,
                    )
            except (TianpingError, ScoringError) as exc:
                errors.add("form", str(exc))
        if errors:
            return self._plan_page(db_session, user, round_id, errors, data)
        return Redirect(path=f"/rounds/{round_id}/plan?saved=1")

    @post("/{round_id:int}/plan/freeze", sync_to_thread=True)
    def freeze(self, request: Request[Any, Any, Any], round_id: FromPath[int]) -> Redirect:
        user = staff(request)
        with write_session(request.app.state.engine) as s:
            freeze_plan(
                s, round_id=round_id, body_id=user.body_id, actor=user.username, user_id=user.id
            )
        return Redirect(path=f"/rounds/{round_id}/plan")


ROUND_HANDLERS: list[ControllerRouterHandler] = [RoundsController, RoundStepsController]
