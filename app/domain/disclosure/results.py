"""What the public sees of a round that opted in: per enterprise grade, composite with its
interval and certificate status. Aggregates only; nothing about who answered."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.db.models.certificate import Certificate
from app.db.models.round import EvaluationRound, RoundEnterprise
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.domain.certificates.verification import certificate_status
from app.domain.disclosure.publication import DISCLOSABLE
from app.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class PublicRound:
    round_id: int
    code: str
    title: str
    body_name: str
    industry: str
    period_start: date
    period_end: date
    follows_round_id: int | None  # set (and public) when this is a re-evaluation


@dataclass(frozen=True, slots=True)
class PublicResult:
    enterprise_code: str
    enterprise_name: str
    grade: str | None
    composite: float | None
    composite_ci_low: float | None
    composite_ci_high: float | None
    responded: int | None
    certificate_number: str | None
    certificate_status: str | None  # valid, revoked, superseded, expired; None: no certificate
    certificate_valid_until: date | None
    reevaluated_in: PublicRound | None  # the latest public re-evaluation of this enterprise


@dataclass(frozen=True, slots=True)
class PublicResults:
    round: PublicRound
    confidence: float
    follows: PublicRound | None
    results: tuple[PublicResult, ...]


def _is_public(rnd: EvaluationRound | None) -> bool:
    return rnd is not None and rnd.results_public and rnd.state in DISCLOSABLE


def _public_round(session: Session, rnd: EvaluationRound) -> PublicRound:
    body = session.get(EvaluationBody, rnd.body_id)
    follows = session.get(EvaluationRound, rnd.follows_round_id) if rnd.follows_round_id else None
    return PublicRound(
        round_id=rnd.id or 0,
        code=rnd.code,
        title=rnd.title,
        body_name=body.name if body else "",
        industry=rnd.industry,
        period_start=rnd.period_start,
        period_end=rnd.period_end,
        follows_round_id=follows.id if follows is not None and _is_public(follows) else None,
    )


def public_rounds(session: Session) -> list[PublicRound]:
    rows = session.exec(
        select(EvaluationRound)
        .where(
            col(EvaluationRound.results_public).is_(True),
            col(EvaluationRound.state).in_(sorted(DISCLOSABLE)),
        )
        .order_by(col(EvaluationRound.period_end).desc(), col(EvaluationRound.id))
    ).all()
    return [_public_round(session, r) for r in rows]


def public_round(session: Session, round_id: int) -> EvaluationRound:
    """The round if it opted in; otherwise NotFound, as if it did not exist."""
    rnd = session.get(EvaluationRound, round_id)
    if rnd is None or not _is_public(rnd):
        raise NotFoundError(f"no public results for round {round_id}")
    return rnd


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _grade(section: dict[str, Any]) -> str | None:
    grade = section.get("grade")
    if isinstance(grade, dict):
        grade = grade.get("grade")
    return None if grade is None else str(grade)


def _current_certificates(session: Session, round_id: int) -> dict[int, Certificate]:
    """Per enterprise, the certificate in force: a superseding one wins over the one it replaced."""
    found: dict[int, Certificate] = {}
    certs = session.exec(
        select(Certificate).where(Certificate.round_id == round_id).order_by(col(Certificate.id))
    ).all()
    for cert in certs:
        held = found.get(cert.enterprise_id)
        if held is None or held.status == "superseded" or cert.status != "superseded":
            found[cert.enterprise_id] = cert
    return found


def _reevaluations(session: Session, round_id: int) -> dict[int, PublicRound]:
    """Per enterprise, the latest public round that re-evaluated it after ``round_id``."""
    rows = session.exec(
        select(EvaluationRound, RoundEnterprise.enterprise_id)
        .join(RoundEnterprise, col(RoundEnterprise.round_id) == col(EvaluationRound.id))
        .where(EvaluationRound.follows_round_id == round_id)
        .order_by(col(EvaluationRound.period_end), col(EvaluationRound.id))
    ).all()
    return {ent_id: _public_round(session, rnd) for rnd, ent_id in rows if _is_public(rnd)}


def public_results(session: Session, round_id: int, today: date) -> PublicResults:
    rnd = public_round(session, round_id)
    rows = session.exec(
        select(Enterprise, Scorecard)
        .join(RoundEnterprise, col(RoundEnterprise.enterprise_id) == col(Enterprise.id))
        .join(
            Scorecard,
            (col(Scorecard.enterprise_id) == col(Enterprise.id))
            & (col(Scorecard.round_id) == round_id),
            isouter=True,
        )
        .where(RoundEnterprise.round_id == round_id)
        .order_by(col(Enterprise.code))
    ).all()
    certs = _current_certificates(session, round_id)
    later = _reevaluations(session, round_id)
    confidence = 0.95
    results = []
    for ent, card in rows:
        content = card.content if card is not None else {}
        confidence = float(content.get("confidence") or confidence)
        section = content.get("enterprise") or {}
        comp = section.get("composite") or {}
        cert = certs.get(ent.id or 0)
        responded = section.get("responded")
        results.append(
            PublicResult(
                enterprise_code=ent.code,
                enterprise_name=ent.name,
                grade=_grade(section),
                composite=_number(comp.get("estimate")),
                composite_ci_low=_number(comp.get("ci_low")),
                composite_ci_high=_number(comp.get("ci_high")),
                responded=int(responded) if isinstance(responded, int) else None,
                certificate_number=cert.number if cert else None,
                certificate_status=certificate_status(cert, today) if cert else None,
                certificate_valid_until=cert.valid_until if cert else None,
                reevaluated_in=later.get(ent.id or 0),
            )
        )
    this = _public_round(session, rnd)
    follows = None
    if this.follows_round_id is not None:
        prev = session.get(EvaluationRound, this.follows_round_id)
        follows = _public_round(session, prev) if prev is not None else None
    return PublicResults(round=this, confidence=confidence, follows=follows, results=tuple(results))
