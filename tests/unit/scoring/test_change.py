"""Change between a round and its follow-up: difference of independent design-based estimates."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.weightstats import _tconfint_generic, _tstat_generic

from scoring.change import change_table, difference, welch_satterthwaite_df


def test_hand_computed_example() -> None:
    # Follow-up 78.0 (SE 1.2, df 100) against previous 72.0 (SE 1.6, df 60):
    #   d  = 78.0 − 72.0 = 6.0
    #   se = sqrt(1.2² + 1.6²) = sqrt(1.44 + 2.56) = sqrt(4) = 2.0
    #   df = (1.44 + 2.56)² / (1.44²/100 + 2.56²/60)
    #      = 16 / (0.020736 + 0.10922667) = 16 / 0.12996267 = 123.112
    #   t_{123.1, 0.975} = 1.97942  →  CI = 6 ± 3.95884 = [2.0412, 9.9588]
    #   t = 6/2 = 3  →  p = 2·(1 − T_{123.1}(3)) = 0.00327  → significant at 95 %
    d = difference(78.0, 1.2, 100, 72.0, 1.6, 60, confidence=0.95)
    assert d.estimate == pytest.approx(6.0)
    assert d.se == pytest.approx(2.0)
    assert d.df == pytest.approx(123.112, abs=1e-3)
    assert d.ci_low == pytest.approx(2.0412, abs=1e-4)
    assert d.ci_high == pytest.approx(9.9588, abs=1e-4)
    assert d.p_value == pytest.approx(0.00327, abs=1e-5)
    assert d.significant
    # At 99.9 % the same change is no longer significant (p 0.0033 > 0.001).
    assert not difference(78.0, 1.2, 100, 72.0, 1.6, 60, confidence=0.999).significant


def test_agrees_with_welch_test_in_scipy_and_statsmodels() -> None:
    # An estimate with SE s and df n−1 is a sample mean of n values with SD s·sqrt(n), so
    # Welch's two-sample t test from summary statistics is the same computation.
    later, se_l, n_l = 63.4, 2.7, 41
    earlier, se_e, n_e = 70.1, 1.9, 88
    d = difference(later, se_l, n_l - 1, earlier, se_e, n_e - 1, confidence=0.9)
    welch = stats.ttest_ind_from_stats(
        later, se_l * math.sqrt(n_l), n_l, earlier, se_e * math.sqrt(n_e), n_e, equal_var=False
    )
    assert d.estimate / d.se == pytest.approx(float(welch.statistic), rel=1e-12)
    assert d.p_value == pytest.approx(float(welch.pvalue), rel=1e-10)
    low, high = _tconfint_generic(d.estimate, d.se, d.df, 0.1, "two-sided")
    assert (d.ci_low, d.ci_high) == pytest.approx((float(low), float(high)), rel=1e-12)
    _, p = _tstat_generic(later, earlier, d.se, d.df, "two-sided", 0)
    assert d.p_value == pytest.approx(float(p), rel=1e-12)


def test_welch_satterthwaite_lies_between_the_smaller_df_and_the_sum() -> None:
    df = welch_satterthwaite_df(1.0, 10, 1.0, 30)
    assert min(10, 30) <= df <= 10 + 30


def test_census_on_both_sides_is_exact() -> None:
    d = difference(80.0, 0.0, 0, 75.0, 0.0, 0)
    assert (d.se, d.ci_low, d.ci_high, d.p_value, d.significant) == (0.0, 5.0, 5.0, 0.0, True)
    assert math.isinf(d.df)
    assert d.to_dict()["df"] is None
    same = difference(80.0, 0.0, 0, 80.0, 0.0, 0)
    assert (same.p_value, same.significant) == (1.0, False)


def test_census_on_one_side_takes_the_other_sides_df() -> None:
    d = difference(80.0, 0.0, 0, 75.0, 2.0, 25)
    assert d.df == pytest.approx(25.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.0, -1.0, 10, 0.0, 1.0, 10), "negative"),
        ((math.nan, 1.0, 10, 0.0, 1.0, 10), "later must be a finite"),
        ((1.0, 1.0, 0, 0.0, 1.0, 10), "degrees of freedom"),
    ],
)
def test_bad_input_is_named(args: tuple[float, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        difference(*args)


def test_confidence_out_of_range() -> None:
    with pytest.raises(ValueError, match="confidence"):
        difference(1.0, 1.0, 10, 0.0, 1.0, 10, confidence=1.0)


def _est(value: float, se: float = 1.5, df: float = 50) -> dict[str, float]:
    return {"estimate": value, "se": se, "df": df}


def test_change_table_per_dimension_and_composite() -> None:
    previous = {
        "composite": _est(58.0),
        "dimensions": {"attitude": _est(55.0), "efficiency": _est(61.0), "content": _est(60.0)},
    }
    current = {
        "composite": _est(66.0),
        "dimensions": {
            "attitude": _est(68.0),
            "efficiency": _est(61.5),
            "content": {"estimate": None, "se": None, "df": None},
        },
    }
    rows = change_table(previous, current, ["attitude", "efficiency", "content", "composite"])
    assert [r.measure for r in rows] == ["attitude", "efficiency", "composite"]
    by = {r.measure: r for r in rows}
    assert by["attitude"].previous == 55.0
    assert by["attitude"].current == 68.0
    assert by["attitude"].difference.estimate == pytest.approx(13.0)
    assert by["attitude"].difference.significant
    assert not by["efficiency"].difference.significant
    assert by["composite"].difference.estimate == pytest.approx(8.0)


estimates = st.floats(0, 100, allow_nan=False)
ses = st.floats(0.01, 20, allow_nan=False)
dfs = st.floats(1, 5000, allow_nan=False)
confidences = st.sampled_from([0.8, 0.9, 0.95, 0.99])


@given(estimates, ses, dfs, estimates, ses, dfs, confidences)
def test_antisymmetry(
    a: float, sa: float, da: float, b: float, sb: float, db: float, conf: float
) -> None:
    ab = difference(a, sa, da, b, sb, db, conf)
    ba = difference(b, sb, db, a, sa, da, conf)
    assert ab.estimate == -ba.estimate
    assert ab.se == ba.se
    assert ab.df == pytest.approx(ba.df, rel=1e-12)
    assert ab.ci_low == pytest.approx(-ba.ci_high, rel=1e-9, abs=1e-9)
    assert ab.ci_high == pytest.approx(-ba.ci_low, rel=1e-9, abs=1e-9)
    assert ab.p_value == pytest.approx(ba.p_value, rel=1e-9, abs=1e-15)
    assert ab.significant == ba.significant


@given(estimates, ses, dfs, estimates, ses, dfs, confidences)
def test_interval_contains_the_estimate_and_matches_the_test(
    a: float, sa: float, da: float, b: float, sb: float, db: float, conf: float
) -> None:
    d = difference(a, sa, da, b, sb, db, conf)
    assert d.ci_low <= d.estimate <= d.ci_high
    assert 0 <= d.p_value <= 1
    excludes_zero = d.ci_low > 0 or d.ci_high < 0
    # Away from the boundary (rounding) the CI and the test tell the same story.
    if min(abs(d.ci_low), abs(d.ci_high)) > 1e-9 * max(1.0, abs(d.estimate)):
        assert d.significant == excludes_zero


@given(estimates, st.floats(0, 20, allow_nan=False), dfs, st.floats(0, 20), dfs, confidences)
def test_zero_difference_is_never_significant(
    a: float, sa: float, da: float, sb: float, db: float, conf: float
) -> None:
    d = difference(a, sa, da, a, sb, db, conf)
    assert d.estimate == 0
    assert not d.significant
    assert d.p_value == 1.0
