"""One evaluation round → scorecard document (DESIGN §3), from in-memory arrays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray
from scoring.benchmark import change_from_previous, peer_comparisons
from scoring.design import StratifiedDesign, make_design
from scoring.drivers import driver_analysis, group_slices
from scoring.errors import AnswerRangeError, WeightsError
from scoring.estimators import (
    composite_mean,
    dimension_scores,
    domain_means,
    hajek_fit,
    rescale_items,
)
from scoring.grades import Threshold, assign_grade
from scoring.instrument import DimensionSpec, ItemSpec
from scoring.kpis import KpiResults
from scoring.plan import ScoringPlan
from scoring.quality import apply_exclusions
from scoring.reliability import cronbach_alpha
from scoring.results import Estimate, EstimateTable
from scoring.weights import DimensionWeights, derive_weights

MIN_DOMAIN_CELL = 5


@dataclass(frozen=True, slots=True, eq=False)
class RoundData:
    """Everything the engine needs about one round, as arrays (no files, no database).

    Strata are numbered globally; ``stratum_group[h]`` is the enterprise of stratum h and
    ``stratum_keys[h]`` its values of the plan's strata columns. ``answers`` holds raw answers
    (NaN = missing) of the items in ``item_codes``, one row per response.
    """

    enterprises: tuple[str, ...]
    stratum_pop: FloatArray
    stratum_group: IntArray
    stratum_keys: tuple[tuple[str, ...], ...]
    frame_size: NDArray[np.int64]
    sampled: NDArray[np.int64] | None
    resp_stratum: IntArray
    answers: FloatArray
    item_codes: tuple[str, ...]
    duration_seconds: FloatArray | None = None
    device_hash: Sequence[str | None] | None = None
    kpis: KpiResults | None = None


def check_answer_range(answers: FloatArray, items: Sequence[ItemSpec], first_line: int = 2) -> None:
    """Every answer must be an integer in 1..K; the error names the line and the column."""
    for j, it in enumerate(items):
        col = answers[:, j]
        bad = ~np.isnan(col) & ((col < 1) | (col > it.points) | (col != np.round(col)))
        if bad.any():
            i = int(np.argmax(bad))
            raise AnswerRangeError(
                f"responses line {i + first_line}, column {it.code}: answer {col[i]:g} "
                f"outside 1..{it.points}"
            )


def resolve_weights(
    plan: ScoringPlan, codes: Sequence[str], estimates: FloatArray
) -> DimensionWeights:
    spec = dict(plan.weight_spec)
    if plan.weight_method == "entropy":
        spec.setdefault("order", list(codes))
        usable = estimates[~np.isnan(estimates).any(axis=1)]
        dw = derive_weights("entropy", spec, usable)
    elif plan.weight_method == "fixed":
        dw = derive_weights("fixed", spec["weights"])
    else:
        dw = derive_weights(plan.weight_method, spec)
    missing, extra = set(codes) - set(dw.codes), set(dw.codes) - set(codes)
    if missing or extra:
        raise WeightsError(
            f"weights must cover exactly the questionnaire dimensions; missing {sorted(missing)}, "
            f"unknown {sorted(extra)}"
        )
    return dw


def _with_kpis(comp: EstimateTable, kpis: KpiResults | None, plan: ScoringPlan) -> EstimateTable:
    """Blend KPI scores into the composite; KPI and survey estimates taken as independent
    (exact when the KPI is a census, SE 0)."""
    if not plan.kpi_weights or kpis is None:
        return comp
    rest = 1.0 - sum(plan.kpi_weights.values())
    est, var = rest * comp.estimate, (rest * comp.se) ** 2
    for name, w in plan.kpi_weights.items():
        if name not in kpis.shares:
            raise WeightsError(f"kpis.{name}: the frame lacks the columns to compute it")
        k_est, k_se = kpis.score(name)
        est, var = est + w * k_est, var + (w * k_se) ** 2
    return EstimateTable(est, np.sqrt(var), comp.df, comp.n, comp.confidence, comp.method + "+kpi")


def _domains(
    data: RoundData,
    design: StratifiedDesign,
    scores: FloatArray,
    strata_cols: Sequence[str],
    codes: Sequence[str],
    weights: FloatArray,
    conf: float,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{} for _ in data.enterprises]
    for c, col in enumerate(strata_cols):
        labels = sorted({k[c] for k in data.stratum_keys})
        index = {v: i for i, v in enumerate(labels)}
        stratum_dom = np.array([index[k[c]] for k in data.stratum_keys], dtype=np.intp)
        t = domain_means(scores, design, stratum_dom[design.stratum], len(labels), conf, weights)
        for g in range(design.n_groups):
            cells: dict[str, Any] = {}
            for i, lab in enumerate(labels):
                if t.n[g, i, -1] == 0:
                    continue
                if t.n[g, i, -1] < MIN_DOMAIN_CELL:
                    cells[lab] = {"suppressed": True}
                    continue
                dims = {code: t.at(g, i, d).to_dict() for d, code in enumerate(codes)}
                cells[lab] = {"composite": t.at(g, i, len(codes)).to_dict(), "dimensions": dims}
            out[g][col] = cells
    return out


def _drivers(
    data: RoundData,
    design: StratifiedDesign,
    scores: FloatArray,
    answers: FloatArray,
    overall: ItemSpec | None,
    codes: Sequence[str],
    perf: FloatArray,
) -> list[dict[str, Any] | None]:
    if overall is None:
        return [None] * len(data.enterprises)
    y = rescale_items(
        answers[:, [data.item_codes.index(overall.code)]], [overall.points], [overall.reverse]
    )[:, 0]
    order, bounds = group_slices(design.unit_group, design.n_groups)
    out: list[dict[str, Any] | None] = []
    for g in range(design.n_groups):
        rows = order[bounds[g] : bounds[g + 1]]
        res = driver_analysis(scores[rows], y[rows], design.weight[rows], codes, perf[g])
        out.append(res.to_dict() if res is not None else None)
    return out


def _previous(prev: Mapping[str, Any] | None, code: str, measure: str) -> Estimate | None:
    try:
        ent = (prev or {})["enterprises"][code]
        e = ent["composite"] if measure == "composite" else ent["dimensions"][measure]
        return Estimate(float(e["estimate"]), float(e["se"]), 0, 0, 0, 0, "previous")
    except (KeyError, TypeError, ValueError):
        return None


def score_round(
    data: RoundData,
    dimensions: Sequence[DimensionSpec],
    plan: ScoringPlan,
    *,
    overall_item: ItemSpec | None = None,
    previous: Mapping[str, Any] | None = None,
    seed: int = 20260101,
    with_domains: bool = True,
    with_drivers: bool = True,
) -> dict[str, Any]:
    """Compute the whole scorecard document for every enterprise of a round."""
    conf = plan.confidence
    codes = tuple(d.code for d in dimensions)
    dim_items = [it for d in dimensions for it in d.items]
    item_col = [data.item_codes.index(it.code) for it in dim_items]
    # Column-major: every step walks the answers one item column at a time, so one layout
    # change up front saves strided passes over the whole matrix later.
    answers = np.asfortranarray(data.answers)
    raw = answers[:, item_col] if item_col != list(range(answers.shape[1])) else answers
    check_answer_range(raw, dim_items)
    if overall_item is not None:
        col = data.item_codes.index(overall_item.code)
        check_answer_range(answers[:, [col]], [overall_item])
    excl = apply_exclusions(raw, plan.exclusions, data.duration_seconds, data.device_hash)
    keep = excl.keep
    all_design = make_design(data.resp_stratum, data.stratum_pop, data.stratum_group)
    resp_group = all_design.unit_group
    design = make_design(data.resp_stratum[keep], data.stratum_pop, data.stratum_group)
    slices = group_slices(design.unit_group, design.n_groups)
    kept = raw if keep.all() else raw[keep]
    # One dimension at a time keeps only that dimension's rescaled items in memory.
    scores = np.empty((kept.shape[0], len(dimensions)))
    rel = []
    start = 0
    for d, dim in enumerate(dimensions):
        width = len(dim.items)
        items = rescale_items(
            kept[:, start : start + width],
            [i.points for i in dim.items],
            [i.reverse for i in dim.items],
        )
        scores[:, d] = dimension_scores(
            items, [dim], [i.code for i in dim.items], plan.min_answered_share
        )[:, 0]
        rel.append(
            cronbach_alpha(
                items, design.unit_group, design.n_groups, tuple(i.code for i in dim.items), slices
            )
        )
        start += width
    fit = hajek_fit(scores, design, conf)
    dw = resolve_weights(plan, codes, fit.table.estimate)
    omega = dw.as_array(codes)
    comp = _with_kpis(composite_mean(fit, omega, design), data.kpis, plan)
    all_est = np.column_stack([fit.table.estimate, comp.estimate])
    all_se = np.column_stack([fit.table.se, comp.se])
    bench = peer_comparisons(all_est, all_se, [*codes, "composite"], confidence=conf, seed=seed)
    thresholds = [Threshold(g.grade, g.min) for g in plan.grades]
    domains = (
        _domains(data, design, scores, plan.strata, codes, omega, conf) if with_domains else None
    )
    drivers = (
        _drivers(data, design, scores, data.answers[keep], overall_item, codes, fit.table.estimate)
        if with_drivers
        else [None] * len(data.enterprises)
    )
    responded = design.group_respondents()
    excl_counts = excl.counts_by_group(resp_group, design.n_groups)
    enterprises: dict[str, Any] = {}
    for g, code in enumerate(data.enterprises):
        c_est = comp.at(g)
        dims = {d: fit.table.at(g, j).to_dict() for j, d in enumerate(codes)}
        change = {}
        for m, est in [
            ("composite", c_est),
            *((d, fit.table.at(g, j)) for j, d in enumerate(codes)),
        ]:
            p = _previous(previous, code, m)
            if p is not None:
                change[m] = change_from_previous(
                    est.estimate, est.se, p.estimate, p.se, conf
                ).to_dict()
        bounds_note = [
            m
            for m, e in [
                ("composite", c_est),
                *((d, fit.table.at(g, j)) for j, d in enumerate(codes)),
            ]
            if e.ci_low < 0 or e.ci_high > 100
        ]
        enterprises[code] = {
            "frame_size": int(data.frame_size[g]),
            "sampled": None if data.sampled is None else int(data.sampled[g]),
            "responded": int(responded[g]),
            "composite": c_est.to_dict(),
            "dimensions": dims,
            "interval_outside_0_100": bounds_note,
            "grade": assign_grade(c_est, thresholds).to_dict(),
            "benchmark": bench.for_enterprise(g),
            "change": change,
            "reliability": {d.code: rel[j][g].to_dict() for j, d in enumerate(dimensions)},
            "kpis": data.kpis.for_group(g) if data.kpis is not None else {},
            "exclusions": excl_counts[g],
            "drivers": drivers[g],
            "domains": domains[g] if domains is not None else {},
        }
    return {
        "plan_sha256": plan.sha256,
        "confidence": conf,
        "weights": dw.to_dict(),
        "enterprises": enterprises,
    }
