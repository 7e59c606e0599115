"""Read side of registries: what was imported, counts per enterprise and stratum, masked cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.db.models.registry import CaseRegistry, QuarantinedRow, ServiceCase
from app.db.models.round import EvaluationRound
from app.db.models.tenancy import Enterprise
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.errors import NotFoundError, TianpingError
from app.pii import mask_email, mask_phone
from app.secrets import KeyMaterial


@dataclass(frozen=True)
class StratumTotal:
    enterprise: str
    stratum: str
    cases: int


@dataclass(frozen=True)
class MaskedCase:
    case_id: str
    enterprise: str
    stratum: str
    phone: str | None
    email: str | None


def find_round(session: Session, code: str, body_code: str | None = None) -> EvaluationRound:
    from app.db.models.tenancy import EvaluationBody

    query = select(EvaluationRound).where(EvaluationRound.code == code)
    if body_code is not None:
        query = query.join(
            EvaluationBody, col(EvaluationBody.id) == col(EvaluationRound.body_id)
        ).where(EvaluationBody.code == body_code)
    rounds = session.exec(query).all()
    if not rounds:
        raise NotFoundError(f"no round {code!r}" + (f" in body {body_code!r}" if body_code else ""))
    if len(rounds) > 1:
        raise TianpingError(f"several bodies have a round {code!r}; add --body CODE")
    return rounds[0]


def registries(session: Session, round_id: int) -> list[CaseRegistry]:
    return list(
        session.exec(
            select(CaseRegistry)
            .where(CaseRegistry.round_id == round_id)
            .order_by(col(CaseRegistry.id))
        ).all()
    )


def stratum_totals(session: Session, round_id: int) -> list[StratumTotal]:
    rows = session.exec(
        select(Enterprise.code, ServiceCase.stratum, func.count())
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(ServiceCase.round_id == round_id)
        .group_by(Enterprise.code, ServiceCase.stratum)
        .order_by(Enterprise.code, ServiceCase.stratum)
    ).all()
    return [StratumTotal(e, s, int(n)) for e, s, n in rows]


def masked_cases(
    session: Session, round_id: int, keys: KeyMaterial, limit: int = 20
) -> list[MaskedCase]:
    rows = session.exec(
        select(ServiceCase, Enterprise.code)
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(ServiceCase.round_id == round_id)
        .order_by(col(ServiceCase.id))
        .limit(limit)
    ).all()
    ring = keys.keyring
    return [
        MaskedCase(
            case_id=case.case_id,
            enterprise=ent,
            stratum=case.stratum,
            phone=mask_phone(ring.decrypt(case.phone_enc)) if case.phone_enc else None,
            email=mask_email(ring.decrypt(case.email_enc)) if case.email_enc else None,
        )
        for case, ent in rows
    ]


def purge_contact_data(
    session: Session, older_than: timedelta, actor: str, now: datetime | None = None
) -> tuple[int, int]:
    """Erase contact details of cases imported before ``now - older_than``.

    The cases themselves stay (scores and KPIs need them); only what identifies a person goes.
    Returns (cases purged, quarantined rows purged).
    """
    cutoff = (now or utcnow()) - older_than
    old_registries = select(CaseRegistry.id).where(col(CaseRegistry.imported_at) < cutoff)
    moment = now or utcnow()
    cases = session.exec(
        update(ServiceCase)
        .where(col(ServiceCase.registry_id).in_(old_registries))
        .where(col(ServiceCase.pii_purged_at).is_(None))
        .values(phone_enc=None, email_enc=None, contact_hash=None, pii_purged_at=moment)
    ).rowcount
    quarantined = session.exec(
        update(QuarantinedRow)
        .where(col(QuarantinedRow.registry_id).in_(old_registries))
        .where(col(QuarantinedRow.raw_enc) != "")
        .values(raw_enc="")
    ).rowcount
    append(
        session,
        actor=actor,
        action="registry.purge_contact_data",
        object_type="registry",
        object_id="*",
        details={"cutoff": cutoff.isoformat(), "cases": cases, "quarantined_rows": quarantined},
    )
    return int(cases), int(quarantined)
