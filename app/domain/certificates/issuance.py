"""Issuing certificates for a round: preconditions, signed facts, rendered and signed PDFs.

Rendering takes seconds per enterprise, so it happens *outside* any write transaction:
1. read: check the round (state review, four eyes, coverage, plan hash) and gather scorecards;
2. sign the facts and render + PAdES-sign every PDF into ``<data_dir>/reports/``;
3. write: re-check the state, insert the certificates, move the round REVIEW → ISSUED and
   append to the audit log — all in one transaction. If that fails, the files are removed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models.certificate import Certificate
from app.db.models.draw import SampleDraw
from app.db.models.plan import ScoringPlan
from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.domain.audit.chain import append
from app.domain.complaints.service import complaint_summaries
from app.domain.observations.service import Finding, observation_findings
from app.domain.reevaluation.change import change_since_previous
from app.domain.rounds.lifecycle import RoundState, require_four_eyes
from app.domain.rounds.service import get_round, move, round_enterprises
from app.errors import ConflictError, NotFoundError
from app.keys_store import KeyStore
from app.workdays import workday_calendar
from reports.batch import RenderJob, render_many
from reports.complaints import ComplaintSummary
from reports.context import Observation, ReportContext, StratumRow
from reports.facts import FactsInput, SignedFacts, build_facts, sign_facts
from reports.i18n import t
from sampling.coverage import check_coverage
from sampling.errors import SamplingError
from sampling.record import DrawRecord
from scoring.calendar import WorkdayCalendar
from scoring.change import MeasureChange

Lang = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    number: str
    enterprise_code: str
    pdf_path: Path
    pdf_sha256: str
    valid_until: date
    key_id: str


@dataclass(frozen=True, slots=True)
class IssuancePlan:
    """Everything gathered in the read phase (plain values, no ORM objects)."""

    round_id: int
    round_code: str
    round_title: str
    period_start: date
    period_end: date
    body_name: str
    document: dict[str, Any]
    enterprises: tuple[tuple[int, str, str, int], ...]  # id, code, name, scorecard id
    strata: dict[str, tuple[StratumRow, ...]]
    # Re-evaluations only: per enterprise code, the change since the followed round.
    changes: dict[str, tuple[MeasureChange, ...]] = field(default_factory=dict)
    follows_round_code: str = ""
    # On-site observation findings per enterprise code (DESIGN §1), in visit order.
    findings: dict[str, tuple[Finding, ...]] = field(default_factory=dict)
    # Complaint handling against the standards' time limits, per enterprise code.
    complaints: dict[str, ComplaintSummary] = field(default_factory=dict)


def round_document(cards: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The round's scorecard document (DESIGN §3) from per-enterprise scorecard rows.

    Rows hold ``{plan_sha256, confidence, weights, enterprise: {...}}``; a row holding a whole
    document (``enterprises``) is accepted too.
    """
    doc: dict[str, Any] = {"enterprises": {}}
    for code, content in cards:
        for key in ("plan_sha256", "confidence", "weights"):
            if key in content and key not in doc:
                doc[key] = content[key]
        if "enterprise" in content:
            doc["enterprises"][code] = content["enterprise"]
        elif code in (content.get("enterprises") or {}):
            doc["enterprises"][code] = content["enterprises"][code]
        else:
            raise ConflictError(f"the scorecard of {code} holds no figures for it; re-run scoring")
    return doc


def _strata_rows(record: DrawRecord, doc: dict[str, Any], code: str) -> tuple[StratumRow, ...]:
    entry = doc["enterprises"].get(code, {})
    domains = entry.get("domains") or {}
    single = next(iter(domains.values())) if len(domains) == 1 else {}
    rows = []
    for s in record.strata:
        if s.key[0] != code:
            continue
        label = " / ".join(s.key[1:]) or "—"
        cell = single.get(s.key[1]) if len(s.key) == 2 else None
        n = cell["composite"]["n"] if cell and "composite" in cell else None
        rows.append(StratumRow(label, s.population, s.sampled, n))
    return tuple(rows)


def gather(
    session: Session,
    round_id: int,
    approver_id: int,
    state: RoundState = RoundState.REVIEW,
    calendar: WorkdayCalendar | None = None,
) -> IssuancePlan:
    """Check every issuance precondition and collect what signing and rendering need."""
    rnd = get_round(session, round_id, None)
    if rnd.state != state:
        raise ConflictError(
            f"round {rnd.code} is in state {rnd.state}; this needs state {state.value}"
        )
    require_four_eyes(rnd.scored_by, approver_id)
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    if plan is None or not plan.sha256 or plan.frozen_at is None:
        raise ConflictError(f"round {rnd.code} has no frozen scoring plan; freeze it first")
    draw = session.exec(select(SampleDraw).where(SampleDraw.round_id == round_id)).first()
    if draw is None:
        raise ConflictError(f"round {rnd.code} has no sample draw; draw the sample first")
    try:
        record = DrawRecord.from_dict(draw.record)
        check_coverage(record)
    except SamplingError as exc:
        raise ConflictError(f"issuance refused: {exc}") from None
    ents = round_enterprises(session, round_id)
    cards = {
        c.enterprise_id: c
        for c in session.exec(select(Scorecard).where(Scorecard.round_id == round_id)).all()
    }
    missing = [e.code for e in ents if e.id not in cards]
    if missing:
        raise ConflictError(f"no scorecard for {', '.join(missing)}; score the round first")
    stale = [e.code for e in ents if cards[e.id or 0].plan_sha256 != plan.sha256]
    stale += [
        e.code
        for e in ents
        if cards[e.id or 0].content.get("plan_sha256", plan.sha256) != plan.sha256
    ]
    if stale:
        raise ConflictError(
            "issuance refused: the scorecards of "
            + ", ".join(sorted(set(stale)))
            + f" were computed with another plan than the frozen one ({plan.sha256[:12]}…)"
        )
    doc = round_document([(e.code, cards[e.id or 0].content) for e in ents])
    body = session.get(EvaluationBody, rnd.body_id)
    changes: dict[str, tuple[MeasureChange, ...]] = {}
    follows_code = ""
    if rnd.follows_round_id is not None:
        follows_code = get_round(session, rnd.follows_round_id, None).code
        changes = {e.code: change_since_previous(session, round_id, e.id or 0).rows for e in ents}
    return IssuancePlan(
        round_id=round_id,
        round_code=rnd.code,
        round_title=rnd.title,
        period_start=rnd.period_start,
        period_end=rnd.period_end,
        body_name=body.name if body else "",
        document=doc,
        enterprises=tuple((e.id or 0, e.code, e.name, cards[e.id or 0].id or 0) for e in ents),
        strata={e.code: _strata_rows(record, doc, e.code) for e in ents},
        changes=changes,
        follows_round_code=follows_code,
        findings={e.code: tuple(observation_findings(session, round_id, e.id or 0)) for e in ents},
        complaints=complaint_summaries(session, round_id, calendar=calendar),
    )


def observations(findings: Sequence[Finding], lang: Lang) -> tuple[Observation, ...]:
    """Findings as the report's observation rows: where and when, what, and how it failed."""
    return tuple(
        Observation(
            area=f"{f.outlet} ({f.visit_date.isoformat()})",
            finding=f.item_text.get(lang) or f.item_text.get("zh") or f.item_code,
            severity=t(f"finding_{f.reason}", lang),
        )
        for f in findings
    )


def new_number(round_code: str, enterprise_code: str, today: date) -> str:
    """Unguessable (a random suffix), readable, at most 64 characters."""
    base = f"TP-{today:%Y}-{round_code[:20]}-{enterprise_code[:20]}"
    return f"{base}-{secrets.token_hex(4).upper()}"


def sign_all(
    plan: IssuancePlan, keys: KeyStore, today: date, valid_until: date
) -> list[tuple[tuple[int, str, str, int], SignedFacts]]:
    kid, key = keys.private_key()
    out = []
    for ent in plan.enterprises:
        _, code, name, _ = ent
        info = FactsInput(
            number=new_number(plan.round_code, code, today),
            enterprise_code=code,
            enterprise_name=name,
            round_code=plan.round_code,
            round_title=plan.round_title,
            period_start=plan.period_start,
            period_end=plan.period_end,
            issue_date=today,
            valid_until=valid_until,
            key_id=kid,
            body_name=plan.body_name,
        )
        out.append((ent, sign_facts(build_facts(plan.document, info), key, kid)))
    return out


def render_all(
    plan: IssuancePlan,
    signed: list[tuple[tuple[int, str, str, int], SignedFacts]],
    keys: KeyStore,
    out_dir: Path,
    lang: Lang,
    verify_base_url: str,
) -> list[tuple[Path, str]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for (_, code, name, _), facts in signed:
        ctx = ReportContext(
            body_name=plan.body_name,
            enterprise_name=name,
            round_code=plan.round_code,
            round_title=plan.round_title,
            period_start=plan.period_start,
            period_end=plan.period_end,
            issue_date=date.fromisoformat(facts.facts["issue_date"]),
            valid_until=date.fromisoformat(facts.facts["valid_until"]),
            certificate=facts,
            verify_base_url=verify_base_url,
            strata=plan.strata.get(code, ()),
            change_since_last=plan.changes.get(code, ()),
            change_previous_round=plan.follows_round_code,
            observations=observations(plan.findings.get(code, ()), lang),
            complaints=plan.complaints.get(code),
        )
        jobs.append(RenderJob(code, lang, ctx, out_dir / f"{facts.facts['number']}.pdf"))
    return render_many(plan.document, jobs, keys.pades_signer())


def issue_certificates(
    engine: Engine,
    *,
    round_id: int,
    approver_id: int,
    actor: str,
    settings: Settings,
    valid_days: int = 365,
    out_dir: Path | None = None,
    lang: Lang = "zh",
    today: date | None = None,
    verify_base_url: str | None = None,
) -> list[IssuedCertificate]:
    """Issue one certificate and signed report per enterprise of a round in review."""
    if valid_days < 1:
        raise ConflictError("valid_days must be at least 1")
    today = today or date.today()
    valid_until = today + timedelta(days=valid_days)
    keys = KeyStore.for_settings(settings)
    with read_session(engine) as session:
        plan = gather(session, round_id, approver_id, calendar=workday_calendar(settings))
    signed = sign_all(plan, keys, today, valid_until)
    target = out_dir or settings.data_dir / "reports"
    files = render_all(
        plan, signed, keys, target, lang, verify_base_url or settings.public_base_url
    )
    try:
        with write_session(engine) as session:
            rnd = get_round(session, round_id, None)
            if rnd.state != RoundState.REVIEW:
                raise ConflictError(f"round {rnd.code} left review while reports were rendered")
            for ((ent_id, code, _, card_id), facts), (_, digest) in zip(signed, files, strict=True):
                cert = Certificate(
                    number=facts.facts["number"],
                    round_id=round_id,
                    enterprise_id=ent_id,
                    scorecard_id=card_id,
                    facts=facts.facts,
                    signature=facts.signature,
                    key_id=facts.key_id,
                    pdf_sha256=digest,
                    valid_until=valid_until,
                    issued_by=approver_id,
                )
                session.add(cert)
                session.flush()
                append(
                    session,
                    actor=actor,
                    action="certificate.issue",
                    object_type="certificate",
                    object_id=cert.id or 0,
                    details={"number": cert.number, "enterprise": code, "pdf_sha256": digest},
                )
            rnd.approved_by = approver_id
            move(session, rnd, RoundState.ISSUED, actor=actor, reason="certificates issued")
    except BaseException:
        for path, _ in files:
            path.unlink(missing_ok=True)
        raise
    return [
        IssuedCertificate(f.facts["number"], ent[1], path, digest, valid_until, f.key_id)
        for (ent, f), (path, digest) in zip(signed, files, strict=True)
    ]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def certificate_by_number(session: Session, number: str) -> Certificate:
    cert = session.exec(select(Certificate).where(col(Certificate.number) == number)).first()
    if cert is None:
        raise NotFoundError(f"no certificate {number!r}")
    return cert


def enterprise_of(session: Session, cert: Certificate) -> Enterprise:
    ent = session.get(Enterprise, cert.enterprise_id)
    if ent is None:
        raise NotFoundError(f"certificate {cert.number} names a missing enterprise")
    return ent


def round_of(session: Session, cert: Certificate) -> EvaluationRound:
    return get_round(session, cert.round_id, None)
