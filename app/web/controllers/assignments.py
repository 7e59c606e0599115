"""Random assessor assignment (双随机) of a round: declare conflicts, enter a witness, run, verify.

One assignment per round; the record is shown with a button that re-runs it. Body scoping
comes from the session: another body's round is a 404.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from app.db.engine import write_session
from app.domain.accounts.sessions import SessionUser
from app.domain.assignments.service import (
    MAX_VISITS,
    MIN_WITNESS,
    assessor_names,
    body_assessors,
    get_assignment,
    run_assignment,
    verify_round_assignment,
)
from app.domain.portal.workflow import overview
from app.errors import TianpingError
from app.web.auth import require_staff
from app.web.controllers.rounds import staff
from app.web.deps import DbSession
from app.web.forms import FormErrors, text
from app.web.i18n import request_lang
from sampling.errors import SamplingError

Req = Request[Any, Any, Any]


def _conflicts(data: dict[str, Any]) -> list[tuple[str, str]]:
    raw = data.get("conflict", [])
    values = raw if isinstance(raw, list) else [raw]
    pairs = [str(v).split("|", 1) for v in values if "|" in str(v)]
    return [(a, e) for a, e in pairs]


def _page(
    session: Session,
    user: SessionUser,
    round_id: int,
    errors: Any,
    form: Any,
    *,
    verified: str | None = None,
) -> Template:
    body_id = user.body_id or 0
    view = overview(session, round_id, body_id)
    stored = get_assignment(session, round_id, body_id)
    chosen = set(_conflicts(form)) if form else set()
    return Template(
        "assignments/round.html.j2",
        context={
            "view": view,
            "stored": stored,
            "assessors": [u.username for u in body_assessors(session, body_id)],
            "by_enterprise": assessor_names(session, round_id),
            "chosen": chosen,
            "errors": errors,
            "form": form or {},
            "verified": verified,
            "max_visits": MAX_VISITS,
            "min_witness": MIN_WITNESS,
        },
        status_code=400 if errors else 200,
    )


class AssignmentsController(Controller):
    path = "/rounds/{round_id:int}/assessors"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def show(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        return _page(db_session, staff(request), round_id, {}, {})

    @post("/", sync_to_thread=True)
    def run(
        self,
        request: Req,
        round_id: FromPath[int],
        db_session: DbSession,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = staff(request)
        errors = FormErrors(request_lang(request))
        witness = text(data, "witness", errors, max_length=128)
        if witness and len(witness) < MIN_WITNESS:
            errors.add("witness", "At least %(n)s characters.", n=MIN_WITNESS)
        visits_raw = text(data, "visits", errors, required=False, max_length=3) or "0"
        visits = int(visits_raw) if visits_raw.isdigit() else -1
        if not 0 <= visits <= MAX_VISITS:
            errors.add("visits", "Enter a whole number from 0 to %(n)s.", n=MAX_VISITS)
        if not errors:
            try:
                with write_session(request.app.state.engine) as s:
                    run_assignment(
                        s,
                        round_id=round_id,
                        body_id=user.body_id or 0,
                        witness=witness,
                        conflicts=_conflicts(data),
                        visits_per_enterprise=visits,
                        actor=user.username,
                        user_id=user.id,
                    )
            except (TianpingError, SamplingError) as exc:
                errors.add("form", str(exc))
        if errors:
            return _page(db_session, user, round_id, errors, data)
        return Redirect(path=f"/rounds/{round_id}/assessors/")

    @post("/verify", sync_to_thread=True)
    def verify(self, request: Req, round_id: FromPath[int], db_session: DbSession) -> Template:
        user = staff(request)
        difference = verify_round_assignment(db_session, round_id, user.body_id or 0)
        return _page(db_session, user, round_id, {}, {}, verified=difference or "ok")
