"""Workflow steps shared by the pages and the JSON API; the long ones start background jobs.

Each starter checks what can be checked at once (the round belongs to the caller's body, the
certificate is valid, the file type) and then queues the same service call the CLI makes.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Request

from app.db.engine import read_session
from app.db.types import utcnow
from app.domain.accounts.sessions import SessionUser
from app.domain.certificates.issuance import gather, issue_certificates
from app.domain.certificates.lifecycle import supersede_certificate
from app.domain.certificates.round_actions import check_supersedable
from app.domain.fieldwork.dispatch import check_web_channel, dispatch_invitations
from app.domain.fieldwork.invitations import CHANNELS, start_fieldwork
from app.domain.jobs.store import JobStatus
from app.domain.registry.importer import RegistryRejectedError, import_registry
from app.domain.rounds.service import get_round
from app.domain.scoring_runs.service import compute_scorecards
from app.errors import NotFoundError, TianpingError
from app.secrets import load_key_material
from app.web.i18n import request_lang
from app.web.jobs import Job, JobRunner
from app.workdays import workday_calendar

REGISTRY_SUFFIXES = (".csv", ".xlsx")

Req = Request[Any, Any, Any]


def runner(request: Req) -> JobRunner:
    jobs: JobRunner | None = getattr(request.app.state, "jobs", None)
    if jobs is None:
        jobs = JobRunner(request.app.state.engine)
        request.app.state.jobs = jobs
    return jobs


def check_round(request: Req, user: SessionUser, round_id: int) -> None:
    if user.body_id is None:
        # get_round(…, None) would skip the body check: only staff of a body get this far.
        raise NotFoundError("no such round")
    with read_session(request.app.state.engine) as s:
        get_round(s, round_id, user.body_id)  # NotFound for other bodies' rounds


def registry_file_problem(filename: str | None) -> str | None:
    if not filename or Path(filename).suffix.lower() not in REGISTRY_SUFFIXES:
        return "Choose a CSV or XLSX file."
    return None


def start_registry_import(
    request: Req,
    user: SessionUser,
    round_id: int,
    *,
    filename: str,
    content: bytes,
    accept_valid: bool,
) -> JobStatus:
    check_round(request, user, round_id)
    work_dir = Path(tempfile.mkdtemp(prefix="tianping-upload-"))
    target = work_dir / Path(filename).name
    target.write_bytes(content)
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
            lines = [f"line {p.line}, {p.column}: {p.message}" for p in exc.report.problems[:20]]
            raise TianpingError(str(exc) + "\n" + "\n".join(lines)) from None
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
        return f"{outcome.imported} cases imported, {outcome.quarantined} quarantined"

    return runner(request).start(
        user.id, f"registry {target.name}", work, result_url=f"/rounds/{round_id}/registries"
    )


def start_scoring(request: Req, user: SessionUser, round_id: int) -> JobStatus:
    check_round(request, user, round_id)
    engine = request.app.state.engine

    def work(job: Job) -> str:
        card = compute_scorecards(
            engine,
            round_id=round_id,
            actor=user.username,
            user_id=user.id,
            calendar=workday_calendar(request.app.state.settings),
        )
        return f"{len(card.get('enterprises', {}))} scorecards computed"

    return runner(request).start(user.id, "scoring", work, result_url=f"/rounds/{round_id}/scoring")


def start_issuance(request: Req, user: SessionUser, round_id: int) -> JobStatus:
    """The second assessor's approval: issue one signed certificate per enterprise."""
    check_round(request, user, round_id)
    engine, settings = request.app.state.engine, request.app.state.settings
    lang = request_lang(request)
    with read_session(engine) as s:
        # The issuance's own read phase: state, four eyes, coverage and plan hash are refused
        # now rather than after the caller has started polling.
        gather(s, round_id, user.id, calendar=workday_calendar(settings))

    def work(job: Job) -> str:
        # Signing and rendering one PDF per enterprise takes long: never in the request.
        issued = issue_certificates(
            engine,
            round_id=round_id,
            approver_id=user.id,
            actor=user.username,
            settings=settings,
            lang=lang,
        )
        return f"{len(issued)} certificates issued"

    return runner(request).start(
        user.id, "certificates", work, result_url=f"/rounds/{round_id}/scoring"
    )


def start_supersede(
    request: Req, user: SessionUser, round_id: int, number: str, reason: str
) -> JobStatus:
    """Re-issue one certificate's report under a new number (same issuance code)."""
    engine, settings = request.app.state.engine, request.app.state.settings
    lang = request_lang(request)
    with read_session(engine) as s:
        check_supersedable(
            s, round_id=round_id, body_id=user.body_id or 0, number=number, reason=reason
        )

    def work(job: Job) -> str:
        new = supersede_certificate(
            engine,
            number,
            reason,
            user.username,
            settings=settings,
            approver_id=user.id,
            lang=lang,
        )
        return f"certificate {number} superseded by {new.number}"

    return runner(request).start(
        user.id, f"supersede {number}", work, result_url=f"/rounds/{round_id}/scoring"
    )


def launch_fieldwork(
    request: Req, user: SessionUser, round_id: int, *, channel: str, days: int
) -> int:
    """Issue the invitations and hand them to the channel at once (the clear tokens exist only
    now); returns how many were issued."""
    check_round(request, user, round_id)
    if channel not in CHANNELS:
        raise TianpingError(f"channel: use one of {', '.join(CHANNELS)}")
    check_web_channel(channel)  # e-mail needs SMTP: refused before any invitation exists
    if not 1 <= days <= 365:
        raise TianpingError("days: invitations stay valid for 1 to 365 days")
    engine, settings = request.app.state.engine, request.app.state.settings
    issued = start_fieldwork(
        engine,
        round_id=round_id,
        actor=user.username,
        channel=channel,  # checked against CHANNELS above
        expires_at=utcnow() + timedelta(days=days),
    )
    dispatch_invitations(engine, issued, channel=channel, round_id=round_id, settings=settings)
    return len(issued)
