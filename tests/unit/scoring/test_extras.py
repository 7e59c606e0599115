"""Grades, peer benchmarks, response quality, calendar and KPIs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from scoring.benchmark import change_from_previous, holm, peer_comparisons
from scoring.calendar import load_calendar
from scoring.errors import CalendarError
from scoring.grades import Threshold, assign_grade
from scoring.kpis import frame_kpis, within_working_days
from scoring.plan import Exclusions
from scoring.quality import apply_exclusions
from scoring.results import Estimate

THRESHOLDS = [Threshold("A", 90), Threshold("B", 80), Threshold("E", 0)]


def test_grade_borderline_probability() -> None:
    est = Estimate(81.0, 1.0, 79.0, 83.0, 100, 102, "x")
    g = assign_grade(est, THRESHOLDS)
    assert g.grade == "B"
    assert g.borderline
    assert g.straddled[0].min == 80
    assert g.straddled[0].prob_at_or_above == pytest.approx(0.8399, abs=1e-3)  # t_100 cdf(1)


def test_holm_matches_statsmodels() -> None:
    p = np.random.default_rng(3).random((20, 6))
    expected = np.array([multipletests(row, method="holm")[1] for row in p])
    np.testing.assert_allclose(holm(p), expected, rtol=1e-12)


def test_peer_comparisons_leave_one_out() -> None:
    est = np.array([[80.0], [70.0], [75.0]])
    se = np.array([[1.0], [2.0], [2.0]])
    b = peer_comparisons(est, se, ["composite"], n_sim=500, seed=1)
    assert b.peer_mean[0, 0] == pytest.approx(72.5)
    assert b.se[0, 0] == pytest.approx(np.sqrt(1 + (4 + 4) / 4))
    assert b.rank[:, 0].tolist() == [1, 3, 2]
    assert b.percentile_rank[0, 0] == 100.0
    assert b.rank_low[0, 0] == 1


def test_change_from_previous() -> None:
    c = change_from_previous(82.0, 0.6, 80.0, 0.8)
    assert c.change == pytest.approx(2.0)
    assert c.se == pytest.approx(1.0)


def test_exclusions_follow_plan_only() -> None:
    answers = np.array([[3, 3, 3, 3, 3], [1, 2, 3, 4, 5], [4, 4, 4, 4, 4.0]])
    duration = np.array([100.0, 20.0, 100.0])
    devices = ["a", "b", "a"]
    off = apply_exclusions(answers, Exclusions(), duration, devices)
    assert off.keep.all()
    assert off.flagged["straightlining"].tolist() == [True, False, True]
    rules = Exclusions(True, 5, 40.0, "keep_first")
    on = apply_exclusions(answers, rules, duration, devices)
    assert on.keep.tolist() == [False, False, False]
    counts = on.counts_by_group(np.zeros(3, dtype=np.intp), 1)[0]
    assert counts["excluded"] == {"straightlining": 2, "too_fast": 1, "duplicate_device": 1}
    assert counts["excluded_total"] == 3


def test_calendar_make_up_days_and_coverage() -> None:
    cal = load_calendar()
    assert cal.is_workday(dt.date(2026, 2, 14))  # Saturday make-up working day
    assert not cal.is_workday(dt.date(2026, 2, 16))  # Spring Festival
    opened = np.array(["2026-02-13T10:00"], dtype="datetime64[s]")
    resolved = np.array(["2026-02-25T18:00"], dtype="datetime64[s]")
    assert within_working_days(opened, resolved, 3, cal)[0] == 1.0  # 14th, 24th, 25th
    with pytest.raises(CalendarError, match="2027"):
        cal.is_workday(dt.date(2027, 3, 1))


def test_kpi_census_has_zero_se() -> None:
    opened = np.array(["2026-03-02T09:00"] * 4, dtype="datetime64[s]")
    first = opened + np.array([1, 30, 2, 3], dtype="timedelta64[h]")
    k = frame_kpis(
        stratum=np.array([0, 0, 1, 1]), stratum_pop=np.array([2.0, 2.0]),
        stratum_group=np.array([0, 0]), opened_at=opened, first_response_at=first,
        resolved_at=None, complaint=np.array([0, 1, 0, 0.0]), complaint_class=None,
        calendar=None,
    )  # fmt: skip
    share = k.shares["first_response_24h"].at(0, 0)
    assert share.estimate == 0.75
    assert share.se == 0.0
    assert k.score("complaint_rate")[0][0] == 75.0
