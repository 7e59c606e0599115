"""Estimators against published R ``survey`` figures (see results/reference.py for the calls)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.design import make_design
from scoring.estimators import stratified_means, stratified_totals
from scoring.reliability import cronbach_alpha
from scoring.weights import ahp_weights
from tests.unit.scoring.results import reference as ref


@pytest.mark.parametrize(("fpc", "se"), [(True, ref.FPC_SE), (False, ref.FPC_SE_NOFPC)])
def test_fpc_example(fpc: bool, se: float) -> None:
    # svymean(~x, svydesign(id=~1, strata=~stratid, fpc=~Nh, data=fpc))
    design = make_design(ref.FPC_STRATUM, ref.FPC_N, fpc=fpc)
    est = stratified_means(np.array(ref.FPC_X), design).at(0, 0)
    assert est.estimate == pytest.approx(ref.FPC_MEAN, abs=5e-5)
    assert est.se == pytest.approx(se, abs=5e-5)
    assert est.df == 6


def test_apistrat_mean(apistrat: dict[str, np.ndarray]) -> None:
    # svymean(~api00, dstrat); confint(..., df = degf(dstrat))
    design = make_design(apistrat["stratum"], apistrat["pop"])
    est = stratified_means(apistrat["api00"], design).at(0, 0)
    assert est.estimate == pytest.approx(ref.API00_MEAN, abs=5e-3)
    assert est.se == pytest.approx(ref.API00_SE, abs=5e-5)
    assert est.df == ref.API00_DF
    assert (est.ci_low, est.ci_high) == pytest.approx(ref.API00_CI, abs=5e-3)


def test_apistrat_total(apistrat: dict[str, np.ndarray]) -> None:
    # svytotal(~enroll, dstrat)
    design = make_design(apistrat["stratum"], apistrat["pop"])
    est = stratified_totals(apistrat["enroll"], design).at(0, 0)
    assert est.estimate == pytest.approx(ref.ENROLL_TOTAL, abs=0.5)
    assert est.se == pytest.approx(ref.ENROLL_SE, abs=0.5)


def test_saaty_drinks() -> None:
    w = ahp_weights(ref.SAATY_ORDER, ref.SAATY_MATRIX)
    assert np.round(w.values, 3) == pytest.approx(ref.SAATY_WEIGHTS, abs=1e-9)
    assert w.cr == pytest.approx(ref.SAATY_CR, abs=5e-4)


def test_cronbach_alpha_by_hand() -> None:
    # psych::alpha(data.frame(a = 1:5, b = c(2,3,3,5,4), c = c(3,3,4,4,5)))
    x = np.array(ref.ALPHA_DATA, dtype=float)
    rel = cronbach_alpha(x, np.zeros(5, dtype=np.intp), 1, ("a", "b", "c"))[0]
    assert rel.alpha == pytest.approx(ref.ALPHA, rel=1e-12)
    assert rel.alpha_if_deleted[0] == pytest.approx(ref.ALPHA_IF_DELETED_A, rel=1e-12)
    assert rel.warning is None
