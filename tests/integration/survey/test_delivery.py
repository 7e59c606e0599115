"""Delivery: SMS outbox and gateway, e-mail over a real local SMTP server, reminders,
opt-out, QR sheets — each message sent once, contact details never stored in clear."""

from __future__ import annotations

import csv
import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import read_session, write_session
from app.db.models import Invitation, OutboxMessage, SampledCase, ServiceCase
from app.db.types import utcnow
from app.domain.fieldwork.channels import CsvOutboxGateway, RecordingGateway, SmtpMailer
from app.domain.fieldwork.delivery import deliver
from app.domain.fieldwork.errors import InvalidTokenError
from app.domain.fieldwork.invitations import IssuedInvitation, start_fieldwork
from app.domain.fieldwork.progress import outbox_summary
from app.domain.fieldwork.qr_sheet import qr_sheet_pdf
from app.domain.fieldwork.reminders import issue_reminders, opt_out
from app.domain.fieldwork.submission import submit_response
from app.pii import Keyring
from tests.integration.survey.builders import build_sampled_round, full_answers

LINK = "https://survey.example"


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(keys={"k1": os.urandom(32)}, active="k1")


def _with_contacts(
    engine: Engine, keyring: Keyring, channel: str
) -> tuple[int, list[IssuedInvitation]]:
    built = build_sampled_round(engine, enterprises=1, cases_per_stratum=2)
    with write_session(engine) as s:
        for case in s.exec(select(ServiceCase)).all():
            case.phone_enc = keyring.encrypt(f"1380000{case.id:04d}")
            case.email_enc = keyring.encrypt(f"c{case.id}@example.org")
            s.add(case)
    issued = start_fieldwork(
        engine,
        round_id=built.round_id,
        actor="ann",
        channel=channel,  # type: ignore[arg-type]
        expires_at=utcnow() + timedelta(days=7),
    )
    return built.round_id, issued


def test_sms_is_sent_once_even_when_delivery_is_retried(
    engine: Engine, keyring: Keyring, tmp_path: Path
) -> None:
    round_id, issued = _with_contacts(engine, keyring, "sms")
    outbox = tmp_path / "sms.csv"
    gateway = CsvOutboxGateway(outbox)
    first = deliver(engine, issued, number=0, keyring=keyring, link_base=LINK, sms=gateway)
    again = deliver(engine, issued, number=0, keyring=keyring, link_base=LINK, sms=gateway)
    assert (first.sent, again.sent, again.skipped) == (4, 0, 4)
    with outbox.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert all(r["phone"].startswith("1380000") for r in rows)
    assert {r["text"].split(f"{LINK}/s/")[1].split()[0] for r in rows} == {i.token for i in issued}
    with read_session(engine) as s:
        assert outbox_summary(s, round_id) == {(0, "sent"): 4}
        statuses = {i.status for i in s.exec(select(Invitation)).all()}
    assert statuses == {"sent"}


def test_failed_gateway_is_recorded_and_nothing_is_logged(
    engine: Engine, keyring: Keyring, caplog: pytest.LogCaptureFixture
) -> None:
    round_id, issued = _with_contacts(engine, keyring, "sms")
    report = deliver(engine, issued, number=0, keyring=keyring, link_base=LINK, sms=None)
    assert report.failed == 4
    with read_session(engine) as s:
        assert outbox_summary(s, round_id) == {(0, "failed"): 4}
    assert "1380000" not in caplog.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_email_goes_through_a_real_smtp_server(
    engine: Engine, keyring: Keyring, smtp: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp
    _, issued = _with_contacts(engine, keyring, "email")
    mailer = SmtpMailer("127.0.0.1", port, "survey@body.example")
    report = deliver(
        engine, issued, number=0, keyring=keyring, link_base=LINK, mailer=mailer, lang="en"
    )
    assert report.sent == 4
    assert len(inbox.messages) == 4
    first = inbox.messages[0]
    assert first["To"].endswith("@example.org")
    assert f"{LINK}/s/" in first.get_payload()


def test_reminders_respect_count_spacing_responses_and_opt_out(
    engine: Engine, keyring: Keyring
) -> None:
    round_id, issued = _with_contacts(engine, keyring, "sms")
    gateway = RecordingGateway()
    deliver(engine, issued, number=0, keyring=keyring, link_base=LINK, sms=gateway)
    submit_response(engine, token=issued[0].token, answers=full_answers(), idempotency_key="k")
    opt_out(engine, issued[1].token)
    spacing = timedelta(days=3)
    assert issue_reminders(
        engine, round_id=round_id, max_reminders=2, spacing=spacing, actor="a"
    ) == []  # fmt: skip
    with write_session(engine) as s:  # three days pass
        s.execute(update(Invitation).values(sent_at=utcnow() - timedelta(days=4)))
    due = issue_reminders(engine, round_id=round_id, max_reminders=1, spacing=spacing, actor="a")
    assert sorted(inv.invitation_id for _, inv in due) == sorted(
        i.invitation_id for i in issued[2:]
    )
    report = deliver(
        engine, [inv for _, inv in due], number=1, keyring=keyring, link_base=LINK, sms=gateway
    )
    assert report.sent == 2
    assert len(gateway.sent) == 4 + 2
    # The reminder's new link opens the same invitation; the first link still works too.
    new_token = due[0][1].token
    receipt = submit_response(engine, token=new_token, answers=full_answers(), idempotency_key="r")
    again = submit_response(
        engine,
        token=next(i.token for i in issued if i.invitation_id == due[0][1].invitation_id),
        answers=full_answers(),
        idempotency_key="r2",
    )
    assert again.receipt == receipt.receipt
    with write_session(engine) as s:
        s.execute(update(Invitation).values(sent_at=utcnow() - timedelta(days=4)))
    assert issue_reminders(
        engine, round_id=round_id, max_reminders=1, spacing=spacing, actor="a"
    ) == []  # fmt: skip
    with read_session(engine) as s:
        assert outbox_summary(s, round_id) == {(0, "sent"): 4, (1, "sent"): 2}
        opted = s.get(Invitation, issued[1].invitation_id)
    assert opted is not None
    assert opted.status == "opted_out"
    with pytest.raises(InvalidTokenError):
        opt_out(engine, "nonsense-token-" + "x" * 30)


def test_qr_sheet_holds_one_card_per_invitation(
    engine: Engine, keyring: Keyring, tmp_path: Path
) -> None:
    _, issued = _with_contacts(engine, keyring, "qr")
    out = tmp_path / "qr.pdf"
    assert qr_sheet_pdf(issued, link_base=LINK, title="售后服务评价", out=out) == 4
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    with read_session(engine) as s:
        case_count = len(s.exec(select(SampledCase)).all())
        outbox = s.exec(select(OutboxMessage)).all()
    assert case_count == 4
    assert outbox == []  # paper needs no delivery record
