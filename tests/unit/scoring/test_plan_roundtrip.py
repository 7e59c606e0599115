"""A stored (normalised) plan re-validates to the same document and hash."""

from __future__ import annotations

import pytest

from scoring.plan import validate_plan

BASE = {
    "questionnaire": {"code": "after-sales", "version": 1},
    "strata": ["channel"],
    "min_answered_share": 0.5,
    "confidence": 0.95,
    "grades": [{"grade": "A", "min": 80}, {"grade": "B", "min": 0}],
}


@pytest.mark.parametrize(
    "weights",
    [
        {"attitude": 0.6, "efficiency": 0.4},
        {"method": "ahp", "order": ["attitude", "efficiency"], "matrix": [[1, 3], [1 / 3, 1]]},
        {"method": "entropy"},
    ],
)
def test_normalised_plan_is_a_fixed_point(weights: dict[str, object]) -> None:
    first = validate_plan({**BASE, "weights": weights})
    again = validate_plan(dict(first.normalised))
    assert again.normalised == first.normalised
    assert again.sha256 == first.sha256
