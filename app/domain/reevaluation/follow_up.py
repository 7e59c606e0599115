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
from app.domain.reevaluation.errors import (
    FollowUpConflictError,
    FollowUpNotFoundError,
    FollowUpRefusedError,
)
from app.domain.rounds.service import create_round, get_round, round_enterprises
from app.errors import NotFoundError
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
        raise FollowUpConflictError(
            "questionnaire_version_id",
            "Not comparable with the previous round's questionnaire (missing dimensions: "
            "%(missing)s; extra dimensions: %(extra)s); a re-evaluation needs the same "
            "dimension codes.",
            missing=", ".join(missing) or "—",
            extra=", ".join(extra) or "—",
        )


def _version(session: Session, version_id: int, body_id: int) -> None:
    """NotFound, named for its field, for an unknown version or another body's."""
    try:
        get_version(session, version_id, body_id)
    except NotFoundError:
        raise FollowUpNotFoundError(
            "questionnaire_version_id",
            "There is no questionnaire version %(id)s; choose a published one.",
            id=version_id,
        ) from None


def _free_code(session: Session, body_id: int, code: str) -> None:
    # ``create_round`` refuses a taken code too, but in words that name no field.
    taken = session.exec(
        select(EvaluationRound.id).where(
            EvaluationRound.body_id == body_id, EvaluationRound.code == code
        )
    ).first()
    if taken is not None:
        raise FollowUpConflictError(
            "code", "A round with code %(code)s already exists; choose another code.", code=code
        )


def _chosen_enterprises(
    session: Session, previous: EvaluationRound, enterprise_ids: Sequence[int]
) -> list[Enterprise]:
    if not enterprise_ids:
        raise FollowUpRefusedError(
            "enterprise_ids", "A re-evaluation needs at least one enterprise."
        )
    members = {e.id: e for e in round_enterprises(session, previous.id or 0)}
    outside = sorted({i for i in enterprise_ids if i not in members})
    if outside:
        raise FollowUpNotFoundError(
            "enterprise_ids",
            "Enterprise(s) %(ids)s did not take part in round %(round)s.",
            ids=", ".join(map(str, outside)),
            round=previous.code,
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
        raise FollowUpConflictError(
            "enterprise_ids",
            "Round %(round)s has no scorecard for %(codes)s; there is nothing to compare a "
            "re-evaluation with.",
            round=previous.code,
            codes=", ".join(unscored),
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
        raise FollowUpConflictError(
            "round_id",
            "Round %(round)s has no frozen scoring plan; only a scored round can be re-evaluated.",
            round=previous.code,
        )
    if period_start <= previous.period_end:
        raise FollowUpRefusedError(
            "period_start",
            "A re-evaluation covers service after round %(round)s, which ends on %(end)s; "
            "start later.",
            round=previous.code,
            end=previous.period_end.isoformat(),
        )
    if period_end < period_start:
        raise FollowUpRefusedError("period_end", "The period cannot end before it starts.")
    enterprises = _chosen_enterprises(session, previous, enterprise_ids)
    version_id = questionnaire_version_id or plan.questionnaire_version_id
    _version(session, version_id, previous.body_id)
    check_comparable(session, plan.questionnaire_version_id, version_id)
    _free_code(session, previous.body_id, code)
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
