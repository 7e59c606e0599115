"""Regenerate the report fixtures: two rounds' scorecards of a synthetic after-sales industry.

Run from the repository root: ``.venv/bin/python tests/unit/reports/data/make_scorecards.py``.
The data come from the demo generator (seeded), scored by the real scoring library, so the
fixtures have every section a report shows (domains, KPIs, drivers, change, reliability).
Item distributions are not part of the scoring output; they are added here the way the app
adds them (weighted share of each answer per item).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.cli.score import build_round, json_safe
from app.demo.synthetic import ENTERPRISES, DemoEnterprise, registry_rows, simulate_answers
from questionnaires import load
from scoring.calendar import load_calendar
from scoring.instrument import general_likert_items, specs_from_questionnaire
from scoring.plan import validate_plan
from scoring.scorecard import score_round

HERE = Path(__file__).parent
ROOT = HERE.parents[3]
PLAN = {
    "questionnaire": {"code": "after-sales", "version": 1},
    "strata": ["channel"],
    "weights": {
        "attitude": 0.25,
        "efficiency": 0.25,
        "content": 0.2,
        "environment": 0.1,
        "responsiveness": 0.2,
    },
    "confidence": 0.95,
    "grades": [
        {"grade": "A", "min": 85},
        {"grade": "B", "min": 75},
        {"grade": "C", "min": 65},
        {"grade": "D", "min": 55},
        {"grade": "E", "min": 0},
    ],
    "exclusions": {"straightlining": True},
}
EXTRA = (DemoEnterprise("E011", "金桥电器服务有限公司", "Jinqiao Appliance Service", 2400, 0.6),)


def _round(
    seed: int, shift: float, scale: int, previous: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    q = load(ROOT / "questionnaires/templates/after-sales.yaml")
    dims = specs_from_questionnaire(q)
    general = general_likert_items(q)
    plan_doc = dict(PLAN, questionnaire={"code": q.code, "version": q.version})
    plan = validate_plan(plan_doc)
    overall = next(i for i in general if i.code == plan.overall_item)
    dim_items = [(d.code, [(i.code, i.points, i.reverse) for i in d.items]) for d in dims]
    dim_items.append(("overall", [(overall.code, overall.points, overall.reverse)]))
    rng = np.random.default_rng(seed)
    frame, sample, resp = [], [], []
    rates = {"phone": 0.45, "online": 0.6, "store": 0.55, "onsite": 0.5}
    for ent in (*ENTERPRISES, *EXTRA):
        ent = DemoEnterprise(ent.code, ent.name_zh, ent.name_en, ent.cases // scale, ent.quality)
        rows = list(registry_rows(ent, rng))
        frame += rows
        for row in rows:
            if rng.random() >= 0.6:
                continue
            sample.append({"case_id": row["case_id"]})
            if rng.random() < rates[row["channel"]]:
                answers = simulate_answers(ent.quality + shift, dim_items, rng)
                resp.append({"case_id": row["case_id"], **answers})
    frame_df = pd.DataFrame(frame).replace("", None)
    resp_df = pd.DataFrame(resp)
    items = [i for d in dims for i in d.items] + [overall]
    data = build_round(plan, items, frame_df, resp_df, pd.DataFrame(sample), load_calendar(None))
    card = score_round(data, dims, plan, overall_item=overall, previous=previous)
    # Item distributions: share of each answer 1..K per item, weighted N_h / r_h.
    pop = data.stratum_pop
    counts = np.bincount(data.resp_stratum, minlength=len(pop))
    w = pop[data.resp_stratum] / np.maximum(counts[data.resp_stratum], 1)
    group = data.stratum_group[data.resp_stratum]
    for g, code in enumerate(data.enterprises):
        dist: dict[str, list[float]] = {}
        for j, it in enumerate(items[:-1]):
            col = data.answers[group == g, j]
            ww = w[group == g]
            ok = ~np.isnan(col)
            tot = ww[ok].sum()
            dist[it.code] = [
                round(float(ww[ok][col[ok] == k].sum() / tot), 4) for k in range(1, it.points + 1)
            ]
        card["enterprises"][code]["item_distributions"] = dist
    return json_safe(card), {"questionnaire": q.code, "frame_cases": len(frame_df)}


def main() -> None:
    previous, _ = _round(seed=2025, shift=-0.15, scale=4)
    current, _ = _round(seed=2026, shift=0.0, scale=4, previous=previous)
    (HERE / "scorecard_2026q4.json").write_text(
        json.dumps(current, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
