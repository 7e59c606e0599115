"""Johnson's (2000) relative weights: exact properties that pin the implementation down.

Source: J. W. Johnson, "A heuristic method for estimating the relative weight of predictor
variables in multiple regression", Multivariate Behavioral Research 35(1), 2000 — the weights
sum to the model R², and with uncorrelated predictors each weight is the squared correlation
of that predictor with the outcome.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.drivers import relative_weights


def _corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.corrcoef(np.column_stack([x, y]).T)


def test_uncorrelated_predictors_get_their_squared_correlations() -> None:
    rng = np.random.default_rng(3)
    raw = rng.normal(size=(400, 3))
    # Orthonormal combinations of centred columns stay centred: correlations exactly 0.
    x, _ = np.linalg.qr(raw - raw.mean(axis=0))
    y = x @ np.array([3.0, 1.0, 0.5]) + rng.normal(scale=0.05, size=400)
    corr = _corr(x, y)
    eps, r2 = relative_weights(corr)
    assert eps == pytest.approx(corr[:-1, -1] ** 2, abs=1e-6)
    assert r2 == pytest.approx(float((corr[:-1, -1] ** 2).sum()), abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(2, 6))
def test_weights_sum_to_the_regression_r_squared(seed: int, p: int) -> None:
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(p, p))
    x = rng.normal(size=(300, p)) @ mix  # correlated predictors
    y = x @ rng.normal(size=p) + rng.normal(size=300)
    corr = _corr(x, y)
    eps, r2 = relative_weights(corr)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    ols_r2 = float(rxy @ np.linalg.solve(rxx, rxy))
    assert r2 == pytest.approx(ols_r2, rel=1e-6)
    assert (eps >= -1e-12).all()
