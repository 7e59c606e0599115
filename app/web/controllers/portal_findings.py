"""Enterprise portal: the viewer's own findings, rectification plans and evidence uploads.

The enterprise comes from the session; a finding of another enterprise is a 404, the same as
a missing one. Evidence is checked (type by magic bytes, size) before anything is saved.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, UploadFile
from litestar.params import FromPath, MultipartBody
from litestar.response import File, Redirect, Template
from sqlmodel import Session

from app.db.engine import write_session
from app.db.types import utcnow
from app.domain.rectification.errors import RectificationInputError
from app.domain.rectification.evidence import EXTENSIONS, MAX_FILES, CheckedFile, check_file
from app.domain.rectification.findings import (
    MAX_PLAN,
    enterprise_findings,
    evidence_file,
    finding_detail,
    submit_plan,
)
from app.domain.rectification.states import FindingTransitionError
from app.web.auth import current_user, require_viewer
from app.web.controllers.findings import download, input_error
from app.web.controllers.portal import _enterprise_id
from app.web.deps import DbSession
from app.web.forms import FormErrors, text
from app.web.i18n import request_lang

Req = Request[Any, Any, Any]
# The whole request: up to MAX_FILES files of the per-file limit plus the form; the per-file
# limit itself (settings.evidence_max_bytes) is enforced while reading each file.
MAX_REQUEST_BYTES = 128 * 1024 * 1024


def _all_uploads(data: dict[str, Any]) -> list[UploadFile]:
    raw = data.get("evidence")
    values = raw if isinstance(raw, list) else [raw]
    return [u for u in values if isinstance(u, UploadFile)]


def _uploads(data: dict[str, Any]) -> list[UploadFile]:
    # A form submitted without choosing a file still sends one empty, nameless part.
    return [u for u in _all_uploads(data) if u.filename]


class PortalFindingsController(Controller):
    path = "/portal/findings"
    guards = [require_viewer]  # noqa: RUF012
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/", sync_to_thread=True)
    def index(self, request: Req, db_session: DbSession) -> Template:
        rows = enterprise_findings(db_session, _enterprise_id(request), utcnow().date())
        return Template("portal/findings.html.j2", context={"findings": rows})

    def _detail(
        self,
        session: Session,
        request: Req,
        finding_id: int,
        errors: Any = None,
        form: Any = None,
    ) -> Template:
        detail = finding_detail(
            session,
            finding_id,
            body_id=None,
            enterprise_id=_enterprise_id(request),
            today=utcnow().date(),
        )
        return Template(
            "portal/finding.html.j2",
            context={
                "d": detail,
                "errors": errors or {},
                "form": form or {},
                "max_plan": MAX_PLAN,
                "max_files": MAX_FILES,
                "max_mib": request.app.state.settings.evidence_max_bytes / (1024 * 1024),
                "accept": ",".join(EXTENSIONS),
            },
            status_code=422 if errors else 200,
        )

    @get("/{finding_id:int}", sync_to_thread=True)
    def show(self, request: Req, finding_id: FromPath[int], db_session: DbSession) -> Template:
        return self._detail(db_session, request, finding_id)

    @post("/{finding_id:int}/plan", sync_to_thread=True, request_max_body_size=MAX_REQUEST_BYTES)
    def plan(
        self,
        request: Req,
        finding_id: FromPath[int],
        db_session: DbSession,
        data: MultipartBody[dict[str, Any]],
    ) -> Template | Redirect:
        try:
            return self._submit(request, finding_id, db_session, data)
        finally:
            # The spooled upload files are ours to close, whatever happened to the request.
            for upload in _all_uploads(data):
                upload.file.close()

    def _submit(
        self, request: Req, finding_id: int, db_session: Session, data: dict[str, Any]
    ) -> Template | Redirect:
        enterprise_id = _enterprise_id(request)
        user = current_user(request)
        assert user is not None  # the guard admitted a logged-in viewer
        # 404 before reading any file for a finding that is not this enterprise's.
        self._detail(db_session, request, finding_id)
        settings = request.app.state.settings
        errors = FormErrors(request_lang(request))
        plan_text = text(data, "plan_text", errors, max_length=MAX_PLAN)
        checked: list[CheckedFile] = []
        uploads = _uploads(data)
        if len(uploads) > MAX_FILES:
            errors.add("evidence", "At most %(n)s files per plan.", n=MAX_FILES)
        for upload in uploads[:MAX_FILES]:
            try:
                checked.append(
                    check_file(upload.filename, upload.file, max_bytes=settings.evidence_max_bytes)
                )
            except RectificationInputError as exc:
                input_error(errors, exc)
                break
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    submit_plan(
                        s,
                        finding_id=finding_id,
                        enterprise_id=enterprise_id,
                        text=plan_text,
                        files=checked,
                        data_dir=settings.data_dir,
                        today=utcnow().date(),
                        actor=user.username,
                        user_id=user.id,
                    )
            except (RectificationInputError, FindingTransitionError) as exc:
                input_error(errors, exc)
        if errors:
            form = {"plan_text": plan_text}
            return self._detail(db_session, request, finding_id, errors, form)
        return Redirect(path=f"/portal/findings/{finding_id}")

    @get("/{finding_id:int}/evidence/{evidence_id:int}", sync_to_thread=True)
    def evidence(
        self,
        request: Req,
        finding_id: FromPath[int],
        evidence_id: FromPath[int],
        db_session: DbSession,
    ) -> File:
        row, path = evidence_file(
            db_session,
            finding_id=finding_id,
            evidence_id=evidence_id,
            body_id=None,
            enterprise_id=_enterprise_id(request),
            data_dir=request.app.state.settings.data_dir,
        )
        return download(row, path)
