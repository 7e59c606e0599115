"""The scoring-plan form: fields ↔ the plan document (DESIGN §3), with field-level errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.web.forms import FormErrors, text

WEIGHT_METHODS = ("fixed", "ahp", "entropy")


def _pairs(raw: str, field: str, errors: FormErrors) -> list[tuple[str, float]]:
    """Lines ``code = number`` (or ``code: number``)."""
    out: list[tuple[str, float]] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        code, sep, value = line.replace(":", "=").partition("=")
        try:
            if not sep or not code.strip():
                raise ValueError
            out.append((code.strip(), float(value)))
        except ValueError:
            errors.add(field, "Line %(line)s: write code = number.", line=number)
            return out
    return out


def plan_from_form(form: Mapping[str, Any], errors: FormErrors) -> dict[str, Any]:
    method = text(form, "weights_method", errors, max_length=16)
    if method and method not in WEIGHT_METHODS:
        errors.add("weights_method", "Choose one of the listed methods.")
    weights: Any = {"method": "entropy"}
    if method == "fixed":
        pairs = _pairs(text(form, "weights", errors, max_length=4000), "weights", errors)
        weights = dict(pairs)
    elif method == "ahp":
        order = [c.strip() for c in text(form, "ahp_order", errors).split(",") if c.strip()]
        try:
            matrix = json.loads(text(form, "ahp_matrix", errors, max_length=4000) or "null")
        except json.JSONDecodeError:
            errors.add("ahp_matrix", "Write the matrix as JSON rows, e.g. [[1, 2], [0.5, 1]].")
            matrix = None
        weights = {"method": "ahp", "order": order, "matrix": matrix}
    grades = [
        {"grade": code, "min": value}
        for code, value in _pairs(text(form, "grades", errors, max_length=2000), "grades", errors)
    ]
    strata = [s.strip() for s in str(form.get("strata", "")).split(",") if s.strip()]
    plan: dict[str, Any] = {"strata": strata, "weights": weights, "grades": grades}
    for field, low, high in (("confidence", 0.5, 0.999), ("min_answered_share", 0.01, 1.0)):
        raw = text(form, field, errors, max_length=10)
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            errors.add(field, "Enter a number.")
            continue
        if not low <= value <= high:
            errors.add(field, "Enter a number between %(low)s and %(high)s.", low=low, high=high)
        plan[field] = value
    return plan


def form_from_plan(plan: Mapping[str, Any] | None) -> dict[str, str]:
    if not plan:
        return {
            "weights_method": "fixed",
            "confidence": "0.95",
            "min_answered_share": "0.5",
            "grades": "A = 90\nB = 80\nC = 70\nD = 60\nE = 0",
        }
    weights = plan.get("weights") or {}
    method = weights.get("method", "fixed") if isinstance(weights, Mapping) else "fixed"
    out = {
        "weights_method": method,
        "strata": ", ".join(plan.get("strata", [])),
        "confidence": str(plan.get("confidence", "")),
        "min_answered_share": str(plan.get("min_answered_share", "")),
        "grades": "\n".join(f"{g['grade']} = {g['min']}" for g in plan.get("grades", [])),
    }
    if method == "fixed" and isinstance(weights, Mapping):
        values = weights.get("weights", weights)
        out["weights"] = "\n".join(f"{k} = {v}" for k, v in values.items() if k != "method")
    if method == "ahp":
        out["ahp_order"] = ", ".join(weights.get("order", []))
        out["ahp_matrix"] = json.dumps(weights.get("matrix"))
    return out
