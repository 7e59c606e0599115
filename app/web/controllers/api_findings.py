"""Findings and rectification in the JSON API: what the assessor's findings pages and the
enterprise portal's findings pages offer (``docs/supervision.md``).

Staff (assessor, body admin) work under ``/api/v1/rounds/{id}/findings``: another body's round,
finding or evidence is a 404 from the services. Enterprise viewers work under
``/api/v1/portal/findings`` with the enterprise of their token or session: another enterprise's
finding is a 404, the same as a missing one. The handlers call the same services as the pages,
so state rules, evidence checks (type by magic bytes, size) and audit entries are identical.
Authentication and CSRF as ``api_workflow``; refusals are ``{"error", "detail"}`` (400 bad
field, naming it first; 404; 409 a state that does not allow the step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.datastructures import CacheControlHeader, UploadFile
from litestar.params import FromPath, JSONBody, MultipartBody
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from app.db.engine import write_session
from app.db.models.escalation import Escalation
from app.db.models.escalation_rule import EscalationRule
from app.db.types import utcnow
from app.domain.rectification.errors import RectificationInputError
from app.domain.rectification.escalation import (
    MAX_DAYS,
    evaluate_round,
    get_rule,
    round_escalations,
    set_rule,
)
from app.domain.rectification.evidence import MAX_FILES, CheckedFile, check_file
from app.domain.rectification.findings import (
    MAX_ACTION,
    MAX_REASON,
    FindingDetail,
    FindingRow,
    decide,
    enterprise_findings,
    evidence_file,
    finding_detail,
    record_finding,
    round_findings,
    submit_plan,
)
from app.domain.rectification.scorecards import scorecard_targets
from app.domain.rectification.states import Outcome, Severity, TargetKind
from app.domain.rounds.service import get_round
from app.errors import NotFoundError
from app.web.auth import current_user, require_staff, require_viewer
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.controllers.api import PageNo, PerPage, _page
from app.web.controllers.api_workflow import API_SECURITY, RowId, _staff
from app.web.controllers.findings import download
from app.web.deps import DbSession

Req = Request[Any, Any, Any]
# Up to MAX_FILES evidence files of the per-file limit plus the text, as on the portal page;
# the per-file limit (settings.evidence_max_bytes) is enforced while reading each file.
MAX_REQUEST_BYTES = 128 * 1024 * 1024
NO_STORE = CacheControlHeader(no_store=True)


# ---- schemas ---------------------------------------------------------------------------------
class FindingIn(msgspec.Struct, forbid_unknown_fields=True):
    enterprise_id: RowId
    target_kind: TargetKind
    severity: Severity
    required_action: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ACTION)]
    # The dimension, item or KPI code (or the observation item); empty for "composite".
    target_code: Annotated[str, msgspec.Meta(max_length=200)] = ""
    # None: the round's escalation rule decides (days to rectify from today).
    deadline: date | None = None


class RuleIn(msgspec.Struct, forbid_unknown_fields=True):
    days_to_rectify: Annotated[int, msgspec.Meta(ge=1, le=MAX_DAYS)]
    grade_below: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    composite_below: Annotated[float, msgspec.Meta(gt=0, le=100)] | None = None
    severity: Severity = "major"
    escalate_when_overdue: bool = True
    escalate_when_repeated: bool = True


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Outcome
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_REASON)]


@dataclass
class PlanUpload:
    # Optional here so that another enterprise's finding is a 404 whatever the body holds;
    # the service refuses an empty plan (400 naming plan_text).
    plan_text: str = ""
    evidence: list[UploadFile] = field(default_factory=list)


class FindingOut(msgspec.Struct):
    id: int
    round_id: int
    round_code: str
    enterprise_id: int
    enterprise_code: str
    enterprise_name: str
    target_kind: str
    target_code: str
    severity: str
    required_action: str
    deadline: date
    status: str
    source: str
    overdue: bool
    created_at: datetime


class EvidenceOut(msgspec.Struct):
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    url: str


class DecisionOut(msgspec.Struct):
    outcome: str
    reason: str
    decided_at: datetime


class PlanOut(msgspec.Struct):
    id: int
    text: str
    submitted_at: datetime
    evidence: list[EvidenceOut]
    decision: DecisionOut | None


class FindingDetailOut(msgspec.Struct):
    finding: FindingOut
    plans: list[PlanOut]


class RuleOut(msgspec.Struct):
    round_id: int
    grade_below: str | None
    composite_below: float | None
    days_to_rectify: int
    severity: str
    escalate_when_overdue: bool
    escalate_when_repeated: bool


class EscalationOut(msgspec.Struct):
    id: int
    finding_id: int
    enterprise_id: int
    level: str
    cause: str
    reason: str
    created_at: datetime


class EscalationRowOut(msgspec.Struct):
    escalation: EscalationOut
    enterprise_code: str
    enterprise_name: str
    finding_status: str


class EvaluationOut(msgspec.Struct):
    warnings: list[EscalationOut]
    escalations: list[EscalationOut]
    unchanged: int


class DimensionOut(msgspec.Struct):
    code: str
    estimate: float | None


class TargetsOut(msgspec.Struct):
    enterprise_id: int
    enterprise_code: str
    enterprise_name: str
    composite: float | None
    grade: str | None
    dimensions: list[DimensionOut]
    kpis: list[str]
    status: str


# ---- conversions -----------------------------------------------------------------------------
def _finding(d: FindingDetail | FindingRow) -> FindingOut:
    f = d.finding
    if isinstance(d, FindingRow):
        round_code, code, name = d.round_code, d.enterprise_code, d.enterprise_name
    else:
        round_code, code, name = d.round.code, d.enterprise.code, d.enterprise.name
    return FindingOut(
        id=f.id or 0,
        round_id=f.round_id,
        round_code=round_code,
        enterprise_id=f.enterprise_id,
        enterprise_code=code,
        enterprise_name=name,
        target_kind=f.target_kind,
        target_code=f.target_code,
        severity=f.severity,
        required_action=f.required_action,
        deadline=f.deadline,
        status=f.status,
        source=f.source,
        overdue=d.overdue,
        created_at=f.created_at,
    )


def _detail(d: FindingDetail, base: str) -> FindingDetailOut:
    plans = []
    for view in d.plans:
        evidence = [
            EvidenceOut(
                e.id or 0,
                e.original_filename,
                e.media_type,
                e.size,
                e.sha256,
                f"{base}/{d.finding.id}/evidence/{e.id}",
            )
            for e in view.evidence
        ]
        decision = (
            DecisionOut(view.decision.outcome, view.decision.reason, view.decision.decided_at)
            if view.decision is not None
            else None
        )
        p = view.plan
        plans.append(PlanOut(p.id or 0, p.text, p.submitted_at, evidence, decision))
    return FindingDetailOut(_finding(d), plans)


def _rule(rule: EscalationRule) -> RuleOut:
    return RuleOut(
        rule.round_id,
        rule.grade_below,
        rule.composite_below,
        rule.days_to_rectify,
        rule.severity,
        rule.escalate_when_overdue,
        rule.escalate_when_repeated,
    )


def _escalation(e: Escalation) -> EscalationOut:
    return EscalationOut(
        e.id or 0, e.finding_id, e.enterprise_id, e.level, e.cause, e.reason, e.created_at
    )


def _staff_base(round_id: int) -> str:
    return f"/api/v1/rounds/{round_id}/findings"


PORTAL_BASE = "/api/v1/portal/findings"


def _viewer_enterprise(request: Req) -> int:
    user = current_user(request)
    # The guard admitted only viewers, and every viewer is bound to one enterprise.
    if user is None or user.enterprise_id is None:
        raise NotFoundError("no such resource")
    return user.enterprise_id


# ---- the assessor's side ---------------------------------------------------------------------
class FindingsApi(Controller):
    path = "/api/v1/rounds/{round_id:int}/findings"
    # Writes carry csrf_unless_bearer (and leave the cookie CSRF middleware); reads need none.
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["findings"]  # noqa: RUF012
    security = API_SECURITY
    cache_control = NO_STORE

    def _in_round(self, request: Req, session: Any, round_id: int, finding_id: int) -> Any:
        detail = finding_detail(
            session,
            finding_id,
            body_id=_staff(request).body_id or 0,
            enterprise_id=None,
            today=utcnow().date(),
        )
        if detail.finding.round_id != round_id:
            raise NotFoundError(f"no finding {finding_id} in this round")
        return detail

    @get("/", sync_to_thread=True, summary="Findings of the round")
    def findings(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> dict[str, Any]:
        body_id = _staff(request).body_id or 0
        rows = round_findings(db_session, round_id, body_id, utcnow().date())
        return _page([_finding(r) for r in rows], page, per_page)

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Record a finding for an enterprise (from fieldwork on)",
    )
    def record(
        self, request: Req, round_id: FromPath[int], data: JSONBody[FindingIn]
    ) -> FindingDetailOut:
        user = _staff(request)
        body_id = user.body_id or 0
        today = utcnow().date()
        with write_session(request.app.state.engine) as s:
            finding = record_finding(
                s,
                round_id=round_id,
                body_id=body_id,
                enterprise_id=data.enterprise_id,
                target_kind=data.target_kind,
                target_code=data.target_code.strip(),
                severity=data.severity,
                required_action=data.required_action,
                deadline=data.deadline,
                today=today,
                actor=user.username,
                user_id=user.id,
            )
            detail = finding_detail(
                s, finding.id or 0, body_id=body_id, enterprise_id=None, today=today
            )
            return _detail(detail, _staff_base(round_id))

    @get(
        "/targets",
        sync_to_thread=True,
        summary="Scorecard targets per enterprise: composite, grade, weakest dimensions, KPIs",
    )
    def targets(
        self, request: Req, round_id: FromPath[int], db_session: DbSession
    ) -> list[TargetsOut]:
        rows = scorecard_targets(db_session, round_id, _staff(request).body_id or 0)
        return [
            TargetsOut(
                t.enterprise_id,
                t.enterprise_code,
                t.enterprise_name,
                t.composite,
                t.grade,
                [DimensionOut(code, est) for code, est in t.dimensions],
                t.kpis,
                t.status,
            )
            for t in rows
        ]

    @get("/rule", sync_to_thread=True, summary="The round's escalation rule (null: none yet)")
    def rule(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> RuleOut | None:
        get_round(db_session, round_id, _staff(request).body_id or 0)
        found = get_rule(db_session, round_id)
        return _rule(found) if found is not None else None

    @put(
        "/rule",
        sync_to_thread=True,
        summary="Set the round's escalation rule",
    )
    def set_rule(self, request: Req, round_id: FromPath[int], data: JSONBody[RuleIn]) -> RuleOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            rule = set_rule(
                s,
                round_id=round_id,
                body_id=user.body_id or 0,
                grade_below=data.grade_below,
                composite_below=data.composite_below,
                days_to_rectify=data.days_to_rectify,
                severity=data.severity,
                escalate_when_overdue=data.escalate_when_overdue,
                escalate_when_repeated=data.escalate_when_repeated,
                actor=user.username,
                user_id=user.id,
            )
            return _rule(rule)

    @post(
        "/evaluate",
        sync_to_thread=True,
        status_code=200,
        summary="Apply the escalation rule to the round's scorecards (warnings, escalations)",
    )
    def evaluate(self, request: Req, round_id: FromPath[int]) -> EvaluationOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            outcome = evaluate_round(
                s,
                round_id=round_id,
                body_id=user.body_id or 0,
                today=utcnow().date(),
                actor=user.username,
                user_id=user.id,
            )
            return EvaluationOut(
                [_escalation(e) for e in outcome.warnings],
                [_escalation(e) for e in outcome.escalations],
                outcome.unchanged,
            )

    @get("/escalations", sync_to_thread=True, summary="Warnings and escalations of the round")
    def escalations(
        self, request: Req, round_id: FromPath[int], db_session: DbSession
    ) -> list[EscalationRowOut]:
        rows = round_escalations(db_session, round_id, _staff(request).body_id or 0)
        return [
            EscalationRowOut(
                _escalation(r.escalation), r.enterprise_code, r.enterprise_name, r.finding_status
            )
            for r in rows
        ]

    @get("/{finding_id:int}", sync_to_thread=True, summary="One finding with its plans")
    def finding(
        self,
        request: Req,
        round_id: FromPath[int],
        finding_id: FromPath[int],
        db_session: DbSession,
    ) -> FindingDetailOut:
        detail = self._in_round(request, db_session, round_id, finding_id)
        return _detail(detail, _staff_base(round_id))

    @post(
        "/{finding_id:int}/decision",
        sync_to_thread=True,
        status_code=200,
        summary="Accept or reject the enterprise's latest rectification plan, with a reason",
    )
    def decision(
        self,
        request: Req,
        round_id: FromPath[int],
        finding_id: FromPath[int],
        db_session: DbSession,
        data: JSONBody[DecisionIn],
    ) -> FindingDetailOut:
        user = _staff(request)
        body_id = user.body_id or 0
        self._in_round(request, db_session, round_id, finding_id)
        with write_session(request.app.state.engine) as s:
            decide(
                s,
                finding_id=finding_id,
                body_id=body_id,
                outcome=data.outcome,
                reason=data.reason,
                actor=user.username,
                user_id=user.id,
            )
            detail = finding_detail(
                s, finding_id, body_id=body_id, enterprise_id=None, today=utcnow().date()
            )
            return _detail(detail, _staff_base(round_id))

    @get(
        "/{finding_id:int}/evidence/{evidence_id:int}",
        sync_to_thread=True,
        summary="Download one evidence file (always as an attachment)",
    )
    def evidence(
        self,
        request: Req,
        round_id: FromPath[int],
        finding_id: FromPath[int],
        evidence_id: FromPath[int],
        db_session: DbSession,
    ) -> File:
        self._in_round(request, db_session, round_id, finding_id)
        row, path = evidence_file(
            db_session,
            finding_id=finding_id,
            evidence_id=evidence_id,
            body_id=_staff(request).body_id or 0,
            enterprise_id=None,
            data_dir=request.app.state.settings.data_dir,
        )
        return download(row, path)


# ---- the enterprise's side -------------------------------------------------------------------
class PortalFindingsApi(Controller):
    path = PORTAL_BASE
    # Writes carry csrf_unless_bearer (and leave the cookie CSRF middleware); reads need none.
    guards = [require_viewer, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF on writes
    tags = ["portal"]  # noqa: RUF012
    security = API_SECURITY
    cache_control = NO_STORE

    @get("/", sync_to_thread=True, summary="The caller's enterprise's findings")
    def findings(
        self, request: Req, db_session: DbSession, page: PageNo = 1, per_page: PerPage = 20
    ) -> dict[str, Any]:
        rows = enterprise_findings(db_session, _viewer_enterprise(request), utcnow().date())
        return _page([_finding(r) for r in rows], page, per_page)

    @get("/{finding_id:int}", sync_to_thread=True, summary="One of the enterprise's findings")
    def finding(
        self, request: Req, finding_id: FromPath[int], db_session: DbSession
    ) -> FindingDetailOut:
        detail = finding_detail(
            db_session,
            finding_id,
            body_id=None,
            enterprise_id=_viewer_enterprise(request),
            today=utcnow().date(),
        )
        return _detail(detail, PORTAL_BASE)

    @post(
        "/{finding_id:int}/plan",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_REQUEST_BYTES,
        summary="Submit a rectification plan with evidence files (PDF, PNG, JPEG)",
    )
    def plan(
        self,
        request: Req,
        finding_id: FromPath[int],
        db_session: DbSession,
        data: MultipartBody[PlanUpload],
    ) -> FindingDetailOut:
        try:
            return self._submit(request, finding_id, db_session, data)
        finally:
            # The spooled upload files are ours to close, whatever happened to the request.
            for upload in data.evidence:
                upload.file.close()

    def _submit(
        self, request: Req, finding_id: int, db_session: Any, data: PlanUpload
    ) -> FindingDetailOut:
        enterprise_id = _viewer_enterprise(request)
        user = current_user(request)
        assert user is not None  # the guard admitted a logged-in viewer
        today = utcnow().date()
        # 404 before reading any file for a finding that is not this enterprise's.
        finding_detail(
            db_session, finding_id, body_id=None, enterprise_id=enterprise_id, today=today
        )
        uploads = [u for u in data.evidence if u.filename]
        if len(uploads) > MAX_FILES:  # refused before any file is read
            raise RectificationInputError("evidence", "At most %(n)s files per plan.", n=MAX_FILES)
        settings = request.app.state.settings
        checked: list[CheckedFile] = [
            check_file(u.filename, u.file, max_bytes=settings.evidence_max_bytes) for u in uploads
        ]
        with write_session(request.app.state.engine) as s:
            submit_plan(
                s,
                finding_id=finding_id,
                enterprise_id=enterprise_id,
                text=data.plan_text,
                files=checked,
                data_dir=settings.data_dir,
                today=today,
                actor=user.username,
                user_id=user.id,
            )
            detail = finding_detail(
                s, finding_id, body_id=None, enterprise_id=enterprise_id, today=today
            )
            return _detail(detail, PORTAL_BASE)

    @get(
        "/{finding_id:int}/evidence/{evidence_id:int}",
        sync_to_thread=True,
        summary="Download one evidence file of the enterprise's finding",
    )
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
            enterprise_id=_viewer_enterprise(request),
            data_dir=request.app.state.settings.data_dir,
        )
        return download(row, path)


FINDINGS_API_HANDLERS: list[ControllerRouterHandler] = [FindingsApi, PortalFindingsApi]
