"""Scoring plan (DESIGN §3): load, validate with key paths, normalise, hash."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
import yaml

from scoring.errors import PlanError
from scoring.weights import WeightMethod

KPI_NAMES = ("first_response_24h", "resolved_3_working_days", "resolved_30_days", "complaint_rate")
DUPLICATE_DEVICE_RULES = ("keep_all", "keep_first", "drop_all")
_TOP_KEYS = {
    "questionnaire", "strata", "weights", "min_answered_share", "confidence", "grades",
    "kpis", "exclusions", "overall_item",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Grade:
    grade: str
    min: float


@dataclass(frozen=True, slots=True)
class Exclusions:
    straightlining: bool = False
    straightlining_min_items: int = 5
    min_duration_seconds: float | None = None
    duplicate_device: str = "keep_all"


@dataclass(frozen=True, slots=True)
class ScoringPlan:
    """A validated plan; ``normalised`` is the canonical document that ``sha256`` hashes."""

    questionnaire_code: str
    questionnaire_version: int
    strata: tuple[str, ...]
    weight_method: WeightMethod
    weight_spec: Mapping[str, Any]
    min_answered_share: float
    confidence: float
    grades: tuple[Grade, ...]  # descending by min
    kpi_weights: Mapping[str, float]
    exclusions: Exclusions
    overall_item: str
    normalised: Mapping[str, Any]
    sha256: str


def plan_sha256(normalised: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of the normalised plan."""
    return hashlib.sha256(rfc8785.dumps(dict(normalised))).hexdigest()


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_weights(raw: Any, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append("weights: must be a non-empty mapping")
        return {}
    method = raw.get("method", "fixed")
    if method == "fixed" or "method" not in raw:
        # The normalised form ({method: fixed, weights: {...}}) is accepted too, so a stored
        # plan re-validates to the same document and hash.
        nested = raw.get("weights") if method == "fixed" else None
        source = nested if isinstance(nested, Mapping) else raw
        ws = {k: v for k, v in source.items() if k != "method"}
        for k, v in ws.items():
            if not _number(v) or v <= 0:
                problems.append(f"weights.{k}: must be a positive number, got {v!r}")
        return {"method": "fixed", "weights": {str(k): v for k, v in ws.items()}}
    if method == "ahp":
        order, matrix = raw.get("order"), raw.get("matrix")
        if not isinstance(order, list) or not order:
            problems.append("weights.order: AHP needs the list of dimension codes")
            return {}
        n = len(order)
        if not isinstance(matrix, list) or len(matrix) != n:
            problems.append(f"weights.matrix: AHP needs a {n}×{n} matrix")
            return {}
        for i, row in enumerate(matrix):
            if not isinstance(row, list) or len(row) != n or not all(_number(x) for x in row):
                problems.append(f"weights.matrix[{i}]: must be {n} numbers")
        return {"method": "ahp", "order": [str(c) for c in order], "matrix": matrix}
    if method == "entropy":
        out: dict[str, Any] = {"method": "entropy"}
        if "order" in raw:
            out["order"] = [str(c) for c in raw["order"]]
        return out
    problems.append(f"weights.method: unknown {method!r}; accepted: fixed, ahp, entropy")
    return {}


def _check_grades(raw: Any, problems: list[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        problems.append("grades: must be a non-empty list of {grade, min}")
        return []
    out = []
    for i, g in enumerate(raw):
        if not isinstance(g, Mapping) or "grade" not in g or not _number(g.get("min")):
            problems.append(f"grades[{i}]: needs a grade name and a numeric min")
            continue
        if not 0 <= g["min"] <= 100:
            problems.append(f"grades[{i}].min: must lie in 0..100, got {g['min']}")
        out.append({"grade": str(g["grade"]), "min": g["min"]})
    if len({g["grade"] for g in out}) != len(out):
        problems.append("grades: grade names must be unique")
    if len({g["min"] for g in out}) != len(out):
        problems.append("grades: thresholds must be distinct")
    return sorted(out, key=lambda g: -g["min"])


def _check_kpis(raw: Any, problems: list[str]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append("kpis: must be a mapping of KPI name to {weight}")
        return {}
    out: dict[str, dict[str, float]] = {}
    for name, spec in raw.items():
        if name not in KPI_NAMES:
            problems.append(f"kpis.{name}: unknown KPI; accepted: {', '.join(KPI_NAMES)}")
            continue
        w = spec.get("weight", 0) if isinstance(spec, Mapping) else None
        if not isinstance(w, int | float) or not _number(w) or not 0 <= w < 1:
            problems.append(f"kpis.{name}.weight: must be a number in [0, 1)")
            continue
        out[str(name)] = {"weight": w}
    if sum(v["weight"] for v in out.values()) >= 1:
        problems.append("kpis: KPI weights must sum to less than 1")
    return out


def _check_exclusions(raw: Any, problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"straightlining": False, "min_duration_seconds": None,
                           "duplicate_device": "keep_all"}  # fmt: skip
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        problems.append("exclusions: must be a mapping")
        return out
    for key in set(raw) - {"straightlining", "min_duration_seconds", "duplicate_device"}:
        problems.append(f"exclusions.{key}: unknown rule")
    sl = raw.get("straightlining", False)
    if isinstance(sl, Mapping):
        k = sl.get("min_items", 5)
        if not isinstance(k, int) or k < 2:
            problems.append("exclusions.straightlining.min_items: must be an integer ≥ 2")
        out["straightlining"] = {"min_items": k}
    elif isinstance(sl, bool):
        out["straightlining"] = {"min_items": 5} if sl else False
    else:
        problems.append("exclusions.straightlining: must be true/false or {min_items: k}")
    md = raw.get("min_duration_seconds")
    if md is not None and (not _number(md) or md <= 0):
        problems.append("exclusions.min_duration_seconds: must be a positive number")
    out["min_duration_seconds"] = md
    dd = raw.get("duplicate_device", "keep_all")
    dd = "keep_all" if dd is False else dd
    if dd not in DUPLICATE_DEVICE_RULES:
        problems.append(
            f"exclusions.duplicate_device: {dd!r}; accepted: {', '.join(DUPLICATE_DEVICE_RULES)}"
        )
    out["duplicate_device"] = dd
    return out


def validate_plan(doc: Any) -> ScoringPlan:
    """Validate a plan document; every problem is reported with its key path."""
    problems: list[str] = []
    if not isinstance(doc, Mapping):
        raise PlanError(["<root>: must be a mapping"])
    problems += [f"{k}: unknown key" for k in sorted(set(doc) - _TOP_KEYS)]
    q = doc.get("questionnaire")
    if not isinstance(q, Mapping) or not isinstance(q.get("code"), str):
        problems.append("questionnaire.code: required string")
        q = {}
    if not isinstance(q.get("version"), int) or isinstance(q.get("version"), bool):
        problems.append("questionnaire.version: required integer")
    strata = doc.get("strata", [])
    if not isinstance(strata, list) or not all(isinstance(s, str) for s in strata):
        problems.append("strata: must be a list of frame column names")
        strata = []
    if len(set(strata)) != len(strata):
        problems.append("strata: columns must be distinct")
    weights = _check_weights(doc.get("weights"), problems)
    share = doc.get("min_answered_share", 0.5)
    if not _number(share) or not 0 < share <= 1:
        problems.append("min_answered_share: must be a number in (0, 1]")
    conf = doc.get("confidence", 0.95)
    if not _number(conf) or not 0 < conf < 1:
        problems.append("confidence: must be a number in (0, 1)")
    grades = _check_grades(doc.get("grades"), problems)
    kpis = _check_kpis(doc.get("kpis"), problems)
    excl = _check_exclusions(doc.get("exclusions"), problems)
    overall = doc.get("overall_item", "overall")
    if not isinstance(overall, str):
        problems.append("overall_item: must be an item code")
    if problems:
        raise PlanError(problems)
    normalised = {
        "questionnaire": {"code": q["code"], "version": q["version"]},
        "strata": list(strata),
        "weights": weights,
        "min_answered_share": share,
        "confidence": conf,
        "grades": grades,
        "kpis": kpis,
        "exclusions": excl,
        "overall_item": overall,
    }
    sl = excl["straightlining"]
    return ScoringPlan(
        questionnaire_code=q["code"],
        questionnaire_version=q["version"],
        strata=tuple(strata),
        weight_method=weights["method"],
        weight_spec=weights,
        min_answered_share=float(share),
        confidence=float(conf),
        grades=tuple(Grade(g["grade"], float(g["min"])) for g in grades),
        kpi_weights={k: float(v["weight"]) for k, v in kpis.items()},
        exclusions=Exclusions(
            straightlining=bool(sl),
            straightlining_min_items=sl["min_items"] if sl else 5,
            min_duration_seconds=excl["min_duration_seconds"],
            duplicate_device=excl["duplicate_device"],
        ),
        overall_item=overall,
        normalised=normalised,
        sha256=plan_sha256(normalised),
    )


def load_plan(path: str | Path) -> ScoringPlan:
    """Read a YAML or JSON plan file (JSON is YAML, but JSON errors read better)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        doc = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except OSError as exc:
        raise PlanError([f"<file>: cannot read {p}: {exc.strerror}"]) from exc
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise PlanError([f"<file>: {p} is not valid YAML/JSON: {exc}"]) from exc
    return validate_plan(doc)
