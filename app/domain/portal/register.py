"""The public register of issued certificates ("results are made public"), searchable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.db.models.certificate import Certificate
from app.db.models.round import EvaluationRound
from app.db.models.tenancy import Enterprise
from app.domain.certificates.verification import certificate_status

MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    number: str
    enterprise: str
    round_code: str
    round_title: str
    status: str
    grade: str | None
    valid_until: date


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True, slots=True)
class RegisterRound:
    round_id: int
    code: str
    title: str
    certificates: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def register_rounds(session: Session) -> list[RegisterRound]:
    rows = session.exec(
        select(EvaluationRound, func.count(col(Certificate.id)))
        .join(Certificate, col(Certificate.round_id) == col(EvaluationRound.id))
        .group_by(col(EvaluationRound.id))
        .order_by(col(EvaluationRound.period_end).desc(), col(EvaluationRound.id))
    ).all()
    return [RegisterRound(r.id or 0, r.code, r.title, int(n)) for r, n in rows]


def search_register(
    session: Session,
    *,
    today: date,
    round_id: int | None = None,
    query: str = "",
    page: int = 1,
    per_page: int = 20,
) -> Page:
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    stmt = (
        select(Certificate, Enterprise.name, EvaluationRound.code, EvaluationRound.title)
        .join(Enterprise, col(Enterprise.id) == col(Certificate.enterprise_id))
        .join(EvaluationRound, col(EvaluationRound.id) == col(Certificate.round_id))
    )
    if round_id is not None:
        stmt = stmt.where(Certificate.round_id == round_id)
    text = query.strip()[:100]
    if text:
        pattern = f"%{_escape_like(text)}%"
        stmt = stmt.where(
            or_(
                col(Certificate.number).ilike(pattern, escape="\\"),
                col(Enterprise.name).ilike(pattern, escape="\\"),
            )
        )
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Certificate.number)).offset((page - 1) * per_page).limit(per_page)
    ).all()
    items = [
        RegisterEntry(
            number=cert.number,
            enterprise=name,
            round_code=code,
            round_title=title,
            status=certificate_status(cert, today),
            grade=str(cert.facts.get("grade")) if cert.facts.get("grade") is not None else None,
            valid_until=cert.valid_until,
        )
        for cert, name, code, title in rows
    ]
    return Page(items=items, total=int(total), page=page, per_page=per_page)
