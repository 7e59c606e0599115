from __future__ import annotations

from pathlib import Path

import pytest

from scoring.errors import PlanError
from scoring.plan import load_plan, validate_plan

PLAN = {
    "questionnaire": {"code": "after-sales", "version": 3},
    "strata": ["channel"],
    "weights": {"attitude": 0.6, "efficiency": 0.4},
    "min_answered_share": 0.5,
    "confidence": 0.95,
    "grades": [{"grade": "B", "min": 80}, {"grade": "A", "min": 90}, {"grade": "E", "min": 0}],
}


def test_valid_plan_normalises_and_hashes() -> None:
    plan = validate_plan(PLAN)
    assert [g.grade for g in plan.grades] == ["A", "B", "E"]
    assert plan.weight_method == "fixed"
    reordered = dict(reversed(list(PLAN.items())))
    assert validate_plan(reordered).sha256 == plan.sha256
    changed = PLAN | {"confidence": 0.9}
    assert validate_plan(changed).sha256 != plan.sha256
    assert len(plan.sha256) == 64


def test_every_problem_has_its_key_path() -> None:
    bad = PLAN | {
        "weights": {"attitude": -1},
        "confidence": 1.5,
        "grades": [{"grade": "A"}],
        "kpis": {"first_response_24h": {"weight": 2}},
        "exclusions": {"duplicate_device": "maybe"},
        "colour": "red",
    }
    with pytest.raises(PlanError) as err:
        validate_plan(bad)
    text = str(err.value)
    for path in [
        "weights.attitude",
        "confidence",
        "grades[0]",
        "kpis.first_response_24h.weight",
        "exclusions.duplicate_device",
        "colour",
    ]:
        assert path in text


def test_load_yaml(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text(
        "questionnaire: {code: q, version: 1}\nweights: {method: entropy}\n"
        "grades: [{grade: A, min: 0}]\nexclusions: {straightlining: true}\n",
        encoding="utf-8",
    )
    plan = load_plan(p)
    assert plan.weight_method == "entropy"
    assert plan.exclusions.straightlining
    assert plan.strata == ()
