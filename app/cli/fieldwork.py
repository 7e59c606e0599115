"""``tianping fieldwork``: invitations (SMS / e-mail / QR sheet), reminders, delivery status.

Clear tokens exist only while a command runs: ``invite`` hands each to its channel at once
(or prints it on the QR sheet); ``remind`` issues fresh tokens for the links it sends.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import typer

from app.cli.context import state
from app.db.engine import make_engine, read_session
from app.db.types import utcnow
from app.domain.fieldwork.channels import CsvOutboxGateway, HttpSmsGateway, SmsGateway, SmtpMailer
from app.domain.fieldwork.delivery import DeliveryReport, deliver
from app.domain.fieldwork.invitations import start_fieldwork
from app.domain.fieldwork.progress import outbox_summary, response_counts
from app.domain.fieldwork.qr_sheet import qr_sheet_pdf
from app.domain.fieldwork.reminders import issue_reminders
from app.errors import ConfigurationError
from app.secrets import load_key_material

app = typer.Typer(
    help="Fieldwork: invite sampled consumers, remind non-respondents, delivery status.",
    no_args_is_help=True,
)

RoundOpt = Annotated[int, typer.Option("--round", help="Round id.")]
LinkOpt = Annotated[
    str, typer.Option("--link-base", help="Public address of the survey, e.g. https://t.example")
]
SmsCsvOpt = Annotated[
    Path | None,
    typer.Option("--sms-outbox", help="Append SMS to this CSV for your own SMS provider."),
]
SmsUrlOpt = Annotated[str | None, typer.Option("--sms-url", help="HTTP SMS gateway endpoint.")]
SmtpHostOpt = Annotated[str | None, typer.Option("--smtp-host", help="SMTP server for e-mail.")]
SmtpPortOpt = Annotated[int, typer.Option("--smtp-port", help="SMTP port.")]
SmtpFromOpt = Annotated[str, typer.Option("--smtp-from", help="Sender address.")]
LangOpt = Annotated[str, typer.Option("--lang", help="Message language: zh or en.")]


def _sms(outbox: Path | None, url: str | None) -> SmsGateway | None:
    if outbox and url:
        raise ConfigurationError("choose one SMS route: --sms-outbox FILE or --sms-url URL")
    if outbox:
        return CsvOutboxGateway(outbox)
    return HttpSmsGateway(url) if url else None


def _lang(value: str) -> Literal["zh", "en"]:
    if value not in ("zh", "en"):
        raise ConfigurationError(f"--lang {value!r}: use zh or en")
    return "en" if value == "en" else "zh"


def _print(report: DeliveryReport) -> None:
    typer.echo(f"sent {report.sent}, skipped {report.skipped}, failed {report.failed}")


@app.command()
def invite(
    ctx: typer.Context,
    round_id: RoundOpt,
    link_base: LinkOpt,
    channel: Annotated[str, typer.Option(help="sms, email or qr.")] = "sms",
    days: Annotated[int, typer.Option(help="Links expire after this many days.", min=1)] = 14,
    qr_pdf: Annotated[
        Path | None, typer.Option("--qr-pdf", help="With --channel qr: the PDF sheet to write.")
    ] = None,
    sms_outbox: SmsCsvOpt = None,
    sms_url: SmsUrlOpt = None,
    smtp_host: SmtpHostOpt = None,
    smtp_port: SmtpPortOpt = 25,
    smtp_from: SmtpFromOpt = "survey@localhost",
    lang: LangOpt = "zh",
) -> None:
    """Issue one-time links for every sampled case and send them (round → fieldwork)."""
    if channel not in ("sms", "email", "qr"):
        raise ConfigurationError(f"--channel {channel!r}: use sms, email or qr")
    if channel == "qr" and qr_pdf is None:
        raise ConfigurationError("--channel qr needs --qr-pdf FILE for the printable sheet")
    settings = state(ctx).settings
    keys = load_key_material(settings)
    sms = _sms(sms_outbox, sms_url)
    mailer = SmtpMailer(smtp_host, smtp_port, smtp_from) if smtp_host else None
    if channel == "sms" and sms is None:
        raise ConfigurationError("--channel sms needs --sms-outbox FILE or --sms-url URL")
    if channel == "email" and mailer is None:
        raise ConfigurationError("--channel email needs --smtp-host")
    engine = make_engine(settings.effective_database_url)
    try:
        issued = start_fieldwork(
            engine,
            round_id=round_id,
            actor="cli",
            channel=channel,  # type: ignore[arg-type]
            expires_at=utcnow() + timedelta(days=days),
        )
        typer.echo(f"issued {len(issued)} invitations")
        if channel == "qr" and qr_pdf is not None:
            cards = qr_sheet_pdf(issued, link_base=link_base, title="服务评价", out=qr_pdf)
            typer.echo(f"wrote {cards} QR cards to {qr_pdf}")
            return
        _print(
            deliver(
                engine,
                issued,
                number=0,
                keyring=keys.keyring,
                link_base=link_base,
                sms=sms,
                mailer=mailer,
                lang=_lang(lang),
            )
        )
    finally:
        engine.dispose()


@app.command()
def remind(
    ctx: typer.Context,
    round_id: RoundOpt,
    link_base: LinkOpt,
    max_reminders: Annotated[int, typer.Option("--max", help="Reminders per consumer.")] = 2,
    spacing_days: Annotated[float, typer.Option("--spacing-days", help="Days between.")] = 3.0,
    sms_outbox: SmsCsvOpt = None,
    sms_url: SmsUrlOpt = None,
    smtp_host: SmtpHostOpt = None,
    smtp_port: SmtpPortOpt = 25,
    smtp_from: SmtpFromOpt = "survey@localhost",
    lang: LangOpt = "zh",
) -> None:
    """Remind non-respondents who are due (count and spacing); opted-out consumers never."""
    settings = state(ctx).settings
    keys = load_key_material(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        due = issue_reminders(
            engine,
            round_id=round_id,
            max_reminders=max_reminders,
            spacing=timedelta(days=spacing_days),
            actor="cli",
        )
        mailer = SmtpMailer(smtp_host, smtp_port, smtp_from) if smtp_host else None
        sms = _sms(sms_outbox, sms_url)
        for number in sorted({n for n, _ in due}):
            batch = [inv for n, inv in due if n == number]
            _print(
                deliver(
                    engine,
                    batch,
                    number=number,
                    keyring=keys.keyring,
                    link_base=link_base,
                    sms=sms,
                    mailer=mailer,
                    lang=_lang(lang),
                )
            )
        if not due:
            typer.echo("no reminders due")
    finally:
        engine.dispose()


@app.command()
def status(ctx: typer.Context, round_id: RoundOpt) -> None:
    """Response counts per enterprise and stratum, and messages by status."""
    settings = state(ctx).settings
    engine = make_engine(settings.effective_database_url)
    try:
        with read_session(engine) as session:
            counts = response_counts(session, round_id)
            outbox = outbox_summary(session, round_id)
    finally:
        engine.dispose()
    for c in counts:
        typer.echo(
            f"{c.enterprise_code}\t{c.stratum or '-'}\tsampled {c.sampled}\tinvited {c.invited}"
            f"\tresponded {c.responded}\t{c.rate:.0%}"
        )
    for (number, state_name), n in sorted(outbox.items()):
        kind = "invitation" if number == 0 else f"reminder {number}"
        typer.echo(f"{kind}\t{state_name}\t{n}")
