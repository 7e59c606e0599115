"""What the assessor records findings from: each enterprise's scorecard in the round."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise
from app.domain.rectification.escalation import rectification_status
from app.domain.rounds.service import get_round


@dataclass(frozen=True)
class ScorecardTargets:
    enterprise_id: int
    enterprise_code: str
    enterprise_name: str
    composite: float | None
    grade: str | None
    # (dimension code, estimate) from the lowest score up: the likeliest findings first.
    dimensions: list[tuple[str, float | None]]
    kpis: list[str]
    status: str


def _estimate(value: Any) -> float | None:
    if isinstance(value, Mapping) and value.get("estimate") is not None:
        return float(value["estimate"])
    return None


def scorecard_targets(
    session: Session, round_id: int, body_id: int | None
) -> list[ScorecardTargets]:
    get_round(session, round_id, body_id)
    rows = session.exec(
        select(Scorecard, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Scorecard.enterprise_id))
        .where(Scorecard.round_id == round_id)
        .order_by(col(Enterprise.code))
    ).all()
    out = []
    for card, ent in rows:
        section: Mapping[str, Any] = card.content.get("enterprise") or {}
        grade = section.get("grade")
        if isinstance(grade, Mapping):
            grade = grade.get("grade")
        dims = [(code, _estimate(v)) for code, v in (section.get("dimensions") or {}).items()]
        dims.sort(key=lambda d: (d[1] is None, d[1] if d[1] is not None else 0.0))
        out.append(
            ScorecardTargets(
                enterprise_id=ent.id or 0,
                enterprise_code=ent.code,
                enterprise_name=ent.name,
                composite=_estimate(section.get("composite")),
                grade=str(grade) if grade is not None else None,
                dimensions=dims,
                kpis=sorted(section.get("kpis") or {}),
                status=rectification_status(session, round_id, ent.id or 0),
            )
        )
    return out
