"""The assessor's screens, part 2: registries, draw, fieldwork, scoring, review, certificates.

Long work (registry import, scoring) runs as a background job; the page shows its progress.
Services that another engineer still delivers are imported when used, so a missing one gives
a clear refusal instead of breaking the whole application.
"""

from __future__ import annotations

import importlib
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template

from app.db.engine import read_session, write_session
from app.db.types import utcnow
from app.domain.draws.service import draw_round
from app.domain.fieldwork.dispatch import WEB_CHANNELS, dispatch_invitations
from app.domain.fieldwork.invitations import CHANNELS, start_fieldwork
from app.domain.portal.workflow import coverage_rows, overview
from app.domain.registry.importer import RegistryRejectedError, import_registry
from app.domain.registry.queries import stratum_totals
from app.domain.rounds.service import get_round
from app.domain.scoring_runs.service import (
    compute_scorecards,
    fieldwork_progress,
    return_for_rescoring,
)
from app.errors import ConflictError, NotFoundError, TianpingError
from app.secrets import load_key_material
from app.web.auth import current_user, require_staff
from app.web.deps import DbSession
from app.web.forms import FormErrors, text
from app.web.i18n import request_lang
from app.web.jobs import Job, JobRunner

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def _user(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    if user is None or user.body_id is None:
        raise NotFoundError("no such page")
    return user


def runner(request: Request[Any, Any, Any]) -> JobRunner:
    jobs: JobRunner | None = getattr(request.app.state, "jobs", None)
    if jobs is None:
        jobs = JobRunner()
        request.app.state.jobs = jobs
    return jobs


def _service(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise ConflictError(
            f"this step is not available in this installation yet ({module}.{name} missing)"
        ) from None


class RoundStepsController(Controller):
    path = "/rounds/{round_id:int}"
    guards = [require_staff]  # noqa: RUF012
    tags = ["workflow"]  # noqa: RUF012
    include_in_schema = False

    def _check(self, request: Request[Any, Any, Any], round_id: int) -> Any:
        user = _user(request)
        with read_session(request.app.state.engine) as s:
            get_round(s, round_id, user.body_id)  # NotFound for other bodies' rounds
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
        if not isinstance(upload, UploadFile) or not upload.filename:
            errors.add("file", "Choose a CSV or XLSX file.")
        else:
            suffix = Path(upload.filename).suffix.lower()
            if suffix not in (".csv", ".xlsx"):
                errors.add("file", "Choose a CSV or XLSX file.")
        if errors:
            view = overview(db_session, round_id, user.body_id)
            return Template(
                "rounds/registries.html.j2",
                context={"view": view, "totals": [], "errors": errors, "problems": []},
                status_code=400,
            )
        assert isinstance(upload, UploadFile)
        work_dir = Path(tempfile.mkdtemp(prefix="tianping-upload-"))
        target = work_dir / Path(upload.filename).name
        with target.open("wb") as fh:
            fh.write(upload.file.read())
        engine = request.app.state.engine
        keys = load_key_material(request.app.state.settings)

        def work(job: Job) -> str:
            try:
                outcome = import_registry(
                    engine,
                    round_id=round_id,
                    source=target,
                    keys=keys,
                    actor=user.username,
                    accept_valid=accept_valid,
                    progress=job.progress,
                )
            except RegistryRejectedError as exc:
                lines = [
                    f"line {p.line}, {p.column}: {p.message}" for p in exc.report.problems[:20]
                ]
                raise TianpingError(str(exc) + "\n" + "\n".join(lines)) from None
            finally:
                target.unlink(missing_ok=True)
                work_dir.rmdir()
            return f"{outcome.imported} cases imported, {outcome.quarantined} quarantined"

        job = runner(request).start(
            user.id, f"registry {target.name}", work, result_url=f"/rounds/{round_id}/registries"
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
                issued = start_fieldwork(
                    request.app.state.engine,
                    round_id=round_id,
                    actor=user.username,
                    channel=channel,  # type: ignore[arg-type]  # checked against CHANNELS above
                    expires_at=utcnow() + timedelta(days=days),
                )
                # The clear tokens exist only now: hand them to the channel at once.
                dispatch_invitations(
                    request.app.state.engine,
                    issued,
                    channel=channel,
                    round_id=round_id,
                    settings=request.app.state.settings,
                )
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
        user = self._check(request, round_id)
        engine = request.app.state.engine

        def work(job: Job) -> str:
            card = compute_scorecards(
                engine, round_id=round_id, actor=user.username, user_id=user.id
            )
            return f"{len(card.get('enterprises', {}))} scorecards computed"

        job = runner(request).start(
            user.id, "scoring", work, result_url=f"/rounds/{round_id}/scoring"
        )
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
        user = self._check(request, round_id)
        issue_certificates = _service("app.domain.certificates.issuance", "issue_certificates")
        engine, settings = request.app.state.engine, request.app.state.settings

        def work(job: Job) -> str:
            # Signing and rendering one PDF per enterprise takes long: never in the request.
            issued = issue_certificates(
                engine,
                round_id=round_id,
                approver_id=user.id,
                actor=user.username,
                settings=settings,
                lang=request_lang(request),
            )
            return f"{len(issued)} certificates issued"

        job = runner(request).start(
            user.id, "certificates", work, result_url=f"/rounds/{round_id}/scoring"
        )
        return Redirect(path=f"/rounds/{round_id}/jobs/{job.id}")

    @post("/certificates/{number:str}/revoke", sync_to_thread=True)
    def revoke(
        self,
        request: Request[Any, Any, Any],
        round_id: FromPath[int],
        number: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        user = self._check(request, round_id)
        reason = str(data.get("reason", "")).strip()[:1000]
        if not reason:
            raise TianpingError("give a reason for revoking the certificate")
        revoke_certificate = _service("app.domain.certificates.lifecycle", "revoke_certificate")
        with write_session(request.app.state.engine) as s:
            view = overview(s, round_id, user.body_id)
            if number not in {c.number for c, _ in view.certificates}:
                raise NotFoundError(f"no certificate {number} in this round")
            revoke_certificate(s, number, reason, user.username)
        return Redirect(path=f"/rounds/{round_id}/scoring")

    # ---- jobs --------------------------------------------------------------------------------
    @get("/jobs/{job_id:str}", sync_to_thread=False)
    def job_page(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], job_id: FromPath[str]
    ) -> Template:
        user = _user(request)
        job = runner(request).get(job_id, user.id)
        if job is None:
            raise NotFoundError("no such job")
        return Template("rounds/job.html.j2", context={"job": job.as_dict(), "round_id": round_id})

    @get("/jobs/{job_id:str}/status", sync_to_thread=False)
    def job_status(
        self, request: Request[Any, Any, Any], round_id: FromPath[int], job_id: FromPath[str]
    ) -> dict[str, Any]:
        user = _user(request)
        job = runner(request).get(job_id, user.id)
        if job is None:
            raise NotFoundError("no such job")
        return job.as_dict()
