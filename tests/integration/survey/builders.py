"""A round ready for fieldwork, built straight in the database (fast, no files).

The bundled after-sales questionnaire, extended by one skip-logic item so that ``show_if``
is exercised: ``fix_detail`` is shown only when ``overall`` is 1 or 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.db.engine import write_session
from app.db.models import (
    CaseRegistry,
    Enterprise,
    EvaluationBody,
    EvaluationRound,
    QuestionnaireVersion,
    SampledCase,
    SampleDraw,
    ScoringPlan,
    ServiceCase,
)
from app.db.types import utcnow
from app.domain.fieldwork.invitations import IssuedInvitation, start_fieldwork
from app.domain.rounds.lifecycle import RoundState
from questionnaires import canonical_sha256, from_dict, loads, to_dict
from questionnaires.templates import template_text

STRATA = ("phone", "store")


def survey_content() -> dict[str, Any]:
    content = to_dict(loads(template_text("after-sales"), "yaml"))
    content["general_items"].append(
        {
            "code": "fix_detail",
            "type": "single_choice",
            "text": {"zh": "主要问题是什么？", "en": "What was the main problem?"},
            "choices": [
                {"code": "late", "label": {"zh": "迟到", "en": "Late"}},
                {"code": "rude", "label": {"zh": "态度差", "en": "Rude"}},
            ],
            "show_if": "overall in [1, 2]",
        }
    )
    from_dict(content)  # still valid
    return content


@dataclass(frozen=True)
class SurveyRound:
    round_id: int
    enterprise_codes: tuple[str, ...]
    sampled: int


def build_sampled_round(
    engine: Engine, *, enterprises: int = 2, cases_per_stratum: int = 4, code: str = "R1"
) -> SurveyRound:
    """A round in the sampling state whose every case was drawn (a census, for simplicity)."""
    content = survey_content()
    with write_session(engine) as s:
        body = s.exec(select(EvaluationBody).where(EvaluationBody.code == "B")).first()
        if body is None:
            body = EvaluationBody(code="B", name="Body")
            s.add(body)
            s.flush()
        q = from_dict(content)
        version = s.exec(
            select(QuestionnaireVersion).where(QuestionnaireVersion.code == q.code)
        ).first()
        if version is None:
            version = QuestionnaireVersion(
                body_id=body.id or 0,
                code=q.code,
                version=q.version,
                status="published",
                content=content,
                sha256=canonical_sha256(q),
                published_at=utcnow(),
            )
            s.add(version)
            s.flush()
        rnd = EvaluationRound(
            body_id=body.id or 0,
            code=code,
            title="t",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
            state=RoundState.SAMPLING.value,
        )
        s.add(rnd)
        s.flush()
        rid = rnd.id or 0
        s.add(
            ScoringPlan(
                round_id=rid,
                questionnaire_version_id=version.id or 0,
                content={"strata": ["channel"]},
                sha256="0" * 64,
                frozen_at=utcnow(),
            )
        )
        registry = CaseRegistry(round_id=rid, file_name="r.csv", file_sha256="1" * 64)
        s.add(registry)
        draw = SampleDraw(
            round_id=rid,
            algorithm="test",
            seed="s",
            registry_sha256="1" * 64,
            selected_sha256="2" * 64,
        )
        s.add(draw)
        s.flush()
        codes = []
        n = 0
        for e in range(enterprises):
            ent_code = f"{code}-E{e + 1}"
            ent = Enterprise(body_id=body.id or 0, code=ent_code, name=ent_code)
            s.add(ent)
            s.flush()
            codes.append(ent_code)
            for stratum in STRATA:
                for i in range(cases_per_stratum):
                    case = ServiceCase(
                        registry_id=registry.id or 0,
                        round_id=rid,
                        enterprise_id=ent.id or 0,
                        case_id=f"{ent_code}-{stratum}-{i}",
                        stratum=stratum,
                        attributes={"channel": stratum},
                    )
                    s.add(case)
                    s.flush()
                    s.execute(
                        insert(SampledCase),
                        [{"draw_id": draw.id, "case_pk": case.id, "selection_number": 0.5}],
                    )
                    n += 1
    return SurveyRound(rid, tuple(codes), n)


def fieldwork_round(engine: Engine, **kwargs: Any) -> tuple[SurveyRound, list[IssuedInvitation]]:
    built = build_sampled_round(engine, **kwargs)
    issued = start_fieldwork(
        engine, round_id=built.round_id, actor="ann", expires_at=utcnow() + timedelta(days=14)
    )
    return built, issued


def full_answers(overall: int = 4) -> dict[str, int | str | None]:
    """A complete, valid answer set (N/A on one allow_na item)."""
    q = from_dict(survey_content())
    answers: dict[str, int | str | None] = {}
    for item in q.all_items():
        if item.type == "likert":
            answers[item.code] = 4
        elif item.type == "nps":
            answers[item.code] = 9
        elif item.type == "text":
            answers[item.code] = "很好"
    answers["overall"] = overall
    answers["con3"] = None
    if overall <= 2:
        answers["fix_detail"] = "late"
    return answers
