"""Public certificate lookup: what anyone holding a certificate number may learn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

from app.db.models.certificate import Certificate
from app.db.models.tenancy import Enterprise
from reports.verify import ReportVerification, compare_with_registry, verify_report_pdf

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


@dataclass(frozen=True, slots=True)
class ReportCheck:
    """A report file checked offline (signatures) and against the register (status)."""

    file: ReportVerification
    registry: Verification | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and (self.registry is None or self.registry.status == "valid")


def status_problems(registry: Verification) -> list[str]:
    """Why a registered certificate cannot be relied on (empty when valid)."""
    if registry.status == "valid":
        return []
    if registry.status == "revoked":
        return [
            f"certificate {registry.number} was revoked: {registry.reason or 'no reason given'}"
        ]
    if registry.status == "expired":
        return [f"certificate {registry.number} expired on {registry.valid_until}"]
    if registry.status == "superseded":
        successor = registry.superseded_by or "a newer one"
        return [f"certificate {registry.number} was superseded by {successor}"]
    return [f"certificate {registry.number} is not in the register"]


def check_report(file: ReportVerification, registry: Verification | None) -> ReportCheck:
    """Combine the offline check with a register answer (from the database or online)."""
    problems = list(file.problems)
    if registry is not None:
        problems += status_problems(registry)
        if file.facts is not None and registry.facts:
            problems += compare_with_registry(file.facts, registry.facts)
    return ReportCheck(file, registry, tuple(problems))


def verify_report(
    session: Session,
    pdf: bytes,
    today: date,
    public_keys: Mapping[str, Ed25519PublicKey],
    trust_roots_pem: Sequence[bytes],
) -> ReportCheck:
    """The web ``/verify`` upload and ``tianping report verify`` against the local database."""
    offline = verify_report_pdf(pdf, public_keys, trust_roots_pem)
    registry = verify_number(session, offline.number, today) if offline.number else None
    return check_report(offline, registry)
