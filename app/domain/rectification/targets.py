"""What a finding may be about, checked against the round's own definitions.

Dimensions and items come from the questionnaire version the round's plan names, KPIs from
the plan's ``kpis`` (or the scorecard's computed KPIs), observations from the enterprise's
visits in the round (``<visit id>`` or ``<visit id>:<item code>``), and ``composite`` is the
overall score (used by warnings raised from the escalation rules).
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.db.models.observation import ObservationVisit
from app.db.models.plan import ScoringPlan
from app.db.models.scorecard import Scorecard
from app.domain.questionnaires.service import as_questionnaire, get_version
from app.domain.rectification.errors import RectificationInputError
from app.domain.rectification.states import TARGET_KINDS
from questionnaires import Questionnaire

FIELD = "target_code"


def _questionnaire(session: Session, round_id: int) -> Questionnaire:
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    if plan is None:
        raise RectificationInputError(
            FIELD, "The round has no scoring plan, so it has no questionnaire to refer to."
        )
    return as_questionnaire(get_version(session, plan.questionnaire_version_id, None))


def _kpis(session: Session, round_id: int, enterprise_id: int) -> set[str]:
    plan = session.exec(select(ScoringPlan).where(ScoringPlan.round_id == round_id)).first()
    names = set((plan.content.get("kpis") or {}) if plan is not None else {})
    card = session.exec(
        select(Scorecard).where(
            Scorecard.round_id == round_id, Scorecard.enterprise_id == enterprise_id
        )
    ).first()
    if card is not None:
        names |= set((card.content.get("enterprise") or {}).get("kpis") or {})
    return names


def _observation(session: Session, round_id: int, enterprise_id: int, code: str) -> str:
    visit_part, _, item_code = code.partition(":")
    visit = session.get(ObservationVisit, int(visit_part)) if visit_part.isdigit() else None
    if visit is None or visit.round_id != round_id or visit.enterprise_id != enterprise_id:
        raise RectificationInputError(
            FIELD,
            "No observation visit %(code)s of this enterprise in this round; "
            "give the visit number, optionally followed by :item code.",
            code=visit_part,
        )
    if item_code:
        q = as_questionnaire(get_version(session, visit.questionnaire_version_id, None))
        if item_code not in {i.code for i in q.all_items()}:
            raise RectificationInputError(
                FIELD, "The visit's checklist has no item %(code)s.", code=item_code
            )
        return f"{visit.id}:{item_code}"
    return str(visit.id)


def check_target(
    session: Session, *, round_id: int, enterprise_id: int, kind: str, code: str
) -> str:
    """The target code as stored, or ``RectificationInputError`` naming the bad field."""
    if kind not in TARGET_KINDS:
        raise RectificationInputError(
            "target_kind", "Choose one of: %(kinds)s.", kinds=", ".join(TARGET_KINDS)
        )
    code = code.strip()
    if kind == "composite":
        return "composite"
    if not code:
        raise RectificationInputError(FIELD, "This field is required.")
    if kind == "dimension":
        known = {d.code for d in _questionnaire(session, round_id).dimensions}
        if code not in known:
            raise RectificationInputError(
                FIELD, "The round's questionnaire has no dimension %(code)s.", code=code
            )
    elif kind == "item":
        known = {i.code for i in _questionnaire(session, round_id).all_items()}
        if code not in known:
            raise RectificationInputError(
                FIELD, "The round's questionnaire has no item %(code)s.", code=code
            )
    elif kind == "kpi":
        if code not in _kpis(session, round_id, enterprise_id):
            raise RectificationInputError(
                FIELD, "The round's plan and scorecard have no KPI %(code)s.", code=code
            )
    else:
        return _observation(session, round_id, enterprise_id, code)
    return code
