"""Read a round from the database into the tables the scoring engine's loader expects.

The same loader (``app.cli.score.build_round``) serves files and the database, so a round
scored in the web app and the same data scored with ``tianping score`` give identical numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.db.models.draw import SampledCase, SampleDraw
from app.db.models.invitation import Invitation
from app.db.models.registry import ServiceCase
from app.db.models.response import Answer, SurveyResponse
from app.db.models.tenancy import Enterprise
from app.errors import ConflictError

# Service-time limits are in local working days and hours; registries record local times.
LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class RoundTables:
    frame: pd.DataFrame
    sample: pd.DataFrame
    responses: pd.DataFrame


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(LOCAL).replace(tzinfo=None)


def _frame(session: Session, round_id: int, strata: tuple[str, ...]) -> pd.DataFrame:
    rows = session.execute(
        sa_select(
            col(ServiceCase.case_id),
            col(Enterprise.code),
            col(ServiceCase.attributes),
            col(ServiceCase.opened_at),
            col(ServiceCase.first_response_at),
            col(ServiceCase.resolved_at),
            col(ServiceCase.complaint),
            col(ServiceCase.complaint_class),
        )
        .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
        .where(col(ServiceCase.round_id) == round_id)
        .execution_options(yield_per=50_000)
    )
    data: dict[str, list[Any]] = defaultdict(list)
    for case_id, ent, attrs, opened, first, resolved, complaint, cls in rows:
        data["case_id"].append(case_id)
        data["enterprise"].append(ent)
        for column in strata:
            data[column].append(str(attrs.get(column, "")))
        data["opened_at"].append(_local(opened))
        data["first_response_at"].append(_local(first))
        data["resolved_at"].append(_local(resolved))
        data["complaint"].append(None if complaint is None else float(complaint))
        data["complaint_class"].append(cls)
    columns = ["case_id", "enterprise", *strata, "opened_at", "first_response_at",
               "resolved_at", "complaint", "complaint_class"]  # fmt: skip
    frame = pd.DataFrame({c: data.get(c, []) for c in columns})
    for c in ("opened_at", "first_response_at", "resolved_at"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def _sample(session: Session, round_id: int) -> pd.DataFrame:
    draw = session.exec(select(SampleDraw).where(SampleDraw.round_id == round_id)).first()
    if draw is None:
        raise ConflictError("the round has no sample; draw one before scoring")
    ids = session.exec(
        select(ServiceCase.case_id)
        .join(SampledCase, col(SampledCase.case_pk) == col(ServiceCase.id))
        .where(SampledCase.draw_id == draw.id)
    ).all()
    return pd.DataFrame({"case_id": list(ids)})


def _responses(session: Session, round_id: int, item_codes: list[str]) -> pd.DataFrame:
    meta = session.exec(
        select(
            SurveyResponse.id,
            ServiceCase.case_id,
            SurveyResponse.duration_seconds,
            SurveyResponse.device_hash,
        )
        .join(Invitation, col(Invitation.id) == col(SurveyResponse.invitation_id))
        .join(SampledCase, col(SampledCase.id) == col(Invitation.sampled_case_id))
        .join(ServiceCase, col(ServiceCase.id) == col(SampledCase.case_pk))
        .where(SurveyResponse.round_id == round_id)
        .order_by(col(SurveyResponse.id))
    ).all()
    position = {rid: i for i, (rid, *_rest) in enumerate(meta)}
    wanted = set(item_codes)
    values: dict[str, list[float | None]] = {c: [None] * len(meta) for c in item_codes}
    answers = session.exec(
        select(Answer.response_id, Answer.item_code, Answer.value)
        .join(SurveyResponse, col(SurveyResponse.id) == col(Answer.response_id))
        .where(SurveyResponse.round_id == round_id)
        .execution_options(yield_per=100_000)
    )
    for response_id, code, value in answers:
        if code in wanted and value is not None:
            values[code][position[response_id]] = float(value)
    return pd.DataFrame(
        {
            "case_id": [m[1] for m in meta],
            **{c: pd.array(v, dtype="Float64").astype("float64") for c, v in values.items()},
            "duration_seconds": [m[2] for m in meta],
            "device_hash": [m[3] for m in meta],
        }
    )


def round_tables(
    session: Session, round_id: int, strata: tuple[str, ...], item_codes: list[str]
) -> RoundTables:
    return RoundTables(
        frame=_frame(session, round_id, strata),
        sample=_sample(session, round_id),
        responses=_responses(session, round_id, item_codes),
    )
