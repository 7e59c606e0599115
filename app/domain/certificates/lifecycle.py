"""After issuance: revoking a certificate (with a reason) and superseding it by a re-issue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.models.certificate import Certificate
from app.db.types import utcnow
from app.domain.audit.chain import append
from app.domain.certificates.issuance import (
    IssuedCertificate,
    Lang,
    certificate_by_number,
    gather,
    render_all,
    sign_all,
)
from app.domain.rounds.lifecycle import RoundState
from app.errors import ConflictError
from app.keys_store import KeyStore
from app.workdays import workday_calendar

MAX_REASON = 1000


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ConflictError("give a reason; it is shown on the public verification page")
    if len(reason) > MAX_REASON:
        raise ConflictError(f"the reason is {len(reason)} characters; keep it under {MAX_REASON}")
    return reason


def _require_valid(cert: Certificate) -> None:
    if cert.status != "valid":
        raise ConflictError(f"certificate {cert.number} is already {cert.status}")


def revoke_certificate(session: Session, number: str, reason: str, actor: str) -> Certificate:
    """Mark a certificate revoked (in the caller's write transaction)."""
    why = _reason(reason)
    cert = certificate_by_number(session, number.strip())
    _require_valid(cert)
    cert.status = "revoked"
    cert.revoke_reason = why
    cert.revoked_at = utcnow()
    session.add(cert)
    session.flush()
    append(
        session,
        actor=actor,
        action="certificate.revoke",
        object_type="certificate",
        object_id=cert.id or 0,
        reason=why,
        details={"number": cert.number},
    )
    return cert


def supersede_certificate(
    engine: Engine,
    number: str,
    reason: str,
    actor: str,
    *,
    settings: Settings,
    approver_id: int,
    lang: Lang = "zh",
    valid_days: int = 365,
    out_dir: Path | None = None,
    today: date | None = None,
    verify_base_url: str | None = None,
) -> IssuedCertificate:
    """Re-issue the enterprise's report from its current scorecard under a new number; the
    old certificate becomes ``superseded`` and points to the new one."""
    why = _reason(reason)
    today = today or date.today()
    valid_until = today + timedelta(days=valid_days)
    keys = KeyStore.for_settings(settings)
    with read_session(engine) as session:
        old = certificate_by_number(session, number.strip())
        _require_valid(old)
        plan = gather(
            session, old.round_id, approver_id, RoundState.ISSUED, workday_calendar(settings)
        )
    plan = replace(
        plan, enterprises=tuple(e for e in plan.enterprises if e[0] == old.enterprise_id)
    )
    signed = sign_all(plan, keys, today, valid_until)
    files = render_all(
        plan,
        signed,
        keys,
        out_dir or settings.data_dir / "reports",
        lang,
        verify_base_url or settings.public_base_url,
    )
    ((ent_id, code, _, card_id), facts), (path, digest) = signed[0], files[0]
    try:
        with write_session(engine) as session:
            previous = certificate_by_number(session, number.strip())
            _require_valid(previous)
            new = Certificate(
                number=facts.facts["number"],
                round_id=previous.round_id,
                enterprise_id=ent_id,
                scorecard_id=card_id,
                facts=facts.facts,
                signature=facts.signature,
                key_id=facts.key_id,
                pdf_sha256=digest,
                valid_until=valid_until,
                issued_by=approver_id,
            )
            session.add(new)
            session.flush()
            previous.status = "superseded"
            previous.superseded_by_id = new.id
            previous.revoke_reason = why
            session.add(previous)
            append(
                session,
                actor=actor,
                action="certificate.supersede",
                object_type="certificate",
                object_id=previous.id or 0,
                reason=why,
                details={"number": previous.number, "superseded_by": new.number},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return IssuedCertificate(facts.facts["number"], code, path, digest, valid_until, facts.key_id)
