"""The scorecard's sorted / moment-based fast paths equal the plain estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cli.score import _factorize_sorted, _positions
from scoring.answers import answer_codes
from scoring.design import make_design
from scoring.errors import AnswerRangeError
from scoring.estimators import (
    composite_mean,
    dimension_scores,
    domain_means,
    hajek_fit,
    rescale_items,
)
from scoring.instrument import DimensionSpec, ItemSpec
from scoring.plan import validate_plan
from scoring.quality import straightlining
from scoring.reliability import cronbach_alpha
from scoring.scorecard import RoundData, score_round

DIMS = (
    DimensionSpec("a", (ItemSpec("a1", 5), ItemSpec("a2", 5), ItemSpec("a3", 5, True))),
    DimensionSpec("b", (ItemSpec("b1", 7), ItemSpec("b2", 5), ItemSpec("b3", 4, True))),
)
CODES = [it.code for d in DIMS for it in d.items]
POINTS = [it.points for d in DIMS for it in d.items]
REVERSE = [it.reverse for d in DIMS for it in d.items]


def _plan(straightlining: bool) -> object:
    return validate_plan(
        {
            "questionnaire": {"code": "q", "version": 1},
            "strata": ["channel"],
            "weights": {"a": 2, "b": 1},
            "grades": [{"grade": "A", "min": 60}, {"grade": "B", "min": 0}],
            "exclusions": {"straightlining": {"min_items": 3} if straightlining else False},
        }
    )


def _round(seed: int) -> RoundData:
    rng = np.random.default_rng(seed)
    n_ent, per_ent = 3, 4
    n_s = n_ent * per_ent
    sizes = rng.integers(2, 30, n_s)
    sizes[1] = 1  # a lonely stratum
    sizes[5] = 0  # a stratum without respondents
    stratum = rng.permutation(np.repeat(np.arange(n_s), sizes))
    pop = (sizes + rng.integers(0, 20, n_s)).astype(np.float64)
    pop[1] += 3
    pop[2] = sizes[2]  # a census stratum
    pop = np.maximum(pop, 1.0)
    answers = np.column_stack([rng.integers(1, k + 1, stratum.size) for k in POINTS]).astype(float)
    answers[rng.random(answers.shape) < 0.2] = np.nan
    answers[:4] = 3.0  # straight-liners
    group = np.repeat(np.arange(n_ent), per_ent)
    return RoundData(
        enterprises=tuple(f"E{g}" for g in range(n_ent)),
        stratum_pop=pop,
        stratum_group=group,
        stratum_keys=tuple((f"ch{h % 2}",) for h in range(n_s)),
        frame_size=np.bincount(group, weights=pop).astype(np.int64),
        sampled=None,
        resp_stratum=stratum,
        answers=answers,
        item_codes=tuple(CODES),
    )


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_scorecard_equals_plain_estimators(seed: int, exclude: bool) -> None:
    data = _round(seed)
    plan = _plan(exclude)
    card = score_round(data, DIMS, plan, with_drivers=False)  # type: ignore[arg-type]
    keep = ~straightlining(data.answers, 3) if exclude else np.ones(len(data.answers), bool)
    design = make_design(data.resp_stratum[keep], data.stratum_pop, data.stratum_group)
    items = rescale_items(data.answers[keep], POINTS, REVERSE)
    scores = dimension_scores(items, DIMS, CODES, 0.5)
    fit = hajek_fit(scores, design)
    omega = np.array([2 / 3, 1 / 3])
    comp = composite_mean(fit, omega, design)
    channel = np.array([h % 2 for h in range(data.stratum_pop.size)])[design.stratum]
    dom = domain_means(scores, design, channel, 2, composite_weights=omega)
    groups = design.unit_group
    for g, code in enumerate(data.enterprises):
        ent = card["enterprises"][code]
        assert ent["composite"]["estimate"] == pytest.approx(comp.estimate[g], rel=1e-12)
        assert ent["composite"]["se"] == pytest.approx(comp.se[g], rel=1e-9, abs=1e-12)
        assert ent["composite"]["df"] == comp.df[g]
        assert ent["composite"]["n"] == comp.n[g]
        for d, dim in enumerate(DIMS):
            got = ent["dimensions"][dim.code]
            assert got["estimate"] == pytest.approx(fit.table.estimate[g, d], rel=1e-12)
            assert got["se"] == pytest.approx(fit.table.se[g, d], rel=1e-9, abs=1e-12)
            assert (got["df"], got["n"]) == (fit.table.df[g, d], fit.table.n[g, d])
            cols = [CODES.index(it.code) for it in dim.items]
            want = cronbach_alpha(items[:, cols], groups, design.n_groups, ())[g]
            rel = ent["reliability"][dim.code]
            assert rel["n_complete"] == want.n_complete
            assert rel["alpha"] == pytest.approx(want.alpha, rel=1e-9, nan_ok=True)
        for c in range(2):
            cell = ent["domains"]["channel"].get(f"ch{c}")
            if cell is None or "suppressed" in cell:
                continue
            assert cell["composite"]["estimate"] == pytest.approx(dom.estimate[g, c, 2])
            assert cell["composite"]["se"] == pytest.approx(dom.se[g, c, 2], rel=1e-9)
            assert cell["composite"]["df"] == dom.df[g, c, 2]
            for d, dim in enumerate(DIMS):
                assert cell["dimensions"][dim.code]["se"] == pytest.approx(
                    dom.se[g, c, d], rel=1e-9, abs=1e-12
                )


def test_answer_codes_name_line_and_column() -> None:
    items = [ItemSpec("x", 5), ItemSpec("y", 5)]
    ok = np.array([[1.0, np.nan], [5.0, 3.0]])
    np.testing.assert_array_equal(answer_codes(ok, [0, 1], items), [[1, 0], [5, 3]])
    for bad in (2.5, 6.0, 0.0, -1.0, 300.0, np.inf):
        answers = np.array([[1.0, 2.0], [3.0, bad]])
        with pytest.raises(AnswerRangeError, match="line 3, column y"):
            answer_codes(answers, [0, 1], items)


def test_straightlining_on_codes_matches_raw_answers() -> None:
    rng = np.random.default_rng(3)
    raw = rng.integers(1, 3, (500, 6)).astype(float)
    raw[rng.random(raw.shape) < 0.3] = np.nan
    codes = answer_codes(raw, range(6), [ItemSpec(f"i{j}", 5) for j in range(6)])
    np.testing.assert_array_equal(straightlining(codes, 3), straightlining(raw, 3))


def test_csv_id_helpers_match_pandas() -> None:
    frame = pd.Series(["c3", "c1", "c2", "c10"], dtype="str")
    resp = pd.Series(["c10", "x", "c1"], dtype="str")
    assert _positions(resp, pd.Index(frame)).tolist() == [3, -1, 1]
    codes, uniq = _factorize_sorted(pd.Series(["b", "a", "b", "c"], dtype="str"))
    want_codes, want_uniq = pd.factorize(pd.Series(["b", "a", "b", "c"]), sort=True)
    assert codes.tolist() == want_codes.tolist()
    assert list(uniq) == list(want_uniq)
