"""Follow-up rounds for enterprises under rectification: same plan, comparable questionnaire.

The enterprises to re-evaluate are passed in (the rectification workflow decides who they are),
so this module does not depend on how findings are tracked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from app.db.models.round import EvaluationRound
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.domain.audit.chain import append
from app.domain.plans.service import get_plan, set_plan
from app.domain.questionnaires.service import as_questionnaire, get_version
from app.domain.rounds.service import create_round, get_round, round_enterprises
from app.errors import ConflictError, NotFoundError, TianpingError
from scoring.instrument import specs_from_questionnaire


def _dimension_codes(session: Session, version_id: int) -> set[str]:
    version = get_version(session, version_id, None)
    return {d.code for d in specs_from_questionnaire(as_questionnaire(version))}


def check_comparable(session: Session, previous_version_id: int, version_id: int) -> None:
    """A different questionnaire version is comparable only with the same dimension codes."""
    if version_id == previous_version_id:
        return
    before = _dimension_codes(session, previous_version_id)
    after = _dimension_codes(session, version_id)
    missing, extra = sorted(before - after), sorted(after - before)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing dimension(s) {', '.join(missing)}")
        if extra:
            parts.append(f"extra dimension(s) {', '.join(extra)}")
        raise ConflictError(
            "questionnaire_version_id: not comparable with the previous round's questionnaire ("
            + "; ".join(parts)
            + "); a re-evaluation needs the same set of dimension codes"
        )


def _chosen_enterprises(
    session: Session, previous: EvaluationRound, enterprise_ids: Sequence[int]
) -> list[Enterprise]:
    if not enterprise_ids:
        raise TianpingError("enterprise_ids: a re-evaluation needs at least one enterprise")
    members = {e.id: e for e in round_enterprises(session, previous.id or 0)}
    outside = sorted({i for i in enterprise_ids if i not in members})
    if outside:
        raise NotFoundError(
            f"enterprise_ids: {', '.join(map(str, outside))} did not take part in round "
            f"{previous.code}"
        )
    scored = set(
        session.exec(
            select(Scorecard.enterprise_id).where(
                Scorecard.round_id == previous.id,
                col(Scorecard.enterprise_id).in_(list(enterprise_ids)),
            )
        ).all()
    )
    unscored = sorted(members[i].code for i in set(enterprise_ids) - scored)
    if unscored:
        raise ConflictError(
            f"round {previous.code} has no scorecard for {', '.join(unscored)}; "
            "there is nothing to compare a re-evaluation with"
        )
    return [members[i] for i in dict.fromkeys(enterprise_ids)]


def create_follow_up_round(
    session: Session,
    previous_round_id: int,
    enterprise_ids: Sequence[int],
    actor: str,
    *,
    code: str,
    title: str,
    period_start: date,
    period_end: date,
    body_id: int | None = None,
    questionnaire_version_id: int | None = None,
    created_by: int | None = None,
) -> EvaluationRound:
    """A draft round following ``previous_round_id`` with a copy of its scoring plan.

    The plan document (weights, grades, strata, exclusions, confidence) is copied unchanged, so
    the two rounds are scored by the same rules; freezing it is the assessor's next step.
    """
    previous = get_round(session, previous_round_id, body_id)
    plan = get_plan(session, previous_round_id)
    if plan is None or plan.sha256 is None:
        raise ConflictError(
            f"round {previous.code} has no frozen scoring plan; only a scored round can be "
            "re-evaluated"
        )
    if period_start <= previous.period_end:
        raise TianpingError(
            f"period_start: a re-evaluation covers service after round {previous.code} "
            f"(which ends {previous.period_end}); start later"
        )
    enterprises = _chosen_enterprises(session, previous, enterprise_ids)
    version_id = questionnaire_version_id or plan.questionnaire_version_id
    get_version(session, version_id, previous.body_id)  # NotFound for another body's version
    check_comparable(session, plan.questionnaire_version_id, version_id)
    body = session.get(EvaluationBody, previous.body_id)
    if body is None:
        raise NotFoundError(f"no round {previous_round_id}")
    rnd = create_round(
        session,
        body,
        code=code,
        title=title,
        industry=previous.industry,
        period_start=period_start,
        period_end=period_end,
        enterprises=enterprises,
        created_by=created_by,
        actor=actor,
        # The scorecards' trend against the previous round comes with it.
        previous_round_id=previous.id,
    )
    rnd.follows_round_id = previous.id
    session.add(rnd)
    session.flush()
    set_plan(
        session,
        round_id=rnd.id or 0,
        body_id=previous.body_id,
        questionnaire_version_id=version_id,
        plan=plan.content,
        actor=actor,
    )
    append(
        session,
        actor=actor,
        action="round.follow_up",
        object_type="round",
        object_id=rnd.id or 0,
        details={
            "follows": previous.code,
            "enterprises": [e.code for e in enterprises],
            "questionnaire_version_id": version_id,
            "plan_copied_from_sha256": plan.sha256,
        },
    )
    return rnd
