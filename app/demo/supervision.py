"""The demo's supervision loop after the round: a warning for the failing enterprise, its
rectification plan, the assessor's acceptance, a follow-up round and public results.

The same services as the web pages (rectification, re-evaluation, disclosure); the follow-up
round itself then runs through the ordinary demo steps in :mod:`app.demo.runner`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db.engine import read_session, write_session
from app.db.models.finding import Finding
from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise
from app.db.models.user import User
from app.demo import plan as demo
from app.demo.runner import DemoResult
from app.demo.synthetic import ENTERPRISES, FOLLOW_UP_CASES, RECTIFIED_QUALITY, DemoEnterprise
from app.domain.disclosure.publication import set_results_public
from app.domain.plans.service import freeze_plan
from app.domain.rectification.escalation import evaluate_round, set_rule
from app.domain.rectification.evidence import check_file
from app.domain.rectification.findings import decide, submit_plan
from app.domain.reevaluation.follow_up import create_follow_up_round

# A one-page PDF as the enterprise's evidence (a training record in real life).
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Warned:
    finding_id: int
    enterprise_id: int
    enterprise_code: str
    deadline: date
    reason: str


def _user_id(session: Session, username: str) -> int | None:
    user = session.exec(select(User).where(User.username == username)).first()
    return user.id if user is not None else None


def _body_id(engine: Engine, round_id: int) -> int:
    with read_session(engine) as s:
        rnd = s.get(EvaluationRound, round_id)
        assert rnd is not None
        return rnd.body_id


def warn(engine: Engine, result: DemoResult, today: date) -> list[Warned]:
    """The round's escalation rule, then a warning (a finding with a deadline) per shortfall."""
    body_id = _body_id(engine, result.round_id)
    with write_session(engine) as s:
        assessor = _user_id(s, demo.ASSESSOR)
        set_rule(
            s,
            round_id=result.round_id,
            body_id=body_id,
            actor=demo.ASSESSOR,
            user_id=assessor,
            **demo.RULE,
        )
        outcome = evaluate_round(
            s,
            round_id=result.round_id,
            body_id=body_id,
            today=today,
            actor=demo.ASSESSOR,
            user_id=assessor,
        )
        warned = []
        for w in outcome.warnings:
            finding = s.get(Finding, w.finding_id)
            ent = s.get(Enterprise, w.enterprise_id)
            assert finding is not None
            assert ent is not None
            warned.append(
                Warned(w.finding_id, w.enterprise_id, ent.code, finding.deadline, w.reason)
            )
        return warned


def rectified(warned: Sequence[Warned], scale: float) -> list[DemoEnterprise]:
    """The warned enterprises as the follow-up round samples them: better true quality, a
    small registry of a later period (enough cases for a comparison even at small scales)."""
    codes = {w.enterprise_code for w in warned}
    cases = max(120, int(FOLLOW_UP_CASES * scale))
    return [
        replace(e, cases=cases, quality=RECTIFIED_QUALITY) for e in ENTERPRISES if e.code in codes
    ]


def grades(engine: Engine, round_id: int) -> dict[str, tuple[str | None, float | None]]:
    """Per enterprise code, the grade and composite of the round's scorecard."""
    with read_session(engine) as s:
        rows = s.exec(
            select(Enterprise.code, Scorecard.content)
            .join(Scorecard, col(Scorecard.enterprise_id) == col(Enterprise.id))
            .where(Scorecard.round_id == round_id)
        ).all()
    out: dict[str, tuple[str | None, float | None]] = {}
    for code, content in rows:
        section = content.get("enterprise") or {}
        grade = (section.get("grade") or {}).get("grade")
        composite = (section.get("composite") or {}).get("estimate")
        out[code] = (grade, composite)
    return out


def rectify(
    engine: Engine, result: DemoResult, warned: Sequence[Warned], data_dir: Path, today: date
) -> None:
    """Each warned enterprise's viewer submits a plan with evidence; the assessor accepts it."""
    body_id = _body_id(engine, result.round_id)
    evidence = check_file(
        "training-record.pdf", io.BytesIO(EVIDENCE_PDF), max_bytes=len(EVIDENCE_PDF)
    )
    for w in warned:
        viewer = f"{w.enterprise_code.lower()}.viewer"
        with write_session(engine) as s:
            submit_plan(
                s,
                finding_id=w.finding_id,
                enterprise_id=w.enterprise_id,
                text=(
                    "Retrain every service desk on response times and first-visit repair; "
                    "stock the five most-missed spare parts; weekly call-backs by the service "
                    "manager. 整改：全员培训、备件备货、每周回访。"
                ),
                files=[evidence],
                data_dir=data_dir,
                today=today,
                actor=viewer,
                user_id=_user_id(s, viewer),
            )
        with write_session(engine) as s:
            decide(
                s,
                finding_id=w.finding_id,
                body_id=body_id,
                outcome="accept",
                reason="Training records and the spare-parts order checked; re-evaluate.",
                actor=demo.ASSESSOR,
                user_id=_user_id(s, demo.ASSESSOR),
            )


def follow_up(engine: Engine, result: DemoResult, enterprise_ids: Sequence[int]) -> DemoResult:
    """A follow-up round of ``enterprise_ids`` with the round's plan, frozen and ready."""
    body_id = _body_id(engine, result.round_id)
    start, end = demo.FOLLOW_UP_PERIOD
    with write_session(engine) as s:
        rnd = create_follow_up_round(
            s,
            result.round_id,
            enterprise_ids,
            demo.ASSESSOR,
            code=demo.FOLLOW_UP_CODE,
            title=demo.FOLLOW_UP_TITLE,
            period_start=start,
            period_end=end,
            body_id=body_id,
            created_by=_user_id(s, demo.ASSESSOR),
        )
        frozen = freeze_plan(
            s, round_id=rnd.id or 0, body_id=body_id, actor=demo.ASSESSOR, user_id=None
        )
        return DemoResult(
            round_id=rnd.id or 0, round_code=rnd.code, plan_sha256=frozen.sha256 or ""
        )


def publish(engine: Engine, result: DemoResult) -> None:
    """The body opts in to public results for the round (``/results``)."""
    body_id = _body_id(engine, result.round_id)
    with write_session(engine) as s:
        set_results_public(
            s,
            round_id=result.round_id,
            body_id=body_id,
            public=True,
            actor=demo.ADMIN,
            reason="demo: results disclosed",
        )
