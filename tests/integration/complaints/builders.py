"""Complaints written straight into a round's registry (local Beijing times), for the tests
of the complaint service, page and report section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from secrets import token_hex
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from app.db.engine import write_session
from app.db.models import CaseRegistry, ServiceCase
from app.pii import Keyring

LOCAL = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL)  # a working Monday


@dataclass(frozen=True)
class Case:
    case_id: str
    cls: str | None = "general"
    opened: datetime | None = MONDAY
    first: float | None = None  # hours after opening
    assessed: float | None = None
    followed: float | None = None
    resolved: float | None = None
    closed: float | None = None
    extended: bool = False
    category: str | None = None
    phone: str | None = None
    stratum: str = "online"
    complaint: bool | None = True


def _after(opened: datetime | None, hours: float | None) -> datetime | None:
    return None if opened is None or hours is None else opened + timedelta(hours=hours)


def add_cases(
    engine: Engine, round_id: int, enterprise_id: int, cases: list[Case], ring: Keyring
) -> None:
    with write_session(engine) as s:
        reg = CaseRegistry(
            round_id=round_id, file_name=f"e{enterprise_id}.csv", file_sha256=token_hex(32)
        )
        s.add(reg)
        s.flush()
        for c in cases:
            s.add(
                ServiceCase(
                    registry_id=reg.id or 0,
                    round_id=round_id,
                    enterprise_id=enterprise_id,
                    case_id=c.case_id,
                    stratum=c.stratum,
                    phone_enc=ring.encrypt(c.phone) if c.phone else None,
                    opened_at=c.opened,
                    first_response_at=_after(c.opened, c.first),
                    assessed_at=_after(c.opened, c.assessed),
                    followed_up_at=_after(c.opened, c.followed),
                    resolved_at=_after(c.opened, c.resolved),
                    closed_at=_after(c.opened, c.closed),
                    extended=c.extended,
                    complaint=c.complaint,
                    complaint_class=c.cls,
                    category=c.category,
                )
            )
