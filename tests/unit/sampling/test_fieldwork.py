"""Response counts and rates per stratum and enterprise."""

from __future__ import annotations

import pytest

from sampling.draw import SelectedCase
from sampling.fieldwork import response_summary


def test_rates_per_stratum_and_enterprise() -> None:
    sample = [
        SelectedCase("C1", ("E1", "web"), 0.1, 1),
        SelectedCase("C2", ("E1", "web"), 0.2, 2),
        SelectedCase("C3", ("E1", "tel"), 0.3, 1),
        SelectedCase("C4", ("E2", "web"), 0.4, 1),
    ]
    summary = response_summary(sample, ["C1", "C3", "X9"])
    rates = {r.key: r.rate for r in summary.strata}
    assert rates == {("E1", "tel"): 1.0, ("E1", "web"): 0.5, ("E2", "web"): 0.0}
    assert {r.key: (r.sampled, r.responded) for r in summary.enterprises} == {
        ("E1",): (3, 2),
        ("E2",): (1, 0),
    }
    assert summary.rate == pytest.approx(0.5)
    assert summary.unknown_responses == 1
    assert summary.unknown_examples == ("X9",)
