"""Enterprise portal: the viewer's own scorecards only (enterprise taken from the session)."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.response import File, Template

from app.db.types import utcnow
from app.domain.certificates.report_files import (
    enterprise_round_certificates,
    report_file,
    viewer_certificate,
)
from app.domain.observations.service import observation_findings
from app.domain.portal.scorecards import MIN_CELL, own_rounds, own_scorecard, scorecard_rows
from app.domain.rectification.findings import enterprise_reminder
from app.errors import NotFoundError
from app.web.auth import current_user, require_viewer
from app.web.charts import chart_json
from app.web.deps import DbSession
from app.web.i18n import request_lang
from app.web.spreadsheet import safe_rows


def _enterprise_id(request: Request[Any, Any, Any]) -> int:
    user = current_user(request)
    # The guard admitted only viewers, and every viewer is bound to one enterprise.
    if user is None or user.enterprise_id is None:
        raise NotFoundError("no such page")
    return user.enterprise_id


class PortalController(Controller):
    path = "/portal"
    guards = [require_viewer]  # noqa: RUF012
    tags = ["portal"]  # noqa: RUF012
    include_in_schema = False
    # Personal (enterprise-confidential) pages are never cached by browsers or proxies.
    cache_control = CacheControlHeader(no_store=True)

    @get("/", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], db_session: DbSession) -> Template:
        enterprise_id = _enterprise_id(request)
        rounds = own_rounds(db_session, enterprise_id)
        reminder = enterprise_reminder(db_session, enterprise_id, utcnow().date())
        return Template("portal/home.html.j2", context={"rounds": rounds, "reminder": reminder})

    @get("/rounds/{round_id:int}", sync_to_thread=True)
    def scorecard(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Template:
        enterprise_id = _enterprise_id(request)
        view = own_scorecard(db_session, enterprise_id=enterprise_id, round_id=round_id)
        section = view.document["enterprises"][view.enterprise_code]
        return Template(
            "portal/scorecard.html.j2",
            context={
                "view": view,
                "section": section,
                "rows": scorecard_rows(view),
                "charts": chart_json(view.document, view.enterprise_code, request_lang(request)),
                "min_cell": MIN_CELL,
                "certificates": enterprise_round_certificates(db_session, enterprise_id, round_id),
                "findings": observation_findings(db_session, round_id, enterprise_id),
            },
        )

    @get("/certificates/{number:str}/report.pdf", sync_to_thread=True)
    def report_pdf(
        self, request: Request[Any, Any, Any], number: FromPath[str], db_session: DbSession
    ) -> File:
        cert = viewer_certificate(db_session, _enterprise_id(request), number)
        found = report_file(cert, request.app.state.settings.data_dir / "reports")
        return File(
            path=found.path,
            filename=found.download_name,
            media_type="application/pdf",
            content_disposition_type="attachment",
        )

    @get("/rounds/{round_id:int}/scorecard.json", sync_to_thread=True)
    def scorecard_json(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Response[dict[str, Any]]:
        view = own_scorecard(db_session, enterprise_id=_enterprise_id(request), round_id=round_id)
        doc = dict(view.document)
        doc["enterprises"] = {view.enterprise_code: doc["enterprises"][view.enterprise_code]}
        return Response(
            doc,
            headers={"content-disposition": f'attachment; filename="scorecard-{round_id}.json"'},
        )

    @get("/rounds/{round_id:int}/scorecard.csv", sync_to_thread=True)
    def scorecard_csv(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Response[str]:
        view = own_scorecard(db_session, enterprise_id=_enterprise_id(request), round_id=round_id)
        out = io.StringIO()
        rows = scorecard_rows(view)
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["measure"])
        writer.writeheader()
        writer.writerows(safe_rows(rows))  # measure names come from the questionnaire
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="scorecard-{round_id}.csv"'},
        )
