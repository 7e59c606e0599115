"""The assessor's screens, part 2: registries, draw, fieldwork, scoring, review, certificates.

Long work (registry import, scoring, issuing and superseding certificates) runs as a
background job (``app.web.workflow_jobs``, shared with the JSON API); the page shows its progress.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.response import File, Redirect, Template

from app.db.engine import write_session
from app.domain.certificates.report_files import report_file, staff_certificate
from app.domain.certificates.round_actions import revoke_in_round
from app.domain.draws.service import draw_round
from app.domain.fieldwork.dispatch import WEB_CHANNELS
from app.domain.fieldwork.invitations import CHANNELS
from app.domain.portal.workflow import coverage_rows, overview
from app.domain.registry.queries import stratum_totals
from app.domain.scoring_runs.service import fieldwork_progress, return_for_rescoring
from app.errors import NotFoundError, TianpingError
from app.web.auth import current_user, require_staff
from app.web.deps import DbSession
from app.web.forms import FormErrors, text
from app.web.i18n import request_lang
from app.web.workflow_jobs import (
    check_round,
    launch_fieldwork,
    registry_file_problem,
    runner,
    start_issuance,
    start_registry_import,
    start_scoring,
    start_supersede,
)

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def _user(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    if user is None or user.body_id is None:
        raise NotFoundError("no such page")
    return user


class RoundStepsController(Controller):
    path = "/rounds/{round_id:int}"
    guards = [require_staff]  # noqa: RUF012
    tags = ["workflow"]  # noqa: RUF012
    include_in_schema = False

    def _check(self, request: Request[Any, Any, Any], round_id: int) -> Any:
        user = _user(request)
        check_round(request, user, round_id)
        return user

    # ---- registries ------------------------------------------------------------------------
    @get("/registries", sync_to_thread=True)
    def registries(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Template:
        user = _user(request)
        view = overview(db_session, round_id, user.body_id)
        return Template(
            "rounds/registries.html.j2",
            context={
                "view": view,
                "totals": stratum_totals(db_session, round_id),
                "errors": {},
                "problems": [],
            },
        )

    @post("/registries", sync_to_thread=True, request_max_body_size=MAX_UPLOAD_BYTES)
    def upload_registry(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        db_session: DbSession,
        data: MultipartBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = self._check(request, round_id)
        errors = FormErrors(request_lang(request))
        upload = data.get("file")
        accept_valid = str(data.get("accept_valid", "")) == "1"
        problem = registry_file_problem(upload.filename if isinstance(upload, UploadFile) else None)
        if problem:
            errors.add("file", problem)
        if errors:
            view = overview(db_session, round_id, user.body_id)
            return Template(
                "rounds/registries.html.j2",
                context={"view": view, "totals": [], "errors": errors, "problems": []},
                status_code=400,
            )
        assert isinstance(upload, UploadFile)
        job = start_registry_import(
            request,
            user,
            round_id,
            filename=upload.filename,
            content=upload.file.read(),
            accept_valid=accept_valid,
        )
        return Redirect(path=f"/rounds/{round_id}/jobs/{job.id}")

    # ---- draw --------------------------------------------------------------------------------
    @get("/draw", sync_to_thread=True)
    def draw_page(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Template:
        user = _user(request)
        view = overview(db_session, round_id, user.body_id)
        return Template(
            "rounds/draw.html.j2",
            context={"view": view, "coverage": coverage_rows(view.draw), "errors": {}},
        )

    @post("/draw", sync_to_thread=True)
    def draw(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = self._check(request, round_id)
        errors = FormErrors(request_lang(request))
        witness = text(data, "witness", errors, max_length=128)
        witness_name = text(data, "witness_name", errors)
        if witness and len(witness) < 8:
            errors.add("witness", "The witness seed needs at least 8 characters.")
        if not errors:
            try:
                draw_round(
                    request.app.state.engine,
                    round_id=round_id,
                    witness=witness,
                    witness_name=witness_name,
                    actor=user.username,
                    drawn_by=user.id,
                )
            except TianpingError as exc:
                errors.add("form", str(exc))
        if errors:
            view = overview(db_session, round_id, user.body_id)
            return Template(
                "rounds/draw.html.j2",
                context={"view": view, "coverage": coverage_rows(view.draw), "errors": errors},
                status_code=400,
            )
        return Redirect(path=f"/rounds/{round_id}/draw")

    # ---- fieldwork ---------------------------------------------------------------------------
    @get("/fieldwork", sync_to_thread=True)
    def fieldwork(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Template:
        user = _user(request)
        view = overview(db_session, round_id, user.body_id)
        return Template(
            "rounds/fieldwork.html.j2",
            context={
                "view": view,
                "progress": fieldwork_progress(db_session, round_id),
                "channels": CHANNELS,
                "errors": {},
            },
        )

    @post("/fieldwork", sync_to_thread=True)
    def start(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = self._check(request, round_id)
        errors = FormErrors(request_lang(request))
        channel = text(data, "channel", errors, max_length=16)
        if channel and channel not in CHANNELS:
            errors.add("channel", "Choose one of the listed channels.")
        elif channel and channel not in WEB_CHANNELS:
            errors.add("channel", "E-mail invitations are sent with the command line (SMTP).")
        try:
            days = int(str(data.get("days", "")))
            if not 1 <= days <= 365:
                raise ValueError
        except ValueError:
            errors.add("days", "Enter a whole number of days between 1 and 365.")
            days = 0
        if not errors:
            try:
                launch_fieldwork(request, user, round_id, channel=channel, days=days)
            except TianpingError as exc:
                errors.add("form", str(exc))
        if errors:
            view = overview(db_session, round_id, user.body_id)
            return Template(
                "rounds/fieldwork.html.j2",
                context={"view": view, "progress": [], "channels": CHANNELS, "errors": errors},
                status_code=400,
            )
        return Redirect(path=f"/rounds/{round_id}/fieldwork")

    # ---- scoring and review ------------------------------------------------------------------
    @get("/scoring", sync_to_thread=True)
    def scoring(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], db_session: DbSession
    ) -> Template:
        user = _user(request)
        view = overview(db_session, round_id, user.body_id)
        return Template(
            "rounds/scoring.html.j2", context={"view": view, "errors": {}, "me": user.id}
        )

    @post("/scoring", sync_to_thread=True)
    def score(self, request: Request[Any, Any, Any], round_id: FromPath[int]) -> Redirect:
        job = start_scoring(request, _user(request), round_id)
        return Redirect(path=f"/rounds/{round_id}/jobs/{job.id}")

    @post("/review/return", sync_to_thread=True)
    def send_back(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        user = self._check(request, round_id)
        reason = str(data.get("reason", "")).strip()[:1000]
        with write_session(request.app.state.engine) as s:
            return_for_rescoring(s, round_id=round_id, actor=user.username, reason=reason)
        return Redirect(path=f"/rounds/{round_id}/scoring")

    @post("/issue", sync_to_thread=True)
    def issue(self, request: Request[Any, Any, Any], round_id: FromPath[int]) -> Redirect:
        job = start_issuance(request, _user(request), round_id)
        return Redirect(path=f"/rounds/{round_id}/jobs/{job.id}")

    @post("/certificates/{number:str}/revoke", sync_to_thread=True)
    def revoke(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        number: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        user = _user(request)
        reason = str(data.get("reason", "")).strip()[:1000]
        if not reason:
            raise TianpingError("give a reason for revoking the certificate")
        with write_session(request.app.state.engine) as s:
            revoke_in_round(
                s,
                round_id=round_id,
                body_id=user.body_id,
                number=number,
                reason=reason,
                actor=user.username,
            )
        return Redirect(path=f"/rounds/{round_id}/scoring")

    @post("/certificates/{number:str}/supersede", sync_to_thread=True)
    def supersede(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        number: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        reason = str(data.get("reason", "")).strip()[:1000]
        job = start_supersede(request, _user(request), round_id, number, reason)
        return Redirect(path=f"/rounds/{round_id}/jobs/{job.id}")

    @get("/certificates/{number:str}/report.pdf", sync_to_thread=True)
    def report_pdf(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        number: FromPath[str],
        db_session: DbSession,
    ) -> File:
        user = _user(request)
        cert = staff_certificate(db_session, user.body_id, round_id, number)
        found = report_file(cert, request.app.state.settings.data_dir / "reports")
        return File(
            path=found.path,
            filename=found.download_name,
            media_type="application/pdf",
            content_disposition_type="attachment",
        )

    # ---- jobs --------------------------------------------------------------------------------
    @get("/jobs/{job_id:str}", sync_to_thread=True)
    def job_page(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], job_id: FromPath[str]
    ) -> Template:
        user = _user(request)
        job = runner(request).get(job_id, user.id)
        if job is None:
            raise NotFoundError("no such job")
        return Template("rounds/job.html.j2", context={"job": job.as_dict(), "round_id": round_id})

    @get("/jobs/{job_id:str}/status", sync_to_thread=True)
    def job_status(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], job_id: FromPath[str]
    ) -> dict[str, Any]:
        user = _user(request)
        job = runner(request).get(job_id, user.id)
        if job is None:
            raise NotFoundError("no such job")
        return job.as_dict()
