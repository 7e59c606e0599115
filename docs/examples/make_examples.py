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
from reports.complaints import (  # noqa: E402
    CategoryRow,
    ClassShares,
    ComplaintSummary,
    LimitShare,
)
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


# Illustrative complaint handling (every complaint's times known: a census, no sampling error).
LIMITS = (
    "first_response_24h", "first_response_48h", "assessed_48h", "followed_up_72h",
    "result_3_working_days", "closed_30_days",
)  # fmt: skip
MET = {  # complaint class -> (complaints, complaints meeting each limit; None: not applicable)
    "general": (96, (88, 95, 90, None, 81, 93)),
    "complex": (31, (25, 30, 27, 24, 19, 28)),
    "urgent": (9, (9, 9, 9, None, 8, 9)),
}


# Categories are the registry's own text, so they come in the registry's language.
CATEGORIES = {
    "zh": (("配件等待", 52, (30, 22)), ("维修质量", 41, (18, 23)), ("收费", 27, (15, 12)),
           ("技师服务态度", 16, (9, 7))),
    "en": (("spare parts delay", 52, (30, 22)), ("repair quality", 41, (18, 23)),
           ("charges", 27, (15, 12)), ("technician conduct", 16, (9, 7))),
}  # fmt: skip


def _complaints(lang: str) -> ComplaintSummary:
    classes = []
    totals = [0] * len(LIMITS)
    judged = [0] * len(LIMITS)
    for name, (count, met) in MET.items():
        shares = []
        for i, (limit, k) in enumerate(zip(LIMITS, met, strict=True)):
            share = None if k is None else k / count
            shares.append(LimitShare(limit, share, share, share, 0 if k is None else count, True))
            if k is not None:
                totals[i] += k
                judged[i] += count
        classes.append(ClassShares(name, count, tuple(shares)))
    overall = tuple(
        LimitShare(limit, t / n, t / n, t / n, n, True)
        for limit, t, n in zip(LIMITS, totals, judged, strict=True)
    )
    classes.append(ClassShares("all", sum(c for c, _ in MET.values()), overall))
    return ComplaintSummary(
        limits=LIMITS,
        classes=tuple(classes),
        months=("2026-10", "2026-11"),
        categories=tuple(
            CategoryRow(name, n, n / 136, monthly) for name, n, monthly in CATEGORIES[lang]
        ),
        breaching=29,
        extended=4,
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
            complaints=_complaints(lang),
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
    if len(sys.argv) > 1:
        sys.exit(__doc__)  # takes no options; --help shows how to run and verify
    main()
