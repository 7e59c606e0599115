"""Weighted answer distributions per item and enterprise (the report's diverging bars)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.answers import item_distributions
from scoring.instrument import ItemSpec


def test_shares_are_weighted_by_design_weights() -> None:
    # One enterprise, two strata: A (N=10, r=2 → weight 5) and B (N=4, r=2 → weight 2).
    # Answers to a 5-point item: A: 1, 2; B: 2, missing. Weighted: "1" 5, "2" 5 + 2 = 7.
    codes = np.array([[1], [2], [2], [0]], dtype=np.int8)
    weight = np.array([5.0, 5.0, 2.0, 2.0])
    group = np.zeros(4, dtype=np.intp)
    out = item_distributions(codes, weight, group, 1, [ItemSpec("q1", 5, False)])
    assert out[0]["q1"] == pytest.approx([5 / 12, 7 / 12, 0.0, 0.0, 0.0])


def test_groups_are_separate_and_empty_groups_say_so() -> None:
    codes = np.array([[3], [3], [0]], dtype=np.int8)
    weight = np.ones(3)
    group = np.array([0, 0, 1], dtype=np.intp)
    out = item_distributions(codes, weight, group, 2, [ItemSpec("q1", 3, True)])
    assert out[0]["q1"] == pytest.approx([0.0, 0.0, 1.0])
    assert out[1]["q1"] == []
