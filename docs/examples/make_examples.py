"""Regenerate the example reports (zh and en) signed with a throwaway demo key.

    .venv/bin/python docs/examples/make_examples.py

The private keys are created in a temporary directory and discarded; only the public parts
are kept under ``docs/examples/demo-data/keys/`` (same layout as a real key store), so anyone
can check the examples:

    TIANPING_DATA_DIR=docs/examples/demo-data tianping report verify \
        docs/examples/report-zh.pdf --offline
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from app.keys_store import KeyStore  # noqa: E402
from reports.batch import RenderJob, render_many  # noqa: E402
from reports.context import Observation, ReportContext, StratumRow  # noqa: E402
from reports.facts import FactsInput, build_facts, sign_facts  # noqa: E402

CARD = HERE.parents[1] / "tests/unit/reports/data/scorecard_2026q4.json"
BODY = {"zh": "天平消费服务质量评价中心", "en": "Tianping Consumer-Service Evaluation Centre"}
NAME = {"zh": "海川电器售后服务有限公司", "en": "Haichuan Appliance Service Co., Ltd."}
TITLE = {"zh": "家电售后服务质量评价 2026年第四季度", "en": "Home-appliance after-sales 2026 Q4"}
OBS = {
    "zh": (
        Observation("门店接待区", "等候区座椅充足，收费标准在显眼位置公示。", "良好"),
        Observation("上门服务", "抽查12次上门服务，2次技师未穿鞋套进入用户家中。", "一般"),
        Observation("备件仓库", "备件出入库登记完整，可追溯到工单。", "良好"),
    ),
    "en": (
        Observation("Store reception", "Enough seating; prices clearly displayed.", "good"),
        Observation("Home visits", "2 of 12 technicians wore no shoe covers.", "minor"),
        Observation("Spare-parts store", "Every part movement is logged to a job.", "good"),
    ),
}  # fmt: skip
STRATA = (
    StratumRow("online", 320, 190, 128),
    StratumRow("onsite", 100, 61, 50),
    StratumRow("phone", 420, 262, 110),
    StratumRow("store", 210, 145, 84),
)


def main() -> None:
    card = json.loads(CARD.read_text("utf-8"))
    tmp = Path(tempfile.mkdtemp())
    keys = KeyStore(tmp / "keys")
    keys.init(BODY["en"])
    kid, key = keys.private_key()
    jobs = []
    for lang in ("zh", "en"):
        info = FactsInput(
            number=f"TP-2026-AS26Q4-E001-EXAMPLE{lang.upper()}",
            enterprise_code="E001",
            enterprise_name=NAME[lang],
            round_code="AS26Q4",
            round_title=TITLE[lang],
            period_start=date(2026, 10, 1),
            period_end=date(2026, 11, 30),
            issue_date=date(2026, 12, 10),
            valid_until=date(2027, 12, 10),
            key_id=kid,
            body_name=BODY[lang],
        )
        signed = sign_facts(build_facts(card, info), key, kid)
        ctx = ReportContext(
            body_name=BODY[lang],
            enterprise_name=NAME[lang],
            round_code="AS26Q4",
            round_title=TITLE[lang],
            period_start=info.period_start,
            period_end=info.period_end,
            issue_date=info.issue_date,
            valid_until=info.valid_until,
            certificate=signed,
            strata=STRATA,
            observations=OBS[lang],
            exclusion_rules="straight-lining (plan rule)",
        )
        jobs.append(RenderJob("E001", lang, ctx, HERE / f"report-{lang}.pdf"))  # type: ignore[arg-type]
    render_many(card, jobs, keys.pades_signer())
    public = HERE / "demo-data" / "keys"
    shutil.rmtree(public, ignore_errors=True)
    (public / "ed25519").mkdir(parents=True)
    (public / "pades" / "trust").mkdir(parents=True)
    for src in (tmp / "keys" / "ed25519").glob("*.pub"):
        shutil.copy(src, public / "ed25519" / src.name)
    shutil.copy(tmp / "keys" / "ed25519" / "ACTIVE", public / "ed25519" / "ACTIVE")
    shutil.copy(tmp / "keys/pades/trust/demo-ca.crt", public / "pades/trust/demo-ca.crt")
    shutil.rmtree(tmp)
    print("wrote", ", ".join(j.out.name for j in jobs))


if __name__ == "__main__":
    main()
