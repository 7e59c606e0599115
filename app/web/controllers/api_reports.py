"""Signed PDF reports and the public-results switch in the JSON API, as the pages offer them.

Staff of the round's body download a certificate's stored report and publish (or withdraw) the
round's results on ``/results``; an enterprise viewer downloads its own enterprise's reports of
published rounds (another enterprise's number is a 404, the same as a missing one). A stored
file whose SHA-256 differs from the issued certificate's is refused with 409. Same services as
``round_steps``, ``portal`` and ``results``; authentication and CSRF as ``api_workflow``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, put
from litestar.params import FromPath, JSONBody
from litestar.response import File
from litestar.types import ControllerRouterHandler

from app.db.engine import write_session
from app.domain.certificates.report_files import (
    ReportFile,
    report_file,
    staff_certificate,
    viewer_certificate,
)
from app.domain.disclosure.publication import set_results_public
from app.errors import NotFoundError
from app.web.auth import current_user, require_staff, require_viewer
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.controllers.api_workflow import API_SECURITY, _staff
from app.web.deps import DbSession

Req = Request[Any, Any, Any]


class PublicIn(msgspec.Struct, forbid_unknown_fields=True):
    public: bool


class PublicOut(msgspec.Struct):
    round_id: int
    results_public: bool


def _pdf(found: ReportFile) -> File:
    return File(
        path=found.path,
        filename=found.download_name,
        media_type="application/pdf",
        content_disposition_type="attachment",
    )


class RoundReportsApi(Controller):
    path = "/api/v1/rounds/{round_id:int}"
    # Writes carry csrf_unless_bearer (and leave the cookie CSRF middleware); reads need none.
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["workflow"]  # noqa: RUF012
    security = API_SECURITY

    @get(
        "/certificates/{number:str}/report.pdf",
        sync_to_thread=True,
        summary="Download a certificate's signed PDF report",
    )
    def report(
        self, request: Req, round_id: FromPath[int], number: FromPath[str], db_session: DbSession
    ) -> File:
        cert = staff_certificate(db_session, _staff(request).body_id or 0, round_id, number)
        return _pdf(report_file(cert, request.app.state.settings.data_dir / "reports"))

    @put(
        "/results-public",
        sync_to_thread=True,
        summary="Publish the round's results on /results (true) or withdraw them (false)",
    )
    def results_public(
        self, request: Req, round_id: FromPath[int], data: JSONBody[PublicIn]
    ) -> PublicOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            rnd = set_results_public(
                s,
                round_id=round_id,
                body_id=user.body_id or 0,
                public=data.public,
                actor=user.username,
            )
            return PublicOut(rnd.id or 0, rnd.results_public)


class PortalReportsApi(Controller):
    path = "/api/v1/portal/certificates"
    guards = [require_viewer, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["portal"]  # noqa: RUF012
    security = API_SECURITY

    @get(
        "/{number:str}/report.pdf",
        sync_to_thread=True,
        summary="Download the signed PDF report of one of the enterprise's certificates",
    )
    def report(self, request: Req, number: FromPath[str], db_session: DbSession) -> File:
        user = current_user(request)
        # The guard admitted only viewers, and every viewer is bound to one enterprise.
        if user is None or user.enterprise_id is None:
            raise NotFoundError("no such resource")
        cert = viewer_certificate(db_session, user.enterprise_id, number)
        return _pdf(report_file(cert, request.app.state.settings.data_dir / "reports"))


REPORTS_API_HANDLERS: list[ControllerRouterHandler] = [RoundReportsApi, PortalReportsApi]
