"""Write side of the JSON API: every workflow step the assessor's pages offer, under ``/api/v1``.

Each endpoint calls the same service (or the same background-job starter in
``app.web.workflow_jobs``) as its page, so rules and audit entries are identical. Long steps
(registry import, scoring, issuing, superseding) answer ``202`` with a job to poll at
``/api/v1/jobs/{id}``. Callers authenticate with a personal API token (``Authorization:
Bearer …``) or the browser session; cookie-authenticated writes must send the CSRF header
(see ``app.web.bearer``). Domain errors come back as ``{"error", "detail"}`` with a 4xx status.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.datastructures import UploadFile
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import FromPath, JSONBody, MultipartBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED
from litestar.types import ControllerRouterHandler

from app.db.engine import write_session
from app.domain.accounts.sessions import SessionUser
from app.domain.assignments.service import MAX_VISITS, run_assignment
from app.domain.certificates.round_actions import revoke_in_round
from app.domain.draws.service import draw_round
from app.domain.jobs.store import JobStatus
from app.domain.plans.service import freeze_plan, set_plan
from app.domain.portal.workflow import body_enterprises
from app.domain.rounds.body_rounds import add_body_enterprise, create_body_round
from app.domain.rounds.service import get_round
from app.domain.scoring_runs.service import return_for_rescoring
from app.errors import NotFoundError, TianpingError
from app.web.auth import current_user, require_any_role, require_staff
from app.web.bearer import NO_COOKIE_CSRF, csrf_unless_bearer
from app.web.deps import DbSession
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

Req = Request[Any, Any, Any]
# Declared in the OpenAPI document; the browser session (cookie + CSRF header) works as well.
BEARER = "PersonalApiToken"
API_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="Personal API token (tp_…) created on /account/tokens/",
        )
    }
)
API_SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]
MAX_UPLOAD_BYTES = 512 * 1024 * 1024

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Witness = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
# Ids are 64-bit on both engines; a larger number cannot even be bound by SQLite (a 500).
RowId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]


# ---- schemas ---------------------------------------------------------------------------------
class RoundIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    title: Title
    period_start: date
    period_end: date
    enterprise_ids: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=1000)]
    industry: Annotated[str, msgspec.Meta(max_length=100)] = ""


class RoundOut(msgspec.Struct):
    id: int
    code: str
    state: str


class EnterpriseOut(msgspec.Struct):
    id: int
    code: str
    name: str


class EnterpriseIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    name: Title
    industry: Annotated[str, msgspec.Meta(max_length=100)] = ""


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    questionnaire_version_id: int
    # The scoring plan document of DESIGN §3 (strata, weights, min_answered_share, …).
    plan: dict[str, Any]


class PlanOut(msgspec.Struct):
    round_id: int
    state: str
    plan_sha256: str | None


class DrawIn(msgspec.Struct, forbid_unknown_fields=True):
    # The second person's seed value, entered by them (not by the assessor who draws).
    witness: Witness
    witness_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class DrawOut(msgspec.Struct):
    draw_id: int
    seed: str
    algorithm: str
    population: int
    sampled: int
    selected_sha256: str


class FieldworkIn(msgspec.Struct, forbid_unknown_fields=True):
    # "email" is refused here: e-mail invitations are sent with the CLI (SMTP).
    channel: Literal["sms", "email", "qr"]
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 30


class FieldworkOut(msgspec.Struct):
    round_id: int
    invitations: int


class ConflictIn(msgspec.Struct, forbid_unknown_fields=True):
    assessor: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    enterprise: Code


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    witness: Witness
    conflicts: list[ConflictIn] = []
    visits_per_enterprise: Annotated[int, msgspec.Meta(ge=0, le=MAX_VISITS)] = 0


class AssignOut(msgspec.Struct):
    round_id: int
    seed: str
    record: dict[str, Any]


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class CertificateOut(msgspec.Struct):
    number: str
    status: str
    reason: str | None


class JobOut(msgspec.Struct):
    id: str
    label: str
    state: str
    share: float | None
    message: str
    result_url: str | None
    status_url: str


class RegistryUpload(msgspec.Struct):
    file: UploadFile
    accept_valid: bool = False


def _job(job: JobStatus) -> JobOut:
    return JobOut(
        id=job.id,
        label=job.label,
        state=job.state,
        share=job.share,
        message=job.message,
        result_url=job.result_url,
        status_url=f"/api/v1/jobs/{job.id}",
    )


def _staff(request: Req) -> SessionUser:
    user = current_user(request)
    if user is None or user.body_id is None:
        raise NotFoundError("no such resource")
    return user


def create_round_for(request: Req, data: RoundIn) -> RoundOut:
    """``POST /api/v1/rounds`` (routed through ``StaffApi``, which owns that path)."""
    user = _staff(request)
    with write_session(request.app.state.engine) as s:
        rnd = create_body_round(
            s,
            body_id=user.body_id or 0,
            code=data.code.strip(),
            title=data.title.strip(),
            industry=data.industry.strip(),
            period_start=data.period_start,
            period_end=data.period_end,
            enterprise_ids=data.enterprise_ids,
            user_id=user.id,
            actor=user.username,
        )
        return RoundOut(rnd.id or 0, rnd.code, rnd.state)


# ---- endpoints -------------------------------------------------------------------------------
class WorkflowApi(Controller):
    path = "/api/v1"
    guards = [require_staff, csrf_unless_bearer]  # noqa: RUF012
    opt = dict(NO_COOKIE_CSRF)  # noqa: RUF012  # csrf_unless_bearer checks CSRF instead
    tags = ["workflow"]  # noqa: RUF012
    security = API_SECURITY

    @get("/enterprises", sync_to_thread=True, summary="Enterprises of the caller's body")
    def enterprises(self, request: Req, db_session: DbSession) -> list[EnterpriseOut]:
        user = _staff(request)
        return [
            EnterpriseOut(e.id or 0, e.code, e.name)
            for e in body_enterprises(db_session, user.body_id or 0)
        ]

    @post(
        "/enterprises",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Register an enterprise in the caller's body",
    )
    def add_enterprise(self, request: Req, data: JSONBody[EnterpriseIn]) -> EnterpriseOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            ent = add_body_enterprise(
                s,
                body_id=user.body_id or 0,
                code=data.code.strip(),
                name=data.name.strip(),
                industry=data.industry.strip(),
                actor=user.username,
            )
            return EnterpriseOut(ent.id or 0, ent.code, ent.name)

    @put("/rounds/{round_id:int}/plan", sync_to_thread=True, summary="Set the scoring plan")
    def set_plan(self, request: Req, round_id: FromPath[int], data: JSONBody[PlanIn]) -> PlanOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            plan = set_plan(
                s,
                round_id=round_id,
                body_id=user.body_id,
                questionnaire_version_id=data.questionnaire_version_id,
                plan=data.plan,
                actor=user.username,
            )
            state = get_round(s, round_id, user.body_id).state
            return PlanOut(round_id, state, plan.sha256 or None)

    @post(
        "/rounds/{round_id:int}/plan/freeze",
        sync_to_thread=True,
        status_code=200,
        summary="Freeze (hash) the scoring plan",
    )
    def freeze_plan(self, request: Req, round_id: FromPath[int]) -> PlanOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            plan = freeze_plan(
                s, round_id=round_id, body_id=user.body_id, actor=user.username, user_id=user.id
            )
            state = get_round(s, round_id, user.body_id).state
            return PlanOut(round_id, state, plan.sha256)

    @post(
        "/rounds/{round_id:int}/registries",
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=MAX_UPLOAD_BYTES,
        summary="Upload a case registry (CSV or XLSX); imported in the background",
    )
    def upload_registry(
        self,
        request: Req,
        round_id: FromPath[int],
        data: MultipartBody[RegistryUpload],
    ) -> JobOut:
        user = _staff(request)
        problem = registry_file_problem(data.file.filename)
        if problem:
            raise TianpingError(f"file: {problem}")
        job = start_registry_import(
            request,
            user,
            round_id,
            filename=data.file.filename,
            content=data.file.file.read(),
            accept_valid=data.accept_valid,
        )
        return _job(job)

    @post(
        "/rounds/{round_id:int}/draw",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Draw the sample with the second person's seed value",
    )
    def draw(self, request: Req, round_id: FromPath[int], data: JSONBody[DrawIn]) -> DrawOut:
        user = _staff(request)
        check_round(request, user, round_id)
        outcome = draw_round(
            request.app.state.engine,
            round_id=round_id,
            witness=data.witness,
            witness_name=data.witness_name,
            actor=user.username,
            drawn_by=user.id,
        )
        r = outcome.record
        return DrawOut(
            outcome.draw_id, r.seed, r.algorithm, r.population, r.sampled, r.selected_sha256
        )

    @post(
        "/rounds/{round_id:int}/fieldwork",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Start fieldwork: issue the invitations and hand them to the channel",
    )
    def fieldwork(
        self, request: Req, round_id: FromPath[int], data: JSONBody[FieldworkIn]
    ) -> FieldworkOut:
        count = launch_fieldwork(
            request, _staff(request), round_id, channel=data.channel, days=data.days
        )
        return FieldworkOut(round_id, count)

    @post(
        "/rounds/{round_id:int}/assessors",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Assign assessors to enterprises at random",
    )
    def assign(self, request: Req, round_id: FromPath[int], data: JSONBody[AssignIn]) -> AssignOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            stored = run_assignment(
                s,
                round_id=round_id,
                body_id=user.body_id or 0,
                witness=data.witness,
                conflicts=[(c.assessor, c.enterprise) for c in data.conflicts],
                visits_per_enterprise=data.visits_per_enterprise,
                actor=user.username,
                user_id=user.id,
            )
            return AssignOut(round_id, stored.seed, msgspec.json.decode(stored.record_json))

    @post(
        "/rounds/{round_id:int}/scoring",
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        summary="Compute the scorecards (background job)",
    )
    def score(self, request: Req, round_id: FromPath[int]) -> JobOut:
        return _job(start_scoring(request, _staff(request), round_id))

    @post(
        "/rounds/{round_id:int}/review/approve",
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        summary="Approve the scores (second assessor) and issue certificates (background job)",
    )
    def approve(self, request: Req, round_id: FromPath[int]) -> JobOut:
        return _job(start_issuance(request, _staff(request), round_id))

    @post(
        "/rounds/{round_id:int}/review/return",
        sync_to_thread=True,
        status_code=200,
        summary="Send the scores back for rescoring, with a reason",
    )
    def send_back(
        self, request: Req, round_id: FromPath[int], data: JSONBody[ReasonIn]
    ) -> RoundOut:
        user = _staff(request)
        check_round(request, user, round_id)
        with write_session(request.app.state.engine) as s:
            rnd = return_for_rescoring(
                s, round_id=round_id, actor=user.username, reason=data.reason
            )
            return RoundOut(rnd.id or 0, rnd.code, rnd.state)

    @post(
        "/rounds/{round_id:int}/certificates/{number:str}/revoke",
        sync_to_thread=True,
        status_code=200,
        summary="Revoke a certificate, with a reason",
    )
    def revoke(
        self, request: Req, round_id: FromPath[int], number: FromPath[str], data: JSONBody[ReasonIn]
    ) -> CertificateOut:
        user = _staff(request)
        with write_session(request.app.state.engine) as s:
            cert = revoke_in_round(
                s,
                round_id=round_id,
                body_id=user.body_id or 0,
                number=number,
                reason=data.reason,
                actor=user.username,
            )
            return CertificateOut(cert.number, cert.status, cert.revoke_reason)

    @post(
        "/rounds/{round_id:int}/certificates/{number:str}/supersede",
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        summary="Re-issue a certificate's report under a new number (background job)",
    )
    def supersede(
        self, request: Req, round_id: FromPath[int], number: FromPath[str], data: JSONBody[ReasonIn]
    ) -> JobOut:
        return _job(start_supersede(request, _staff(request), round_id, number, data.reason))


class JobsApi(Controller):
    path = "/api/v1/jobs"
    guards = [require_any_role]  # noqa: RUF012
    tags = ["jobs"]  # noqa: RUF012
    security = API_SECURITY

    @get("/{job_id:str}", sync_to_thread=True, summary="Progress of a background job you started")
    def job(self, request: Req, job_id: FromPath[str]) -> JobOut:
        user = current_user(request)
        found = runner(request).get(job_id, user.id) if user else None
        if found is None:
            raise NotFoundError("no such job")
        return _job(found)


WORKFLOW_API_HANDLERS: list[ControllerRouterHandler] = [WorkflowApi, JobsApi]
