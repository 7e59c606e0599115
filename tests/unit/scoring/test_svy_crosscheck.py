"""Dimension means and SEs against ``svy`` (independent Rust implementation) on random designs.

The R equivalent of each check (DESIGN §4.8):
    des <- svydesign(id = ~1, strata = ~h, fpc = ~N, data = d)
    svyby(~y, ~ent, des, svymean, na.rm = TRUE)
"""

from __future__ import annotations

import numpy as np
import pytest

from scoring.design import make_design
from scoring.estimators import stratified_means

svy = pytest.importorskip("svy")
pl = pytest.importorskip("polars")


def _random_design(seed: int, lonely: bool) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n_groups, per_group = 4, 5
    n_strata = n_groups * per_group
    pop = rng.integers(3, 60, n_strata).astype(float)
    group = np.repeat(np.arange(n_groups), per_group)
    resp = np.array([rng.integers(2, int(n) + 1) for n in pop])
    census = rng.random(n_strata) < 0.15  # some census strata: they must contribute 0
    resp[census] = pop[census].astype(int)
    if lonely:
        resp[[1, 7]] = 1
    stratum = np.repeat(np.arange(n_strata), resp)
    y = rng.uniform(0, 100, (stratum.size, 3))
    y[rng.random(y.shape) < 0.15] = np.nan
    return stratum, pop, group, y


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("lonely", [False, True])
def test_means_and_se_match_svy(seed: int, lonely: bool) -> None:
    stratum, pop, group, y = _random_design(seed, lonely)
    design = make_design(stratum, pop, group)
    ours = stratified_means(y, design)
    frame = {"h": stratum, "ent": group[stratum], "w": design.weight, "N": pop[stratum]}
    frame |= {f"y{j}": y[:, j] for j in range(y.shape[1])}
    # svy's singleton "center" is R's lonely.psu = "adjust".
    spec = svy.Design(stratum="h", wgt="w", pop_size="N", singleton="center" if lonely else None)
    sample = svy.Sample(pl.DataFrame(frame), spec)
    for j in range(y.shape[1]):
        theirs = sample.estimation.mean(f"y{j}", by="ent", drop_nulls=True).to_polars().sort("ent")
        np.testing.assert_allclose(ours.estimate[:, j], theirs["est"].to_numpy(), rtol=1e-10)
        np.testing.assert_allclose(ours.se[:, j], theirs["se"].to_numpy(), rtol=1e-8)
