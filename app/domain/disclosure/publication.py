"""Turning a round's public results page on or off (a body decision, recorded in the audit log)."""

from __future__ import annotations

from sqlmodel import Session

from app.db.models.round import EvaluationRound
from app.domain.audit.chain import append
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import get_round
from app.errors import ConflictError

# Results exist for the public only once certificates were issued; a revoked, superseded or
# expired round stays disclosable so the public sees what became of its certificates.
DISCLOSABLE: frozenset[str] = frozenset(
    s.value
    for s in (RoundState.ISSUED, RoundState.REVOKED, RoundState.SUPERSEDED, RoundState.EXPIRED)
)


def set_results_public(
    session: Session,
    *,
    round_id: int,
    body_id: int | None,
    public: bool,
    actor: str,
    reason: str = "",
) -> EvaluationRound:
    rnd = get_round(session, round_id, body_id)
    if public and rnd.state not in DISCLOSABLE:
        raise ConflictError(
            f"round {rnd.code} is in state {rnd.state}; results can be made public only after "
            "its certificates are issued"
        )
    if rnd.results_public == public:
        return rnd
    rnd.results_public = public
    session.add(rnd)
    session.flush()
    append(
        session,
        actor=actor,
        action="round.results_public" if public else "round.results_private",
        object_type="round",
        object_id=rnd.id or 0,
        reason=reason,
        details={"results_public": public},
    )
    return rnd
