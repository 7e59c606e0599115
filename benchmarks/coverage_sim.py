"""Coverage of the 95 % composite interval under the design Tianping assumes (DESIGN §4).

    .venv/bin/python benchmarks/coverage_sim.py [--enterprises 2000] [--rounds 10] [--seed 7]

Each enterprise has a known finite population of respondent-level dimension scores in 4
strata (N_h 20–300). Each round draws 50–80 % of every stratum without replacement, then
nonresponse removes cases completely at random within the stratum (response rate 55–95 %),
and 5 % of dimension scores are missing. The composite interval (t, df = r − H) should cover
the population composite ~95 % of the time; without the fpc the intervals are too wide and
cover far more often than 95 %.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.design import make_design
from scoring.estimators import composite_mean, hajek_fit

N_STRATA, N_DIMS = 4, 5
OMEGA = np.array([0.25, 0.25, 0.2, 0.1, 0.2])


def population(rng: np.random.Generator, n_ent: int) -> tuple[np.ndarray, ...]:
    pop = rng.integers(20, 301, n_ent * N_STRATA)
    group = np.repeat(np.arange(n_ent), N_STRATA)
    unit_stratum = np.repeat(np.arange(pop.size), pop)
    level = rng.normal(75, 8, pop.size)[unit_stratum]
    # Skewed, bounded scores with within-stratum correlation between dimensions.
    common = rng.normal(0, 10, unit_stratum.size)
    scores = np.clip(
        level[:, None] + common[:, None] + rng.normal(0, 8, (unit_stratum.size, N_DIMS)), 0, 100
    )
    g_unit = group[unit_stratum]
    counts = np.bincount(g_unit, minlength=n_ent)
    true = np.column_stack(
        [np.bincount(g_unit, weights=scores[:, d], minlength=n_ent) / counts for d in range(N_DIMS)]
    )
    return pop.astype(float), group, unit_stratum, scores, true @ OMEGA


def one_round(
    rng: np.random.Generator,
    pop: np.ndarray,
    group: np.ndarray,
    unit_stratum: np.ndarray,
    scores: np.ndarray,
    fpc: bool,
) -> tuple[np.ndarray, ...]:
    frac = rng.uniform(0.5, 0.8, pop.size)[unit_stratum]
    resp_rate = rng.uniform(0.55, 0.95, pop.size)[unit_stratum]
    # Without replacement within stratum: rank random keys, keep the first ceil(f·N_h);
    # respondents are then an MCAR subset of the sample.
    key = rng.random(unit_stratum.size)
    order = np.lexsort((key, unit_stratum))
    starts = np.concatenate([[0], np.cumsum(pop.astype(int))[:-1]])
    rank = np.empty(unit_stratum.size, dtype=np.int64)
    rank[order] = np.arange(unit_stratum.size) - np.repeat(starts, pop.astype(int))
    sampled = rank < np.ceil(frac * pop[unit_stratum])
    responded = sampled & (rng.random(unit_stratum.size) < resp_rate)
    y = scores[responded].copy()
    y[rng.random(y.shape) < 0.05] = np.nan
    design = make_design(unit_stratum[responded], pop, group, fpc=fpc)
    comp = composite_mean(hajek_fit(y, design), OMEGA, design)
    return comp.ci_low, comp.ci_high, comp.se


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    pop, group, unit_stratum, scores, truth = population(rng, args.enterprises)
    cover = {True: [], False: []}
    width = {True: [], False: []}
    for _ in range(args.rounds):
        state = rng.bit_generator.state
        for fpc in (True, False):
            rng.bit_generator.state = state  # same samples with and without the fpc
            lo, hi, _ = one_round(rng, pop, group, unit_stratum, scores, fpc)
            cover[fpc].append((lo <= truth) & (truth <= hi))
            width[fpc].append(hi - lo)
    n = args.enterprises * args.rounds
    print(
        f"command: .venv/bin/python benchmarks/coverage_sim.py --enterprises {args.enterprises} "
        f"--rounds {args.rounds} --seed {args.seed}"
    )
    print(f"{n:,} intervals (95 %), sampling 50–80 % per stratum, response 55–95 % MCAR")
    for fpc in (True, False):
        c = float(np.mean(np.concatenate(cover[fpc])))
        mc = 1.96 * np.sqrt(c * (1 - c) / n)
        w = float(np.mean(np.concatenate(width[fpc])))
        label = "with fpc   " if fpc else "without fpc"
        print(f"{label}: coverage {100 * c:.2f} % (± {100 * mc:.2f} MC), mean width {w:.3f} points")


if __name__ == "__main__":
    main()
