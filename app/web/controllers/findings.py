"""The assessor's findings of a round: record from the scorecard, decide on plans, escalate.

Body scoping comes from the session: another body's round, finding or evidence is a 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, URLEncodedBody
from litestar.response import File, Redirect, Template
from sqlmodel import Session

from app.db.engine import write_session
from app.db.models.evidence import Evidence
from app.db.types import utcnow
from app.domain.accounts.sessions import SessionUser
from app.domain.portal.workflow import overview
from app.domain.rectification.errors import RectificationInputError
from app.domain.rectification.escalation import (
    evaluate_round,
    get_rule,
    round_escalations,
    set_rule,
)
from app.domain.rectification.findings import (
    MAX_ACTION,
    MAX_REASON,
    decide,
    evidence_file,
    finding_detail,
    record_finding,
    round_findings,
)
from app.domain.rectification.scorecards import scorecard_targets
from app.domain.rectification.states import OUTCOMES, SEVERITIES, TARGET_KINDS
from app.errors import ConflictError, NotFoundError, TianpingError
from app.web.auth import require_staff
from app.web.controllers.rounds import staff
from app.web.deps import DbSession
from app.web.forms import FormErrors, integer_list, iso_date, text
from app.web.i18n import request_lang, translate

Req = Request[Any, Any, Any]
FORM_FIELDS = ("enterprise_id", "target_kind", "target_code", "severity", "required_action")


def input_error(errors: FormErrors, exc: TianpingError) -> None:
    """A domain refusal shown next to its field (translated), or above the form."""
    if isinstance(exc, RectificationInputError):
        errors.add(exc.field, exc.message, **exc.values)
    else:
        errors.add("form", str(exc))


def download(evidence: Evidence, path: Path) -> File:
    """Evidence is only ever an attachment of its sniffed type, never rendered in the page."""
    return File(
        path=path,
        filename=evidence.original_filename,
        media_type=evidence.media_type,
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff", "cache-control": "no-store"},
    )


def _in_round(session: Session, user: SessionUser, round_id: int, finding_id: int) -> Any:
    """The finding's detail, NotFound unless it is of this round of the user's body."""
    detail = finding_detail(
        session, finding_id, body_id=user.body_id or 0, enterprise_id=None, today=utcnow().date()
    )
    if detail.finding.round_id != round_id:
        raise NotFoundError(f"no finding {finding_id} in this round")
    return detail


def _number(raw: Any) -> float | None:
    value = (raw if isinstance(raw, str) else "").strip()
    return float(value) if value else None


class FindingsController(Controller):
    path = "/rounds/{round_id:int}/findings"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    def _index(
        self,
        session: Session,
        user: SessionUser,
        round_id: int,
        *,
        errors: Any = None,
        form: Any = None,
        rule_errors: Any = None,
        rule_form: Any = None,
        notice: str = "",
    ) -> Template:
        body_id = user.body_id or 0
        failed = bool(errors) or bool(rule_errors)
        return Template(
            "findings/index.html.j2",
            context={
                "view": overview(session, round_id, body_id),
                "findings": round_findings(session, round_id, body_id, utcnow().date()),
                "cards": scorecard_targets(session, round_id, body_id),
                "rule": get_rule(session, round_id),
                "errors": errors or {},
                "form": form or {},
                "rule_errors": rule_errors or {},
                "rule_form": rule_form,
                "kinds": TARGET_KINDS,
                "severities": SEVERITIES,
                "max_action": MAX_ACTION,
                "notice": notice,
            },
            status_code=422 if failed else 200,
        )

    @get("/", sync_to_thread=True)
    def index(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        prefill = {k: request.query_params.get(k, "") for k in FORM_FIELDS}
        return self._index(db_session, user, round_id, form=prefill)

    @post("/", sync_to_thread=True)
    def record(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        errors = FormErrors(request_lang(request))
        enterprise = integer_list(data, "enterprise_id", errors)
        if not enterprise:
            errors.add("enterprise_id", "Choose an enterprise.")
        kind = text(data, "target_kind", errors, max_length=16)
        code = text(data, "target_code", errors, required=kind != "composite")
        severity = text(data, "severity", errors, max_length=16)
        action = text(data, "required_action", errors, max_length=MAX_ACTION)
        deadline = iso_date(data, "deadline", errors)
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    finding = record_finding(
                        s,
                        round_id=round_id,
                        body_id=user.body_id or 0,
                        enterprise_id=enterprise[0],
                        target_kind=kind,
                        target_code=code,
                        severity=severity,
                        required_action=action,
                        deadline=deadline,
                        today=utcnow().date(),
                        actor=user.username,
                        user_id=user.id,
                    )
                    finding_id = finding.id
            except RectificationInputError as exc:
                input_error(errors, exc)
        if errors:
            return self._index(db_session, user, round_id, errors=errors, form=data)
        return Redirect(path=f"/rounds/{round_id}/findings/{finding_id}")

    @post("/rules", sync_to_thread=True)
    def rules(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        errors = FormErrors(request_lang(request))
        grade = text(data, "grade_below", errors, required=False, max_length=16)
        composite: float | None = None
        days = 0
        try:
            composite = _number(data.get("composite_below"))
        except ValueError:
            errors.add("composite_below", "Give a score between 0 and 100.")
        try:
            days = int(str(data.get("days_to_rectify", "")).strip())
        except ValueError:
            errors.add("days_to_rectify", "Give a number of days from 1 to %(n)s.", n=365)
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    set_rule(
                        s,
                        round_id=round_id,
                        body_id=user.body_id or 0,
                        grade_below=grade,
                        composite_below=composite,
                        days_to_rectify=days,
                        severity=str(data.get("severity", "major")),
                        escalate_when_overdue=data.get("escalate_when_overdue") == "1",
                        escalate_when_repeated=data.get("escalate_when_repeated") == "1",
                        actor=user.username,
                        user_id=user.id,
                    )
            except RectificationInputError as exc:
                input_error(errors, exc)
        if errors:
            return self._index(db_session, user, round_id, rule_errors=errors, rule_form=data)
        return Redirect(path=f"/rounds/{round_id}/findings/")

    @post("/evaluate", sync_to_thread=True)
    def evaluate(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        lang = request_lang(request)
        try:
            with write_session(request.app.state.engine) as s:
                outcome = evaluate_round(
                    s,
                    round_id=round_id,
                    body_id=user.body_id or 0,
                    today=utcnow().date(),
                    actor=user.username,
                    user_id=user.id,
                )
        except ConflictError as exc:
            errors = FormErrors(lang)
            errors.add("form", str(exc))
            return self._index(db_session, user, round_id, rule_errors=errors)
        notice = translate(
            lang,
            "%(w)s warning(s) and %(e)s escalation(s) recorded.",
            w=len(outcome.warnings),
            e=len(outcome.escalations),
        )
        return self._index(db_session, user, round_id, notice=notice)

    @get("/escalations", sync_to_thread=True)
    def escalations(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        body_id = user.body_id or 0
        return Template(
            "findings/escalations.html.j2",
            context={
                "view": overview(db_session, round_id, body_id),
                "rows": round_escalations(db_session, round_id, body_id),
            },
        )

    def _detail(
        self,
        session: Session,
        user: SessionUser,
        round_id: int,
        finding_id: int,
        errors: Any = None,
        form: Any = None,
    ) -> Template:
        body_id = user.body_id or 0
        detail = _in_round(session, user, round_id, finding_id)
        return Template(
            "findings/show.html.j2",
            context={
                "view": overview(session, round_id, body_id),
                "d": detail,
                "errors": errors or {},
                "form": form or {},
                "outcomes": OUTCOMES,
                "max_reason": MAX_REASON,
            },
            status_code=422 if errors else 200,
        )

    @get("/{finding_id:int}", sync_to_thread=True)
    def show(
        self,
        request: Req,
        round_id: FromPath[int],
        finding_id: FromPath[int],
        db_session: DbSession,
    ) -> Template:
        return self._detail(db_session, staff(request), round_id, finding_id)

    @post("/{finding_id:int}/decision", sync_to_thread=True)
    def decision(
        self,
        request: Req,
        round_id: FromPath[int],
        finding_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        _in_round(db_session, user, round_id, finding_id)
        errors = FormErrors(request_lang(request))
        outcome = text(data, "outcome", errors, max_length=8)
        reason = text(data, "reason", errors, max_length=MAX_REASON)
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    decide(
                        s,
                        finding_id=finding_id,
                        body_id=user.body_id or 0,
                        outcome=outcome,
                        reason=reason,
                        actor=user.username,
                        user_id=user.id,
                    )
            except RectificationInputError as exc:
                input_error(errors, exc)
        if errors:
            db_session.expire_all()
            return self._detail(db_session, user, round_id, finding_id, errors, data)
        return Redirect(path=f"/rounds/{round_id}/findings/{finding_id}")

    @get("/{finding_id:int}/evidence/{evidence_id:int}", sync_to_thread=True)
    def evidence(
        self,
        request: Req,
        round_id: FromPath[int],
        finding_id: FromPath[int],
        evidence_id: FromPath[int],
        db_session: DbSession,
    ) -> File:
        user = staff(request)
        _in_round(db_session, user, round_id, finding_id)
        row, path = evidence_file(
            db_session,
            finding_id=finding_id,
            evidence_id=evidence_id,
            body_id=user.body_id or 0,
            enterprise_id=None,
            data_dir=request.app.state.settings.data_dir,
        )
        return download(row, path)
