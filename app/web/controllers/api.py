"""JSON API under ``/api/v1`` (OpenAPI 3.1 at ``/schema``): lists are paginated.

Authentication is the same session as the pages (cookie) or a personal API token (bearer, see
``app.web.bearer``); errors are ``{error, detail}``. Write endpoints: ``api_workflow``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from app.domain.portal.register import search_register
from app.domain.portal.scorecards import own_rounds, own_scorecard
from app.domain.portal.workflow import body_rounds, coverage_rows, overview
from app.errors import NotFoundError
from app.web.auth import current_user, require_staff, require_viewer
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.controllers.api_workflow import API_SECURITY, RoundIn, RoundOut, create_round_for
from app.web.deps import DbSession

PageNo = Annotated[int, QueryParameter(name="page", ge=1, le=1_000_000)]
PerPage = Annotated[int, QueryParameter(name="per_page", ge=1, le=100)]
Search = Annotated[str, QueryParameter(name="q", max_length=100)]


def _page(items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    start = (page - 1) * per_page
    return {
        "items": items[start : start + per_page],
        "page": page,
        "per_page": per_page,
        "total": len(items),
    }


def _user(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    if user is None:
        raise NotFoundError("no such resource")
    return user


class StaffApi(Controller):
    path = "/api/v1/rounds"
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["rounds"]  # noqa: RUF012
    security = API_SECURITY

    @get("/", sync_to_thread=True, summary="Rounds of the caller's evaluation body")
    def rounds(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> dict[str, Any]:
        user = _user(request)
        items = [
            {
                "id": r.id,
                "code": r.code,
                "title": r.title,
                "industry": r.industry,
                "state": r.state,
                "period_start": r.period_start.isoformat(),
                "period_end": r.period_end.isoformat(),
            }
            for r in body_rounds(db_session, user.body_id or 0)
        ]
        return _page(items, page, per_page)

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Create a round",
    )
    def create_round(self, request: Request[Any, Any, Any], data: JSONBody[RoundIn]) -> RoundOut:
        return create_round_for(request, data)

    @get("/{round_id:int}", sync_to_thread=True, summary="One round: state, plan, draw, coverage")
    def round_detail(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> dict[str, Any]:
        user = _user(request)
        view = overview(db_session, round_id, user.body_id or 0)
        return {
            "id": view.round.id,
            "code": view.round.code,
            "state": view.round.state,
            "enterprises": [{"code": e.code, "name": e.name} for e in view.enterprises],
            "plan_sha256": view.plan.sha256 if view.plan else None,
            "registries": [
                {"file": r.file_name, "sha256": r.file_sha256, "rows": r.row_count}
                for r in view.registries
            ],
            "draw": {"seed": view.draw.seed, "coverage": coverage_rows(view.draw)}
            if view.draw
            else None,
            "scorecards": view.scorecards,
            "certificates": [
                {"number": c.number, "status": c.status, "enterprise": name}
                for c, name in view.certificates
            ],
        }


class PortalApi(Controller):
    path = "/api/v1/portal/scorecards"
    guards = [require_viewer, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["portal"]  # noqa: RUF012
    security = API_SECURITY

    @get("/", sync_to_thread=True, summary="The caller's enterprise's published scorecards")
    def scorecards(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> dict[str, Any]:
        user = _user(request)
        items = []
        for r in own_rounds(db_session, user.enterprise_id or 0):
            row = asdict(r)
            row["period_start"] = r.period_start.isoformat()
            row["period_end"] = r.period_end.isoformat()
            items.append(row)
        return _page(items, page, per_page)

    @get("/{round_id:int}", sync_to_thread=True, summary="One scorecard (aggregates only)")
    def scorecard(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> dict[str, Any]:
        user = _user(request)
        view = own_scorecard(db_session, enterprise_id=user.enterprise_id or 0, round_id=round_id)
        doc = dict(view.document)
        doc["enterprises"] = {view.enterprise_code: doc["enterprises"][view.enterprise_code]}
        return doc


class RegisterApi(Controller):
    path = "/api/v1/register"
    tags = ["public"]  # noqa: RUF012

    @get("/", sync_to_thread=True, summary="Public register of issued certificates")
    def register(
        self, db_session: DbSession, page: PageNo = 1, per_page: PerPage = 20, q: Search = ""
    ) -> dict[str, Any]:
        result = search_register(
            db_session, today=date.today(), query=q, page=page, per_page=per_page
        )
        items = []
        for e in result.items:
            row = asdict(e)
            row["valid_until"] = e.valid_until.isoformat()
            items.append(row)
        return {
            "items": items,
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
        }


API_HANDLERS: list[ControllerRouterHandler] = [StaffApi, PortalApi, RegisterApi]
