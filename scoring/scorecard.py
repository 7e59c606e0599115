"""One evaluation round → scorecard document (DESIGN §3), from in-memory arrays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray
from scoring.answers import answer_codes, item_distributions, sorted_dimension
from scoring.benchmark import change_from_previous, peer_comparisons
from scoring.design import StratifiedDesign, make_design
from scoring.drivers import driver_analysis
from scoring.errors import WeightsError
from scoring.estimators import rescale_items
from scoring.grades import Threshold, assign_grade
from scoring.instrument import DimensionSpec, ItemSpec
from scoring.kpis import KpiResults
from scoring.moments import StratumMoments, cell_estimates, sort_rows, stratum_moments
from scoring.plan import ScoringPlan
from scoring.quality import apply_exclusions
from scoring.reliability import alpha_from_covariances, sorted_group_covariances
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
    answer_codes(answers, range(len(items)), items, first_line)


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
    mom: StratumMoments,
    strata_cols: Sequence[str],
    codes: Sequence[str],
    weights: FloatArray,
    conf: float,
) -> list[dict[str, Any]]:
    """Domains defined by the plan's strata columns are unions of strata, so their means and
    SEs come from the stratum moments (same figures as :func:`domain_means`)."""
    out: list[dict[str, Any]] = [{} for _ in data.enterprises]
    k = len(codes)
    for c, col in enumerate(strata_cols):
        labels = sorted({key[c] for key in data.stratum_keys})
        index = {v: i for i, v in enumerate(labels)}
        n_dom = len(labels)
        stratum_dom = np.array([index[key[c]] for key in data.stratum_keys], dtype=np.intp)
        cell = design.group * n_dom + stratum_dom
        dims, comp = cell_estimates(mom, design, cell, design.n_groups * n_dom, weights, conf)
        dim_dicts, comp_dicts = dims.to_dicts(), comp.to_dicts()
        n_any = comp.n.tolist()
        for g in range(design.n_groups):
            cells: dict[str, Any] = {}
            for i, lab in enumerate(labels):
                j = g * n_dom + i
                if n_any[j] == 0:
                    continue
                if n_any[j] < MIN_DOMAIN_CELL:
                    cells[lab] = {"suppressed": True}
                    continue
                d_cells = {code: dim_dicts[j * k + d] for d, code in enumerate(codes)}
                cells[lab] = {"composite": comp_dicts[j], "dimensions": d_cells}
            out[g][col] = cells
    return out


def _drivers(
    data: RoundData,
    scores: FloatArray,
    answer_rows: IntArray,
    weight: FloatArray,
    group_bounds: NDArray[np.int64],
    overall: ItemSpec | None,
    codes: Sequence[str],
    perf: FloatArray,
) -> list[dict[str, Any] | None]:
    """Per enterprise; ``scores``/``weight`` sorted by group, ``answer_rows`` their rows."""
    if overall is None:
        return [None] * len(data.enterprises)
    col = data.item_codes.index(overall.code)
    raw = np.asarray(data.answers[:, col], dtype=np.float64).take(answer_rows)
    y = rescale_items(raw[:, None], [overall.points], [overall.reverse])[:, 0]
    out: list[dict[str, Any] | None] = []
    for g in range(len(group_bounds) - 1):
        a, b = int(group_bounds[g]), int(group_bounds[g + 1])
        res = driver_analysis(scores[a:b], y[a:b], weight[a:b], codes, perf[g])
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
    with_item_distributions: bool = True,
) -> dict[str, Any]:
    """Compute the whole scorecard document for every enterprise of a round."""
    conf = plan.confidence
    codes = tuple(d.code for d in dimensions)
    dim_items = [it for d in dimensions for it in d.items]
    item_col = [data.item_codes.index(it.code) for it in dim_items]
    # Validated answers become int8 codes once; every later step reads the codes.
    raw = answer_codes(data.answers, item_col, dim_items)
    if overall_item is not None:
        col = data.item_codes.index(overall_item.code)
        answer_codes(data.answers, [col], [overall_item])
    excl = apply_exclusions(raw, plan.exclusions, data.duration_seconds, data.device_hash)
    keep = excl.keep
    all_design = make_design(data.resp_stratum, data.stratum_pop, data.stratum_group)
    resp_group = all_design.unit_group
    kept_rows = np.arange(raw.shape[0]) if keep.all() else np.flatnonzero(keep)
    design = make_design(data.resp_stratum[kept_rows], data.stratum_pop, data.stratum_group)
    # Sort respondents by (enterprise, stratum) once: every later step reads contiguous blocks.
    srt = sort_rows(design)
    rows = kept_rows[srt.order]
    scores = np.empty((rows.shape[0], len(dimensions)), order="F")
    rel = []
    start = 0
    for d, dim in enumerate(dimensions):
        width = len(dim.items)
        items, scores[:, d], complete = sorted_dimension(
            raw[:, start : start + width], rows, dim.items, plan.min_answered_share
        )
        cov, n_complete = sorted_group_covariances(items, complete, srt.group_bounds)
        rel.append(alpha_from_covariances(cov, n_complete, tuple(i.code for i in dim.items)))
        start += width
    del items
    mom = stratum_moments(scores, design, srt)
    group_tab, _ = cell_estimates(
        mom, design, design.group, design.n_groups, np.zeros(len(codes)), conf
    )
    dw = resolve_weights(plan, codes, group_tab.estimate)
    omega = dw.as_array(codes)
    dim_tab, comp_raw = cell_estimates(mom, design, design.group, design.n_groups, omega, conf)
    comp = _with_kpis(comp_raw, data.kpis, plan)
    all_est = np.column_stack([dim_tab.estimate, comp.estimate])
    all_se = np.column_stack([dim_tab.se, comp.se])
    bench = peer_comparisons(all_est, all_se, [*codes, "composite"], confidence=conf, seed=seed)
    thresholds = [Threshold(g.grade, g.min) for g in plan.grades]
    domains = _domains(data, design, mom, plan.strata, codes, omega, conf) if with_domains else None
    drivers = (
        _drivers(
            data,
            scores,
            rows,
            design.weight[srt.order],
            srt.group_bounds,
            overall_item,
            codes,
            dim_tab.estimate,
        )
        if with_drivers
        else [None] * len(data.enterprises)
    )
    responded = design.group_respondents()
    distributions = (
        item_distributions(
            raw[kept_rows],
            design.weight,
            design.group[design.stratum],
            design.n_groups,
            dim_items,
        )
        if with_item_distributions
        else None
    )
    k = len(codes)
    dim_dicts = dim_tab.to_dicts()
    measures = ["composite", *codes]
    with np.errstate(invalid="ignore"):
        lows = np.column_stack([comp.ci_low, dim_tab.ci_low])
        highs = np.column_stack([comp.ci_high, dim_tab.ci_high])
        outside = (lows < 0) | (highs > 100)
    excl_counts = excl.counts_by_group(resp_group, design.n_groups)
    enterprises: dict[str, Any] = {}
    for g, code in enumerate(data.enterprises):
        c_est = comp.at(g)
        dims = {d: dim_dicts[g * k + j] for j, d in enumerate(codes)}
        change = {}
        if previous is not None:
            for m, est in [
                ("composite", c_est),
                *((d, dim_tab.at(g, j)) for j, d in enumerate(codes)),
            ]:
                p = _previous(previous, code, m)
                if p is not None:
                    change[m] = change_from_previous(
                        est.estimate, est.se, p.estimate, p.se, conf
                    ).to_dict()
        bounds_note = [m for m, out in zip(measures, outside[g].tolist(), strict=True) if out]
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
            "item_distributions": distributions[g] if distributions is not None else {},
        }
    return {
        "plan_sha256": plan.sha256,
        "confidence": conf,
        "weights": dw.to_dict(),
        "enterprises": enterprises,
    }
