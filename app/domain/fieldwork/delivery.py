"""Sending invitations and reminders, each exactly once, with the delivery status recorded.

A message is claimed by inserting its outbox row (UNIQUE invitation + number) before it is
sent: a retry, a second process or a re-run finds the row and does not send again. Contact
details are decrypted only here, one at a time, and never logged. Opted-out invitations and
answered ones are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db.engine import read_session, write_session
from app.db.models.draw import SampledCase
from app.db.models.fieldwork import OutboxMessage
from app.db.models.invitation import Invitation
from app.db.models.registry import ServiceCase
from app.db.types import utcnow
from app.domain.fieldwork.channels import DeliveryError, SmsGateway, SmtpMailer
from app.domain.fieldwork.invitations import IssuedInvitation
from app.pii import Keyring

Lang = Literal["zh", "en"]
TEXTS: dict[Lang, dict[str, str]] = {
    "zh": {
        "sms": "【服务评价】您好，请花 3 分钟评价您近期的售后服务（匿名）：{link} "
        "退订请点击 {stop}",
        "subject": "请评价您近期的售后服务",
        "mail": "您好：\n\n独立第三方评价机构邀请您花 3 分钟评价近期的售后服务。"
        "您的回答是匿名的。\n\n{link}\n\n不想再收到提醒：{stop}\n",
    },
    "en": {
        "sms": "Service survey: please take 3 minutes to rate your recent service "
        "(anonymous): {link} Stop messages: {stop}",
        "subject": "Please rate your recent service",
        "mail": "Hello,\n\nAn independent evaluation body invites you to rate your recent "
        "service (3 minutes, anonymous).\n\n{link}\n\nNo more reminders: {stop}\n",
    },
}


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    skipped: int
    failed: int


def _claim(engine: Engine, invitation_id: int, number: int, channel: str) -> bool:
    """Insert the outbox row; False when this message was already claimed (never send twice)."""
    try:
        with write_session(engine) as session:
            session.add(OutboxMessage(invitation_id=invitation_id, number=number, channel=channel))
    except IntegrityError:
        return False
    return True


def _finish(engine: Engine, invitation_id: int, number: int, error: str | None) -> None:
    now = utcnow()
    with write_session(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.invitation_id) == invitation_id,
                col(OutboxMessage.number) == number,
            )
            .values(
                status="failed" if error else "sent",
                attempts=OutboxMessage.attempts + 1,
                last_error=(error or "")[:500],
                sent_at=None if error else now,
            )
        )
        if error is None:
            values: dict[str, object] = {"sent_at": now}
            if number == 0:
                values["status"] = "sent"
            session.execute(
                update(Invitation)
                .where(col(Invitation.id) == invitation_id, col(Invitation.status) == "pending")
                .values(**values)
            )


def deliver(
    engine: Engine,
    issued: Sequence[IssuedInvitation],
    *,
    number: int,
    keyring: Keyring,
    link_base: str,
    sms: SmsGateway | None = None,
    mailer: SmtpMailer | None = None,
    lang: Lang = "zh",
) -> DeliveryReport:
    """Send message ``number`` (0 = invitation, 1.. = reminders) for each issued token."""
    sent = skipped = failed = 0
    texts = TEXTS[lang]
    for inv in issued:
        with read_session(engine) as session:
            row = session.exec(
                select(
                    Invitation.status,
                    Invitation.channel,
                    ServiceCase.phone_enc,
                    ServiceCase.email_enc,
                )
                .join(SampledCase, col(SampledCase.id) == col(Invitation.sampled_case_id))
                .join(ServiceCase, col(ServiceCase.id) == col(SampledCase.case_pk))
                .where(Invitation.id == inv.invitation_id)
            ).first()
        if row is None or row[0] in ("answered", "opted_out", "expired"):
            skipped += 1
            continue
        _status, channel, phone_enc, email_enc = row
        contact_enc = phone_enc if channel == "sms" else email_enc
        if (
            contact_enc is None
            or channel == "qr"
            or not _claim(engine, inv.invitation_id, number, channel)
        ):
            skipped += 1
            continue
        link = f"{link_base.rstrip('/')}/s/{inv.token}"
        stop = f"{link_base.rstrip('/')}/optout/{inv.token}"
        error: str | None = None
        try:
            contact = keyring.decrypt(contact_enc)
            if channel == "sms":
                if sms is None:
                    raise DeliveryError("no SMS gateway configured")
                sms.send_sms(contact, texts["sms"].format(link=link, stop=stop))
            else:
                if mailer is None:
                    raise DeliveryError("no SMTP server configured")
                mailer.send_mail(
                    contact, texts["subject"], texts["mail"].format(link=link, stop=stop)
                )
        except DeliveryError as exc:
            error = str(exc)
        _finish(engine, inv.invitation_id, number, error)
        if error:
            failed += 1
        else:
            sent += 1
    return DeliveryReport(sent, skipped, failed)
