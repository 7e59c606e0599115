"""What an enterprise viewer may see: its own scorecards, peers anonymised, small cells hidden.

Every function takes the viewer's ``enterprise_id`` from the session; a scorecard of another
enterprise is simply not found (the same NotFound as a missing one, so ids leak nothing).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.db.models.certificate import Certificate
from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise
from app.domain.rounds.lifecycle import RoundState
from app.errors import NotFoundError

# No breakdown cell is shown with fewer respondents than this (DESIGN §6, issue 6 §3).
MIN_CELL = 5
# Enterprises see results once the round's scores are approved and certificates issued.
VISIBLE_STATES = frozenset(
    {RoundState.ISSUED, RoundState.REVOKED, RoundState.SUPERSEDED, RoundState.EXPIRED}
)
_VISIBLE = [s.value for s in VISIBLE_STATES]


@dataclass(frozen=True, slots=True)
class PortalRound:
    round_id: int
    code: str
    title: str
    period_start: date
    period_end: date
    state: str
    composite: float | None
    grade: str | None
    certificate: str | None


@dataclass(frozen=True, slots=True)
class PortalScorecard:
    round: PortalRound
    enterprise_code: str
    enterprise_name: str
    # DESIGN §3 round document with this enterprise's section and anonymous peers' composites.
    document: dict[str, Any]
    peers: int
    small_sample: bool


def _grade(section: Mapping[str, Any]) -> str | None:
    grade = section.get("grade")
    if isinstance(grade, Mapping):
        value = grade.get("grade")
        return str(value) if value is not None else None
    return str(grade) if grade is not None else None


def _estimate(section: Mapping[str, Any]) -> float | None:
    composite = section.get("composite") or {}
    value = composite.get("estimate") if isinstance(composite, Mapping) else None
    return float(value) if value is not None else None


def own_rounds(session: Session, enterprise_id: int) -> list[PortalRound]:
    rows = session.exec(
        select(Scorecard, EvaluationRound)
        .join(EvaluationRound, col(EvaluationRound.id) == col(Scorecard.round_id))
        .where(Scorecard.enterprise_id == enterprise_id, col(EvaluationRound.state).in_(_VISIBLE))
        .order_by(col(EvaluationRound.period_end).desc())
    ).all()
    certs = {
        c.round_id: c.number
        for c in session.exec(
            select(Certificate).where(
                Certificate.enterprise_id == enterprise_id, Certificate.status == "valid"
            )
        ).all()
    }
    out = []
    for card, rnd in rows:
        section = card.content.get("enterprise", {})
        out.append(
            PortalRound(
                round_id=rnd.id or 0,
                code=rnd.code,
                title=rnd.title,
                period_start=rnd.period_start,
                period_end=rnd.period_end,
                state=rnd.state,
                composite=_estimate(section),
                grade=_grade(section),
                certificate=certs.get(rnd.id or 0),
            )
        )
    return out


def _suppress_small_cells(section: dict[str, Any]) -> bool:
    """Drop every breakdown that could describe fewer than MIN_CELL respondents."""
    responded = int(section.get("responded") or 0)
    small = responded < MIN_CELL
    if small:
        for key in ("item_distributions", "drivers", "domains", "kpis"):
            section.pop(key, None)
        return True
    for column, cells in list((section.get("domains") or {}).items()):
        kept = {}
        for label, cell in cells.items():
            n = (cell.get("composite") or {}).get("n") if isinstance(cell, Mapping) else None
            if cell.get("suppressed") or (n is not None and int(n) < MIN_CELL):
                kept[label] = {"suppressed": True}
            else:
                kept[label] = cell
        section["domains"][column] = kept
    return False


def own_scorecard(session: Session, *, enterprise_id: int, round_id: int) -> PortalScorecard:
    card = session.exec(
        select(Scorecard).where(
            Scorecard.round_id == round_id, Scorecard.enterprise_id == enterprise_id
        )
    ).first()
    rnd = session.get(EvaluationRound, round_id)
    ent = session.get(Enterprise, enterprise_id)
    if card is None or rnd is None or ent is None or rnd.state not in _VISIBLE:
        raise NotFoundError(f"no scorecard for round {round_id}")
    section = copy.deepcopy(card.content.get("enterprise", {}))
    small = _suppress_small_cells(section)
    peers = session.exec(
        select(Scorecard.content)
        .where(Scorecard.round_id == round_id, Scorecard.enterprise_id != enterprise_id)
        .order_by(col(Scorecard.id))
    ).all()
    enterprises: dict[str, Any] = {ent.code: section}
    for i, content in enumerate(peers, start=1):
        composite = (content.get("enterprise") or {}).get("composite")
        if composite:
            # Peers are anonymous: only their composite, under a neutral label.
            enterprises[f"peer-{i:03d}"] = {"composite": composite}
    document = {
        "plan_sha256": card.content.get("plan_sha256"),
        "confidence": card.content.get("confidence"),
        "weights": card.content.get("weights"),
        "enterprises": enterprises,
    }
    cert = session.exec(
        select(Certificate.number).where(
            Certificate.round_id == round_id,
            Certificate.enterprise_id == enterprise_id,
            Certificate.status == "valid",
        )
    ).first()
    summary = PortalRound(
        round_id=round_id,
        code=rnd.code,
        title=rnd.title,
        period_start=rnd.period_start,
        period_end=rnd.period_end,
        state=rnd.state,
        composite=_estimate(section),
        grade=_grade(section),
        certificate=cert,
    )
    return PortalScorecard(
        round=summary,
        enterprise_code=ent.code,
        enterprise_name=ent.name,
        document=document,
        peers=len(peers),
        small_sample=small,
    )


def scorecard_rows(view: PortalScorecard) -> list[dict[str, Any]]:
    """Flat rows (composite first, then dimensions) for CSV export and the benchmark table."""
    section = view.document["enterprises"][view.enterprise_code]
    bench = section.get("benchmark") or {}
    rows = []
    for code, est in [
        ("composite", section.get("composite") or {}),
        *(section.get("dimensions") or {}).items(),
    ]:
        b = bench.get(code) if isinstance(bench, Mapping) else None
        rows.append(
            {
                "measure": code,
                "estimate": est.get("estimate"),
                "se": est.get("se"),
                "ci_low": est.get("ci_low"),
                "ci_high": est.get("ci_high"),
                "peer_mean": (b or {}).get("peer_mean") if isinstance(b, Mapping) else None,
                "difference": (b or {}).get("difference") if isinstance(b, Mapping) else None,
                "p_adjusted": (b or {}).get("p_holm") if isinstance(b, Mapping) else None,
            }
        )
    return rows
