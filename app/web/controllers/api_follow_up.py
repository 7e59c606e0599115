"""``POST /api/v1/rounds/{id}/follow-up``: open a re-evaluation round, like the page does.

Same service as ``app.web.controllers.follow_up``; authentication and CSRF as the other write
endpoints (``app.web.controllers.api_workflow``). Refusals come back as ``{"error", "detail"}``
(400 bad input, 404 unknown round / enterprise / version, 409 no frozen plan, no scorecard,
incomparable questionnaire, code taken); the service's refusals name their field, and
``app.web.errors`` renders them as ``field: message`` in the caller's language (``followup.po``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from app.db.engine import write_session
from app.domain.plans.service import get_plan
from app.domain.reevaluation.follow_up import create_follow_up_round
from app.domain.rounds.service import round_enterprises
from app.errors import NotFoundError
from app.web.auth import current_user, require_staff
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.controllers.api_workflow import Code, Title

Req = Request[Any, Any, Any]


class FollowUpIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    title: Title
    period_start: date
    period_end: date
    enterprise_ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=1000)]
    # None: the previous round's questionnaire version; another must have the same dimensions.
    questionnaire_version_id: int | None = None


class FollowUpOut(msgspec.Struct):
    id: int
    code: str
    state: str
    follows_round_id: int
    enterprise_ids: list[int]
    questionnaire_version_id: int


class FollowUpApi(Controller):
    path = "/api/v1/rounds/{round_id:int}/follow-up"
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF instead
    tags = ["rounds"]  # noqa: RUF012

    @post(
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Open a re-evaluation round with a copy of this round's scoring plan",
    )
    def create(
        self, request: Req, round_id: FromPath[int], data: JSONBody[FollowUpIn]
    ) -> FollowUpOut:
        user = current_user(request)
        if user is None or user.body_id is None:
            raise NotFoundError("no such resource")
        with write_session(request.app.state.engine) as s:
            rnd = create_follow_up_round(
                s,
                round_id,
                data.enterprise_ids,
                user.username,
                code=data.code.strip(),
                title=data.title.strip(),
                period_start=data.period_start,
                period_end=data.period_end,
                body_id=user.body_id,
                questionnaire_version_id=data.questionnaire_version_id,
                created_by=user.id,
            )
            new_id = rnd.id or 0
            plan = get_plan(s, new_id)
            return FollowUpOut(
                id=new_id,
                code=rnd.code,
                state=rnd.state,
                follows_round_id=round_id,
                enterprise_ids=[e.id or 0 for e in round_enterprises(s, new_id)],
                questionnaire_version_id=plan.questionnaire_version_id if plan else 0,
            )


FOLLOW_UP_API_HANDLERS: list[ControllerRouterHandler] = [FollowUpApi]
