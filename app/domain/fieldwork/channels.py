"""Delivery channels: SMS through a pluggable gateway, e-mail through SMTP.

Gateways receive a phone number or address only at send time (decrypted by the caller just
before the call) and must not log it. ``CsvOutboxGateway`` writes the messages to a CSV file
for an evaluation body that sends through its own SMS provider.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import httpx

from app.errors import TianpingError


class DeliveryError(TianpingError):
    """A gateway refused or could not take a message (the outbox records it as failed)."""


class SmsGateway(Protocol):
    def send_sms(self, phone: str, text: str) -> None: ...


@dataclass
class HttpSmsGateway:
    """POSTs ``{"to": phone, "text": text}`` as JSON to a provider's endpoint."""

    url: str
    api_key: str = ""
    timeout: float = 10.0

    def send_sms(self, phone: str, text: str) -> None:
        headers = {"authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(
                self.url, json={"to": phone, "text": text}, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway unreachable ({type(exc).__name__})") from None
        if response.status_code >= 300:
            raise DeliveryError(f"SMS gateway answered HTTP {response.status_code}")


@dataclass
class CsvOutboxGateway:
    """Appends ``phone,text`` rows to a CSV file for the body's own SMS provider."""

    path: Path

    def send_sms(self, phone: str, text: str) -> None:
        new = not self.path.exists()
        with self.path.open("a", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            if new:
                writer.writerow(["phone", "text"])
            writer.writerow([phone, text])


@dataclass
class RecordingGateway:
    """Keeps messages in memory (tests and dry runs)."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send_sms(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))


@dataclass
class SmtpMailer:
    """Sends e-mail with aiosmtplib (one connection per message; fieldwork volumes are small)."""

    host: str
    port: int = 25
    sender: str = "survey@localhost"
    username: str | None = None
    password: str | None = None
    start_tls: bool = False

    def send_mail(self, address: str, subject: str, text: str) -> None:
        import asyncio

        import aiosmtplib

        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = address
        message["Subject"] = subject
        message.set_content(text)
        try:
            asyncio.run(
                aiosmtplib.send(
                    message,
                    hostname=self.host,
                    port=self.port,
                    username=self.username,
                    password=self.password,
                    start_tls=self.start_tls,
                )
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP server refused the message ({type(exc).__name__})") from None
