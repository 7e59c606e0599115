"""Complaint time limits, shares within them (census and sample), breaches and categories."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.calendar import load_calendar
from scoring.complaint_categories import category_trends
from scoring.complaints import (
    CLASS_COLUMNS,
    TIME_LIMITS,
    ComplaintCases,
    EventOrderError,
    analyse_complaints,
    breaches,
    check_limits,
    limit_shares,
)
from scoring.errors import InputDataError

CAL = load_calendar()
GENERAL, COMPLEX, URGENT, ALL = 0, 1, 2, 3


def times(*values: str) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    return np.array(values, dtype="datetime64[s]")


def _cases(**kw: Any) -> ComplaintCases:
    n = len(kw["opened_at"])
    base: dict[str, Any] = {
        "group": np.zeros(n, dtype=np.intp),
        "stratum": np.zeros(n, dtype=np.intp),
        "complaint_class": np.zeros(n, dtype=np.intp),
        "n_groups": 1,
    }
    return ComplaintCases(**{**base, **kw})


def test_each_limit_per_case_by_hand() -> None:
    # Monday 2026-03-02 09:00 opening for all four complaints.
    opened = times(*["2026-03-02T09:00"] * 4)
    cases = _cases(
        opened_at=opened,
        complaint_class=np.array([GENERAL, COMPLEX, COMPLEX, URGENT]),
        # +11 h, +35 h (late for 24 h, fine for 48 h), +49 h (late for both), never
        first_response_at=times("2026-03-02T20:00", "2026-03-03T20:00", "2026-03-04T10:00", "NaT"),
        # +48 h exactly (met: the limit is inclusive), +47 h, +3 days, +1 h
        assessed_at=times(
            "2026-03-04T09:00", "2026-03-04T08:00", "2026-03-05T09:00", "2026-03-02T10:00"
        ),
        # only complex cases are followed up: +72 h met, +73 h breached
        followed_up_at=times("NaT", "2026-03-05T09:00", "2026-03-05T10:00", "NaT"),
        # 3 working days after Mon 2 March: Tue 3, Wed 4, Thu 5 → deadline Thu 5 March
        resolved_at=times("2026-03-05T23:00", "2026-03-06T08:00", "NaT", "2026-03-02T12:00"),
        # 30 × 24 h: 1 April 09:00 is exactly 30 days; the urgent one took 31 days
        closed_at=times("2026-04-01T09:00", "2026-03-20T00:00", "NaT", "2026-04-02T09:00"),
    )  # fmt: skip
    checks = check_limits(cases, CAL)
    assert checks.codes == tuple(limit.code for limit in TIME_LIMITS)
    nan = math.nan
    expected = [
        # 24h 48h assess follow result closed
        [1, 1, 1, nan, 1, 1],  # general: follow-up does not apply
        [0, 1, 1, 1, 0, 1],
        [0, 0, 0, 0, 0, 0],  # nothing recorded in time, no as_of: every limit breached
        [0, 0, 1, nan, 1, 0],  # urgent: never answered
    ]
    np.testing.assert_array_equal(checks.met, np.array(expected))
    found = breaches(checks)
    assert [b.index for b in found] == [1, 2, 3]
    assert found[0].limits == ("first_response_24h", "result_3_working_days")
    assert found[2].limits == ("first_response_24h", "first_response_48h", "closed_30_days")


def test_working_days_skip_the_national_day_holiday() -> None:
    # Opened Wed 30 Sept 2026; 1–7 Oct are holidays, Sat 10 Oct a make-up working day:
    # working days after the opening day are 8, 9, 10 Oct → the 3-day deadline is 10 Oct.
    cases = _cases(
        opened_at=times("2026-09-30T10:00", "2026-09-30T10:00"),
        resolved_at=times("2026-10-10T18:00", "2026-10-11T09:00"),
    )
    assert check_limits(cases, CAL).met[:, 0].tolist() == [1.0, 0.0]


def test_pending_extended_unknown_class_and_absent_columns() -> None:
    cases = _cases(
        opened_at=times("2026-03-02T09:00", "2026-03-02T09:00", "2026-03-02T09:00", "NaT"),
        complaint_class=np.array([GENERAL, GENERAL, -1, GENERAL]),
        closed_at=times("NaT", "2026-05-01T00:00", "NaT", "NaT"),
        followed_up_at=times("NaT", "NaT", "NaT", "NaT"),
        extended=np.array([False, True, False, False]),
    )
    # as_of 20 March: 18 days open, the 30-day limit has not run out → pending (NaN);
    # the 72 h follow-up limit has run out, but it applies to complex complaints only.
    checks = check_limits(cases, CAL, as_of=np.datetime64("2026-03-20T00:00"))
    assert checks.codes == ("followed_up_72h", "closed_30_days")
    follow, closed = checks.met[:, 0], checks.met[:, 1]
    assert np.isnan(follow).all()  # the unknown class too: it may not have been complex
    assert np.isnan(closed[0])  # pending
    assert np.isnan(closed[1])  # extended with consent: not judged against 30 days
    assert np.isnan(closed[3])  # opening time unknown: not observed
    later = check_limits(cases, CAL, as_of=np.datetime64("2026-04-10T00:00"))
    assert later.met[0, 1] == 0.0  # 39 days without closure is a breach
    assert later.met[2, 1] == 0.0  # a limit of every class judges an unknown class too


def test_an_event_before_the_opening_is_refused_with_its_position() -> None:
    cases = _cases(
        opened_at=times("2026-03-02T09:00", "2026-03-02T09:00", "2026-03-02T09:00"),
        assessed_at=times("2026-03-02T10:00", "2026-03-01T09:00", "2026-03-01T08:00"),
    )
    with pytest.raises(EventOrderError, match="complaint 1: assessed_at is before opened_at") as e:
        check_limits(cases, CAL)
    assert (e.value.index, e.value.event, e.value.count) == (1, "assessed_at", 2)


def test_bad_arrays_name_the_field() -> None:
    opened = times("2026-03-02T09:00", "2026-03-02T09:00")
    with pytest.raises(InputDataError, match="closed_at"):
        _cases(opened_at=opened, closed_at=times("2026-03-02T09:00"))
    with pytest.raises(InputDataError, match="complaint_class"):
        _cases(opened_at=opened, complaint_class=np.array([0, 3]))
    with pytest.raises(InputDataError, match="group ids"):
        _cases(opened_at=opened, group=np.array([0, 1]))
    with pytest.raises(InputDataError, match="category"):
        _cases(opened_at=opened, category=("a",))


def test_census_share_has_no_sampling_error() -> None:
    # Two enterprises, every complaint's times known. Enterprise 0: general complaints
    # answered in 2 h, 30 h, 5 h → 2/3 within 24 h; complex: 1 h → 1/1. All: 3/4.
    opened = times(*["2026-03-02T09:00"] * 5)
    cases = _cases(
        opened_at=opened,
        group=np.array([0, 0, 0, 0, 1]),
        stratum=np.array([0, 1, 1, 0, 2]),
        complaint_class=np.array([GENERAL, GENERAL, GENERAL, COMPLEX, URGENT]),
        first_response_at=opened + np.array([2, 30, 5, 1, 50], dtype="timedelta64[h]"),
        n_groups=2,
    )
    shares = limit_shares(cases, check_limits(cases, CAL))
    assert shares.limits == ("first_response_24h", "first_response_48h")
    assert shares.complaints.tolist() == [[3, 1, 0, 4], [0, 0, 1, 1]]
    assert shares.census.all()
    general = shares.at(0, GENERAL, 0)
    assert general.estimate == pytest.approx(2 / 3)
    assert (general.se, general.ci_low, general.ci_high, general.n) == (0.0, 2 / 3, 2 / 3, 3)
    assert general.method == "census"
    assert shares.at(0, COMPLEX, 0).estimate == 1.0
    assert shares.at(0, ALL, 0).estimate == pytest.approx(3 / 4)
    assert shares.at(1, URGENT, 0).estimate == 0.0  # 50 h: late for 24 h…
    assert shares.at(1, URGENT, 1).estimate == 0.0  # …and for 48 h
    assert math.isnan(shares.at(1, GENERAL, 0).estimate)  # no general complaint there
    assert shares.at(1, GENERAL, 0).n == 0


def test_sampled_times_give_a_stratified_estimate_by_hand() -> None:
    # One enterprise, general complaints. Stratum A: N = 4 complaints, times known for 2
    # (met, breached); stratum B: N = 2, both known (met, met) — a census stratum.
    # Weights w_A = 4/2 = 2, w_B = 2/2 = 1.
    # p̂ = Σ w y / Σ w = (2·1 + 2·0 + 1 + 1) / (2 + 2 + 1 + 1) = 4/6 = 0.6667
    # z_i = w_i (y_i − p̂) / Σw: A: 2(1/3)/6 = 1/9, 2(−2/3)/6 = −2/9 (mean −1/18);
    # Σ (z − z̄)² = (1/6)² + (1/6)² = 1/18; V̂ = (1 − 2/4) · 2/(2 − 1) · 1/18 = 1/18
    # (B contributes 0: fpc 1 − 2/2). SE = √(1/18) = 0.235702; df = 4 − 2 strata = 2;
    # CI = 0.6667 ± t(2, .975) 4.302653 · 0.235702 = −0.3475 … 1.6808 (reported, not clipped).
    # R: svymean(~y, svydesign(id=~1, strata=~s, fpc=~N, data=known)) gives the same.
    opened = times(*["2026-03-02T09:00"] * 6)
    opened[[2, 3]] = np.datetime64("NaT")  # times not collected for unsampled cases
    cases = _cases(
        opened_at=opened,
        stratum=np.array([0, 0, 0, 0, 1, 1]),
        first_response_at=opened + np.array([1, 30, 0, 0, 2, 3], dtype="timedelta64[h]"),
    )
    shares = limit_shares(cases, check_limits(cases, CAL))
    assert shares.complaints[0, GENERAL] == 6
    assert shares.observed[0, GENERAL] == 4
    assert not shares.census[0, GENERAL]
    est = shares.at(0, GENERAL, 0)
    assert est.estimate == pytest.approx(4 / 6)
    assert est.se == pytest.approx(math.sqrt(1 / 18))
    assert est.df == 2
    assert est.n == 4
    assert est.ci_low == pytest.approx(4 / 6 - 4.302653 * math.sqrt(1 / 18), abs=1e-6)
    assert est.ci_high == pytest.approx(4 / 6 + 4.302653 * math.sqrt(1 / 18), abs=1e-6)
    # The "all complaints" column has the same cells here, hence the same figures.
    assert shares.at(0, ALL, 0).se == pytest.approx(est.se)


def test_categories_counts_shares_and_monthly_trend_by_hand() -> None:
    group = np.array([0, 0, 0, 0, 0, 0, 1])
    category = ("repair", "billing", "repair", " ", "delivery", "billing", "repair")
    opened = times(
        "2026-01-05T09:00", "2026-01-20T09:00", "2026-02-03T09:00", "2026-02-04T09:00",
        "2026-02-10T09:00", "NaT", "2026-03-01T09:00",
    )  # fmt: skip
    trends = category_trends(group, category, opened, n_groups=2, top=2)
    first = trends[0]
    # Enterprise 0: 5 categorised (the blank one is not), repair 2, billing 2, delivery 1;
    # top 2 with the tie broken by name: billing, repair.
    assert first.months == ("2026-01", "2026-02", "2026-03")
    assert (first.total, first.uncategorised) == (5, 1)
    assert first.monthly_total == (2, 2, 0)  # the undated billing complaint is in no month
    assert [(c.category, c.count, c.share) for c in first.top] == [
        ("billing", 2, 0.4),
        ("repair", 2, 0.4),
    ]
    billing, repair = first.top
    assert billing.monthly == (1, 0, 0)
    assert billing.monthly_share == (0.5, 0.0, None)  # January 1 of 2; no complaint in March
    assert repair.monthly_share == (0.5, 0.5, None)
    second = trends[1]
    assert [(c.category, c.count, c.share) for c in second.top] == [("repair", 1, 1.0)]
    assert second.monthly_total == (0, 0, 1)


def test_analysis_bundles_everything() -> None:
    opened = times("2026-03-02T09:00", "2026-03-02T09:00")
    cases = _cases(
        opened_at=opened,
        closed_at=times("2026-03-03T09:00", "NaT"),
        extended=np.array([False, True]),
        category=("repair", None),
    )
    result = analyse_complaints(cases, CAL, as_of=np.datetime64("2026-06-01T00:00"))
    assert result.extended.tolist() == [1]
    assert result.breaches == ()
    assert result.categories[0].top[0].category == "repair"
    assert result.shares.at(0, ALL, 0).estimate == 1.0
    assert CLASS_COLUMNS[ALL] == "all"


HOURS = st.lists(st.one_of(st.none(), st.integers(0, 24 * 40)), min_size=6, max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 2),  # group
            st.integers(0, 1),  # stratum
            st.integers(-1, 2),  # class
            st.booleans(),  # opening time known
            st.booleans(),  # extended
            HOURS,
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_properties_shares_in_unit_interval_and_compliant_cases_never_listed(
    rows: list[tuple[int, int, int, bool, bool, list[int | None]]],
) -> None:
    base = np.datetime64("2026-03-02T09:00", "s")
    opened = np.array([base if r[3] else np.datetime64("NaT") for r in rows], "datetime64[s]")

    def event(j: int) -> np.ndarray[Any, np.dtype[np.datetime64]]:
        return np.array(
            [
                np.datetime64("NaT") if r[5][j] is None else base + np.timedelta64(r[5][j], "h")
                for r in rows
            ],
            dtype="datetime64[s]",
        )

    cases = ComplaintCases(
        group=np.array([r[0] for r in rows], dtype=np.intp),
        stratum=np.array([r[1] for r in rows], dtype=np.intp),
        complaint_class=np.array([r[2] for r in rows], dtype=np.intp),
        opened_at=opened,
        n_groups=3,
        first_response_at=event(0),
        assessed_at=event(1),
        followed_up_at=event(2),
        resolved_at=event(3),
        closed_at=event(4),
        extended=np.array([r[4] for r in rows]),
    )
    result = analyse_complaints(cases, CAL, as_of=base + np.timedelta64(24 * 45, "h"))
    est = result.shares.table.estimate
    finite = est[np.isfinite(est)]
    assert ((finite >= 0.0) & (finite <= 1.0)).all()
    assert (result.shares.observed <= result.shares.complaints).all()
    # Where every complaint's times are known the fpc leaves no sampling variance.
    se = result.shares.table.se[result.shares.census]
    assert np.allclose(se[np.isfinite(se)], 0.0)
    listed = {b.index for b in result.breaches}
    met = result.checks.met
    for i in range(len(rows)):
        meets_all = not (met[i] == 0.0).any()
        assert (i in listed) is not meets_all
    for b in result.breaches:
        for code in b.limits:
            assert met[b.index, result.checks.codes.index(code)] == 0.0
