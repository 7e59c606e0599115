"""Public certificate lookup: what anyone holding a certificate number may learn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlmodel import Session, select

from app.db.models.certificate import Certificate
from app.db.models.tenancy import Enterprise

Status = Literal["valid", "revoked", "expired", "superseded", "unknown"]


@dataclass(frozen=True, slots=True)
class Verification:
    number: str
    status: Status
    enterprise: str | None = None
    valid_until: date | None = None
    reason: str | None = None
    superseded_by: str | None = None
    facts: dict[str, Any] | None = None


def certificate_status(cert: Certificate, today: date) -> Status:
    if cert.status == "revoked":
        return "revoked"
    if cert.status == "superseded":
        return "superseded"
    if cert.valid_until < today:
        return "expired"
    return "valid"


def verify_number(session: Session, number: str, today: date) -> Verification:
    number = number.strip()
    cert = session.exec(select(Certificate).where(Certificate.number == number)).first()
    if cert is None:
        return Verification(number=number, status="unknown")
    enterprise = session.get(Enterprise, cert.enterprise_id)
    successor = session.get(Certificate, cert.superseded_by_id) if cert.superseded_by_id else None
    return Verification(
        number=cert.number,
        status=certificate_status(cert, today),
        enterprise=enterprise.name if enterprise else None,
        valid_until=cert.valid_until,
        reason=cert.revoke_reason if cert.status == "revoked" else None,
        superseded_by=successor.number if successor else None,
        facts=cert.facts,
    )
