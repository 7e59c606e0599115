"""The signed PDF reports stored at issuance, and who may download which.

Issuance writes ``<data_dir>/reports/<number>.pdf`` and records its SHA-256 on the certificate.
A download re-checks that digest: a file changed on disk after issuance is refused instead of
being handed out as the certified report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from app.db.models.certificate import Certificate
from app.db.models.round import EvaluationRound
from app.domain.certificates.issuance import certificate_by_number
from app.domain.portal.scorecards import VISIBLE_STATES
from app.errors import ConflictError, NotFoundError

_VISIBLE = {s.value for s in VISIBLE_STATES}


@dataclass(frozen=True, slots=True)
class ReportFile:
    number: str
    path: Path
    download_name: str


@dataclass(frozen=True, slots=True)
class CertificateRow:
    number: str
    status: str


def _certificate(session: Session, number: str) -> Certificate | None:
    try:
        return certificate_by_number(session, number.strip())
    except NotFoundError:
        return None


def viewer_certificate(session: Session, enterprise_id: int, number: str) -> Certificate:
    """A certificate of the viewer's own enterprise in a published round; NotFound otherwise."""
    cert = _certificate(session, number)
    rnd = session.get(EvaluationRound, cert.round_id) if cert else None
    if (
        cert is None
        or rnd is None
        or cert.enterprise_id != enterprise_id
        or rnd.state not in _VISIBLE
    ):
        raise NotFoundError(f"no report {number}")
    return cert


def staff_certificate(session: Session, body_id: int, round_id: int, number: str) -> Certificate:
    """A certificate of a round of the assessor's body; NotFound otherwise."""
    cert = _certificate(session, number)
    rnd = session.get(EvaluationRound, round_id)
    if cert is None or rnd is None or rnd.body_id != body_id or cert.round_id != round_id:
        raise NotFoundError(f"no certificate {number} in this round")
    return cert


def report_file(cert: Certificate, reports_dir: Path) -> ReportFile:
    """The stored PDF of a certificate, after checking it is the one that was issued."""
    path = reports_dir / f"{cert.number}.pdf"
    if not cert.pdf_sha256 or not path.is_file():
        raise NotFoundError(f"the report of certificate {cert.number} is not stored on this server")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != cert.pdf_sha256:
        raise ConflictError(
            f"the stored report of certificate {cert.number} does not match the issued one; "
            "ask the evaluation body to re-issue it"
        )
    return ReportFile(cert.number, path, f"{cert.number}.pdf")


def enterprise_round_certificates(
    session: Session, enterprise_id: int, round_id: int
) -> list[CertificateRow]:
    """The enterprise's certificates of one round, newest first (valid, superseded, revoked)."""
    rows = session.exec(
        select(Certificate.number, Certificate.status)
        .where(Certificate.enterprise_id == enterprise_id, Certificate.round_id == round_id)
        .order_by(col(Certificate.issued_at).desc(), col(Certificate.id).desc())
    ).all()
    return [CertificateRow(n, s) for n, s in rows]
