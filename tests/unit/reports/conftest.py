"""Report fixtures: a realistic scorecard (see data/make_scorecards.py), keys, a warm chart
browser shared by the whole test session, and one signed report built once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.keys_store import KeyStore
from reports.chart_export import ChartSession
from reports.context import Observation, ReportContext, StratumRow
from reports.facts import FactsInput, SignedFacts, build_facts, sign_facts
from reports.pades import sign_pdf
from reports.render import render_report

DATA = Path(__file__).parent / "data"
ENTERPRISE = "E001"


@pytest.fixture(scope="session")
def scorecard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / "scorecard_2026q4.json").read_text("utf-8"))
    return doc


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    store = KeyStore(tmp_path_factory.mktemp("keys") / "keys")
    store.init("天平消费服务评价中心")
    return store


@pytest.fixture(scope="session")
def charts() -> Iterator[ChartSession]:
    with ChartSession() as session:
        yield session


def facts_input(key_id: str, name: str = "海川电器售后服务有限公司") -> FactsInput:
    return FactsInput(
        number="TP-2026-AS26Q4-E001-0A1B2C3D",
        enterprise_code=ENTERPRISE,
        enterprise_name=name,
        round_code="AS26Q4",
        round_title="家电售后服务质量评价 2026年第四季度",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 11, 30),
        issue_date=date(2026, 12, 10),
        valid_until=date(2027, 12, 10),
        key_id=key_id,
        body_name="天平消费服务评价中心",
    )


def make_context(
    signed: SignedFacts | None, name: str = "海川电器售后服务有限公司"
) -> ReportContext:
    return ReportContext(
        body_name="天平消费服务评价中心",
        enterprise_name=name,
        round_code="AS26Q4",
        round_title="家电售后服务质量评价 2026年第四季度",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 11, 30),
        issue_date=date(2026, 12, 10),
        valid_until=date(2027, 12, 10),
        certificate=signed,
        strata=(
            StratumRow("online", 320, 190, 128),
            StratumRow("onsite", 100, 61, 50),
            StratumRow("phone", 420, 262, 110),
            StratumRow("store", 210, 145, 84),
        ),
        observations=(
            Observation("门店接待区", "等候区座椅充足，价目表张贴在显眼位置。", "良好"),
            Observation("上门服务", "两名技师未穿鞋套进入用户家中。", "一般"),
        ),
    )


@dataclass(frozen=True)
class SignedReport:
    pdf: bytes
    signed: SignedFacts
    scorecard: dict[str, Any]


@pytest.fixture(scope="session")
def signed_report(scorecard: dict[str, Any], keys: KeyStore, charts: ChartSession) -> SignedReport:
    kid, key = keys.private_key()
    signed = sign_facts(build_facts(scorecard, facts_input(kid)), key, kid)
    pdf = render_report(scorecard, ENTERPRISE, "zh", make_context(signed), session=charts)
    return SignedReport(sign_pdf(pdf, keys.pades_signer(), reason="test"), signed, scorecard)
