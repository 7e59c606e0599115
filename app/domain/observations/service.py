"""Record and read on-site observation visits (DESIGN §1, assessor duties).

An assessor visits a service outlet of an enterprise taking part in a round and fills in an
observation-kind questionnaire (the bundled ``onsite-observation`` template, published per
body). Answers are checked against that published version with the same rules as consumer
answers (skip logic, ranges, required items) and stored per enterprise and round. Findings —
items answered "no" or rated low — are what the enterprise portal and reports may show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlmodel import Session, col, select

from app.db.models.observation import ObservationVisit
from app.db.models.questionnaire import QuestionnaireVersion
from app.db.models.round import RoundEnterprise
from app.db.models.tenancy import Enterprise
from app.domain.audit.chain import append
from app.domain.fieldwork.answers import AnswerValue, clean_answers
from app.domain.questionnaires.service import (
    as_questionnaire,
    get_version,
    list_versions,
    publish,
    save_draft,
)
from app.domain.rounds.lifecycle import RoundState
from app.domain.rounds.service import get_round
from app.errors import ConflictError, NotFoundError, TianpingError
from questionnaires import Item, Questionnaire
from questionnaires.templates import load_template

ONSITE_TEMPLATE = "onsite-observation"
# Observations are fieldwork evidence: from fieldwork until the scores are approved.
OBSERVABLE_STATES: frozenset[RoundState] = frozenset(
    {RoundState.FIELDWORK, RoundState.SCORING, RoundState.REVIEW}
)
# A rating in the lower half of its scale (after reverse scoring) is a finding.
LOW_SHARE = 0.5
MAX_OUTLET = 200
MAX_NOTES = 4000

FindingReason = Literal["no", "low"]


@dataclass(frozen=True)
class VisitRow:
    id: int
    enterprise_id: int
    enterprise_code: str
    enterprise_name: str
    outlet: str
    visit_date: date
    questionnaire: str  # "code vN"
    answered: int
    findings: int


@dataclass(frozen=True)
class Finding:
    """One item of one visit that needs the enterprise's attention."""

    visit_id: int
    outlet: str
    visit_date: date
    item_code: str
    item_text: dict[str, str]
    answer: AnswerValue
    reason: FindingReason


def observation_versions(session: Session, body_id: int) -> list[QuestionnaireVersion]:
    """Published observation-kind questionnaires of the body, newest version first per code."""
    found = [
        v
        for v in list_versions(session, body_id)
        if v.status == "published" and v.content.get("kind") == "observation"
    ]
    return sorted(found, key=lambda v: (v.code, -v.version))


def publish_bundled_checklist(session: Session, *, body_id: int, actor: str) -> int:
    """Publish the bundled on-site checklist for the body (once); returns its version id."""
    for v in observation_versions(session, body_id):
        if v.code == ONSITE_TEMPLATE:
            return v.id or 0
    draft = save_draft(
        session, body_id=body_id, questionnaire=load_template(ONSITE_TEMPLATE), actor=actor
    )
    return publish(session, version_id=draft.id or 0, body_id=body_id, actor=actor).id or 0


def _observation_questionnaire(
    session: Session, version_id: int, body_id: int
) -> tuple[QuestionnaireVersion, Questionnaire]:
    version = get_version(session, version_id, body_id)
    if version.status != "published" or version.content.get("kind") != "observation":
        raise NotFoundError(f"no published observation checklist {version_id}")
    return version, as_questionnaire(version)


def round_enterprise(session: Session, round_id: int, enterprise_id: int) -> Enterprise:
    link = session.exec(
        select(RoundEnterprise).where(
            RoundEnterprise.round_id == round_id, RoundEnterprise.enterprise_id == enterprise_id
        )
    ).first()
    enterprise = session.get(Enterprise, enterprise_id) if link is not None else None
    if enterprise is None:
        raise NotFoundError(f"enterprise {enterprise_id} does not take part in this round")
    return enterprise


def checklist(session: Session, version_id: int, body_id: int) -> Questionnaire:
    """The published observation questionnaire (NotFound for another body's or a survey)."""
    return _observation_questionnaire(session, version_id, body_id)[1]


def record_visit(
    session: Session,
    *,
    round_id: int,
    body_id: int,
    enterprise_id: int,
    questionnaire_version_id: int,
    outlet: str,
    visit_date: date,
    answers: Mapping[str, AnswerValue],
    notes: str,
    assessor_id: int | None,
    actor: str,
) -> ObservationVisit:
    """Store one visit; raises ``AnswersInvalidError`` listing every bad answer at once."""
    rnd = get_round(session, round_id, body_id)
    if RoundState(rnd.state) not in OBSERVABLE_STATES:
        raise ConflictError(
            f"round {rnd.code} is {rnd.state}; on-site observations are recorded from "
            "fieldwork until the scores are approved"
        )
    round_enterprise(session, round_id, enterprise_id)
    version, q = _observation_questionnaire(session, questionnaire_version_id, body_id)
    if not outlet.strip() or len(outlet) > MAX_OUTLET:
        raise TianpingError(f"give the outlet's name (at most {MAX_OUTLET} characters)")
    if len(notes) > MAX_NOTES:
        raise TianpingError(f"notes may hold at most {MAX_NOTES} characters")
    cleaned = clean_answers(q, answers)
    visit = ObservationVisit(
        round_id=round_id,
        enterprise_id=enterprise_id,
        questionnaire_version_id=version.id or 0,
        assessor_id=assessor_id,
        outlet=outlet.strip(),
        visit_date=visit_date,
        answers=cleaned,
        notes=notes.strip(),
    )
    session.add(visit)
    session.flush()
    append(
        session,
        actor=actor,
        action="observation.record",
        object_type="observation_visit",
        object_id=visit.id or 0,
        details={
            "round": round_id,
            "enterprise": enterprise_id,
            "questionnaire": f"{version.code} v{version.version}",
            "answered": sum(v is not None for v in cleaned.values()),
        },
    )
    return visit


def _finding_reason(item: Item, answer: AnswerValue) -> FindingReason | None:
    if item.type == "yes_no" and answer == "no":
        return "no"
    if item.type == "likert" and isinstance(answer, int) and item.points and item.points > 1:
        score = item.points + 1 - answer if item.reverse else answer
        if (score - 1) / (item.points - 1) < LOW_SHARE:
            return "low"
    return None


def _findings_of(visit: ObservationVisit, q: Questionnaire) -> list[Finding]:
    found: list[Finding] = []
    for item in q.all_items():
        answer = visit.answers.get(item.code)
        reason = _finding_reason(item, answer)
        if reason is not None:
            found.append(
                Finding(
                    visit.id or 0,
                    visit.outlet,
                    visit.visit_date,
                    item.code,
                    dict(item.text),
                    answer,
                    reason,
                )
            )
    return found


def _visits(session: Session, round_id: int, enterprise_id: int | None) -> list[ObservationVisit]:
    query = select(ObservationVisit).where(ObservationVisit.round_id == round_id)
    if enterprise_id is not None:
        query = query.where(ObservationVisit.enterprise_id == enterprise_id)
    order = (col(ObservationVisit.visit_date), col(ObservationVisit.id))
    return list(session.exec(query.order_by(*order)).all())


def _questionnaires(session: Session, visits: list[ObservationVisit]) -> dict[int, Questionnaire]:
    cache: dict[int, Questionnaire] = {}
    for visit in visits:
        vid = visit.questionnaire_version_id
        if vid not in cache:
            cache[vid] = as_questionnaire(get_version(session, vid, None))
    return cache


def observation_findings(session: Session, round_id: int, enterprise_id: int) -> list[Finding]:
    """Items answered "no" or rated in the lower half of their scale, over every visit of the
    enterprise in the round (visit date order). The caller checks who may see them."""
    visits = _visits(session, round_id, enterprise_id)
    questionnaires = _questionnaires(session, visits)
    return [f for v in visits for f in _findings_of(v, questionnaires[v.questionnaire_version_id])]


def list_visits(session: Session, round_id: int, body_id: int) -> list[VisitRow]:
    get_round(session, round_id, body_id)
    visits = _visits(session, round_id, None)
    questionnaires = _questionnaires(session, visits)
    names = {e.id: e for e in session.exec(select(Enterprise).where(Enterprise.body_id == body_id))}
    rows: list[VisitRow] = []
    for v in visits:
        q = questionnaires[v.questionnaire_version_id]
        ent = names[v.enterprise_id]
        rows.append(
            VisitRow(
                id=v.id or 0,
                enterprise_id=v.enterprise_id,
                enterprise_code=ent.code,
                enterprise_name=ent.name,
                outlet=v.outlet,
                visit_date=v.visit_date,
                questionnaire=f"{q.code} v{q.version}",
                answered=sum(a is not None for a in v.answers.values()),
                findings=len(_findings_of(v, q)),
            )
        )
    return rows


def get_visit(
    session: Session, round_id: int, visit_id: int, body_id: int
) -> tuple[ObservationVisit, Questionnaire, list[Finding]]:
    """One visit with its questionnaire and findings; NotFound outside the body's round."""
    get_round(session, round_id, body_id)
    visit = session.get(ObservationVisit, visit_id)
    if visit is None or visit.round_id != round_id:
        raise NotFoundError(f"no observation visit {visit_id} in this round")
    q = as_questionnaire(get_version(session, visit.questionnaire_version_id, None))
    return visit, q, _findings_of(visit, q)
