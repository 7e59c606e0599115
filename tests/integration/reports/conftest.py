"""A round in review, built directly in the database: body, two enterprises, two assessors,
a frozen plan, a verifiable sample draw (≥ 50 % per stratum) and scorecards from the
report fixture (scored by the real scoring library)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.config import Settings
from app.db.engine import write_session
from app.db.models import (
    EvaluationBody,
    QuestionnaireVersion,
    SampleDraw,
    Scorecard,
    ScoringPlan,
    User,
)
from app.domain.rounds.service import add_enterprise, create_round
from app.keys_store import KeyStore
from reports.chart_export import ChartSession
from sampling.draw import build_frame, draw_sample
from sampling.rows import CaseRow
from sampling.seeds import SeedInputs

FIXTURE = Path(__file__).parents[2] / "unit" / "reports" / "data" / "scorecard_2026q4.json"
CODES = ("E001", "E005")


@dataclass(frozen=True)
class RoundState:
    round_id: int
    scorer_id: int
    approver_id: int
    settings: Settings
    keys: KeyStore


@pytest.fixture(scope="session")
def round_scorecard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FIXTURE.read_text("utf-8"))
    return doc


@pytest.fixture(scope="session")
def charts() -> Iterator[ChartSession]:
    with ChartSession() as session:
        yield session


@pytest.fixture(autouse=True)
def _warm_shared_session(charts: ChartSession, monkeypatch: pytest.MonkeyPatch) -> None:
    # Services use the process-wide session; point it at the test's warm one.
    monkeypatch.setattr("reports.chart_export._shared", charts)


def _draw_record(round_id: int) -> dict[str, Any]:
    rows = [
        CaseRow(line=i + 2, case_id=f"{ent}-{ch}-{i}", enterprise=ent, strata=(ch,))
        for ent in CODES
        for ch in ("online", "phone")
        for i in range(12)
    ]
    result = draw_sample(
        build_frame(rows),
        seed_inputs=SeedInputs(str(round_id), "witness"),
        registry_sha256="0" * 64,
        stratum_columns=("channel",),
        drawn_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    return result.record.to_dict()


@pytest.fixture
def review_round(engine: Engine, tmp_path: Path, round_scorecard: dict[str, Any]) -> RoundState:
    settings = Settings(data_dir=tmp_path / "data")
    keys = KeyStore.for_settings(settings)
    keys.init("天平消费服务评价中心")
    with write_session(engine) as s:
        body = EvaluationBody(code="TP", name="天平消费服务评价中心")
        s.add(body)
        s.flush()
        scorer = User(username="alice", role="assessor", password_hash="x", body_id=body.id)
        approver = User(username="bob", role="assessor", password_hash="x", body_id=body.id)
        s.add_all([scorer, approver])
        ents = [add_enterprise(s, body, code, f"企业{code}", actor="test") for code in CODES]
        rnd = create_round(
            s,
            body,
            code="AS26Q4",
            title="家电售后服务质量评价 2026年第四季度",
            industry="appliances",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 11, 30),
            enterprises=ents,
            created_by=None,
            actor="test",
        )
        s.flush()
        assert rnd.id is not None
        assert body.id is not None
        qv = QuestionnaireVersion(body_id=body.id, code="after-sales", version=1, sha256="1" * 64)
        s.add(qv)
        s.flush()
        plan_hash = round_scorecard["plan_sha256"]
        s.add(
            ScoringPlan(
                round_id=rnd.id,
                questionnaire_version_id=qv.id or 0,
                content={},
                sha256=plan_hash,
                frozen_at=datetime(2026, 9, 30, tzinfo=UTC),
            )
        )
        record = _draw_record(rnd.id)
        s.add(
            SampleDraw(
                round_id=rnd.id,
                algorithm=record["algorithm"],
                seed=record["seed"],
                registry_sha256=record["registry_sha256"],
                selected_sha256=record["selected_sha256"],
                record=record,
            )
        )
        for ent in ents:
            s.add(
                Scorecard(
                    round_id=rnd.id,
                    enterprise_id=ent.id or 0,
                    plan_sha256=plan_hash,
                    content={
                        "plan_sha256": plan_hash,
                        "confidence": round_scorecard["confidence"],
                        "weights": round_scorecard["weights"],
                        "enterprise": round_scorecard["enterprises"][ent.code],
                    },
                )
            )
        s.flush()
        rnd.state = "review"
        rnd.scored_by = scorer.id
        s.add(rnd)
        return RoundState(rnd.id, scorer.id or 0, approver.id or 0, settings, keys)
