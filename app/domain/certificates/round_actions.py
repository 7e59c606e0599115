"""Certificate actions as the assessor's screens and the API see them: scoped to a round of the
caller's evaluation body, so a certificate number of another body or round is not found."""

from __future__ import annotations

from sqlmodel import Session

from app.db.models.certificate import Certificate
from app.domain.certificates.issuance import certificate_by_number
from app.domain.certificates.lifecycle import revoke_certificate
from app.domain.rounds.service import get_round
from app.errors import ConflictError, NotFoundError, TianpingError


def certificate_in_round(session: Session, round_id: int, body_id: int, number: str) -> Certificate:
    get_round(session, round_id, body_id)  # NotFound for another body's round
    try:
        cert = certificate_by_number(session, number.strip())
    except NotFoundError:
        cert = None
    if cert is None or cert.round_id != round_id:
        raise NotFoundError(f"no certificate {number} in this round")
    return cert


def revoke_in_round(
    session: Session, *, round_id: int, body_id: int, number: str, reason: str, actor: str
) -> Certificate:
    certificate_in_round(session, round_id, body_id, number)
    return revoke_certificate(session, number.strip(), reason, actor)


def check_supersedable(
    session: Session, *, round_id: int, body_id: int, number: str, reason: str
) -> Certificate:
    """Refuse at once what the (slow, background) re-issue would refuse after rendering."""
    cert = certificate_in_round(session, round_id, body_id, number)
    if cert.status != "valid":
        raise ConflictError(
            f"certificate {cert.number} is {cert.status}; only a valid certificate can be "
            "superseded"
        )
    if not reason.strip():
        raise TianpingError("give a reason for superseding; it is shown on the verification page")
    return cert
