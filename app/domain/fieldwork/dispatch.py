"""Hand the first invitations to a channel right after fieldwork starts (used by the web app).

The clear tokens exist only in memory at this point, so they must reach a channel at once:
SMS goes to the CSV outbox for the body's own SMS provider, QR links to a printable PDF sheet,
both under ``<data_dir>/outbox/`` (mode 0700: the files hold contact details and live links).
E-mail needs an SMTP server, which the web app does not configure; use the CLI for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from app.config import Settings
from app.domain.fieldwork.channels import CsvOutboxGateway
from app.domain.fieldwork.delivery import deliver
from app.domain.fieldwork.invitations import IssuedInvitation
from app.domain.fieldwork.qr_sheet import qr_sheet_pdf
from app.errors import ConfigurationError
from app.secrets import load_key_material

WEB_CHANNELS = ("sms", "qr")


@dataclass(frozen=True)
class Dispatched:
    path: Path
    messages: int


def check_web_channel(channel: str) -> None:
    if channel not in WEB_CHANNELS:
        raise ConfigurationError(
            "e-mail invitations need an SMTP server; send them with `tianping fieldwork invite "
            "--channel email --smtp-host …`, or choose SMS (outbox file) or QR here"
        )


def dispatch_invitations(
    engine: Engine,
    issued: Sequence[IssuedInvitation],
    *,
    channel: str,
    round_id: int,
    settings: Settings,
) -> Dispatched:
    check_web_channel(channel)
    folder = settings.data_dir / "outbox"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if channel == "qr":
        path = folder / f"round-{round_id}-qr.pdf"
        cards = qr_sheet_pdf(
            issued,
            link_base=settings.public_base_url,
            title="服务评价 · Service evaluation",
            out=path,
        )
        return Dispatched(path, cards)
    path = folder / f"round-{round_id}-sms.csv"
    report = deliver(
        engine,
        issued,
        number=0,
        keyring=load_key_material(settings).keyring,
        link_base=settings.public_base_url,
        sms=CsvOutboxGateway(path),
    )
    return Dispatched(path, report.sent)
