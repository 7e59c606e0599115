"""Dimension weights: fixed, AHP (Saaty), entropy — one small function per method (§4.9)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from scoring._arrays import FloatArray
from scoring.errors import AhpInconsistencyError, WeightsError

WeightMethod = Literal["fixed", "ahp", "entropy"]

# Saaty's random consistency index RI(n), n = 1..10 (DESIGN §4.9; RI(1) = RI(2) = 0).
SAATY_RI: Mapping[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
}  # fmt: skip
CR_LIMIT = 0.10


@dataclass(frozen=True, slots=True)
class DimensionWeights:
    """Weights by dimension code (sum 1) and, for AHP, the consistency figures."""

    codes: tuple[str, ...]
    values: tuple[float, ...]
    method: WeightMethod
    lambda_max: float | None = None
    ci: float | None = None
    cr: float | None = None

    def as_array(self, order: Sequence[str]) -> FloatArray:
        by_code = dict(zip(self.codes, self.values, strict=True))
        return np.array([by_code[c] for c in order], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        weights = dict(zip(self.codes, self.values, strict=True))
        out: dict[str, Any] = {"method": self.method, "weights": weights}
        if self.cr is not None:
            out |= {"lambda_max": self.lambda_max, "ci": self.ci, "cr": self.cr}
        return out


def fixed_weights(weights: Mapping[str, float]) -> DimensionWeights:
    """Positive fixed weights, normalised to sum 1; the error names the bad dimension."""
    for code, value in weights.items():
        v = float(value)
        if not math.isfinite(v) or v <= 0:
            raise WeightsError(f"weight of dimension {code} must be positive, got {value!r}")
    total = sum(float(v) for v in weights.values())
    if not weights:
        raise WeightsError("no dimension weights given")
    codes = tuple(weights)
    return DimensionWeights(codes, tuple(float(weights[c]) / total for c in codes), "fixed")


def ahp_weights(order: Sequence[str], matrix: ArrayLike) -> DimensionWeights:
    """Principal right eigenvector of a positive reciprocal matrix (Saaty).

    ``CI = (λmax − n)/(n − 1)``, ``CR = CI / RI(n)``; CR ≥ 0.10 is rejected naming the pair
    (i, j) that maximises ``|log(a_ij · w_j / w_i)|`` — the judgement furthest from the ratio
    the weights imply.
    """
    a = np.asarray(matrix, dtype=np.float64)
    n = len(order)
    if a.shape != (n, n):
        raise WeightsError(f"AHP matrix must be {n}×{n} for order {list(order)}, got {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        i, j = np.argwhere(~(np.isfinite(a) & (a > 0)))[0]
        raise WeightsError(f"AHP matrix entry ({order[i]}, {order[j]}) must be positive")
    bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-3))
    if bad.size:
        i, j = bad[0]
        raise WeightsError(
            f"AHP matrix is not reciprocal at ({order[i]}, {order[j]}): "
            f"{a[i, j]:g} vs 1/{1 / a[j, i]:g}"
        )
    if n not in SAATY_RI:
        raise WeightsError(f"AHP supports 1..{max(SAATY_RI)} dimensions, got {n}")
    eigvals, eigvecs = np.linalg.eig(a)
    k = int(np.argmax(eigvals.real))
    lam = float(eigvals[k].real)
    vec = np.abs(eigvecs[:, k].real)  # Perron vector: one sign; abs removes the arbitrary one
    w = vec / vec.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    cr = ci / SAATY_RI[n] if SAATY_RI[n] > 0 else 0.0
    if cr >= CR_LIMIT:
        dev = np.abs(np.log(a * w[None, :] / w[:, None]))
        flat = int(np.argmax(dev))
        i, j = flat // n, flat % n
        raise AhpInconsistencyError(
            f"AHP consistency ratio {cr:.3f} ≥ {CR_LIMIT}; most inconsistent pair: "
            f"({order[i]}, {order[j]}) judged {a[i, j]:g}, weights imply {w[i] / w[j]:.3g}",
            cr=cr,
            pair=(order[i], order[j]),
        )
    return DimensionWeights(tuple(order), tuple(float(x) for x in w), "ahp", lam, ci, cr)


def entropy_weights(codes: Sequence[str], data: ArrayLike) -> DimensionWeights:
    """Entropy weights from an (objects × criteria) positive matrix, e.g. enterprises × dimensions.

    ``p_ij = x_ij/Σ_i x_ij``, ``e_j = −(1/ln n) Σ_i p_ij ln p_ij``, ``w_j ∝ 1 − e_j``.
    """
    x = np.asarray(data, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(codes):
        raise WeightsError(f"entropy weights need an objects × {len(codes)} matrix")
    if x.shape[0] < 2:
        raise WeightsError("entropy weights need at least 2 objects (enterprises)")
    for j, code in enumerate(codes):
        col = x[:, j]
        if not np.all(np.isfinite(col)) or np.any(col < 0) or col.sum() <= 0:
            raise WeightsError(f"entropy weights: dimension {code} needs finite values ≥ 0")
    p = x / x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / math.log(x.shape[0])
    d = 1.0 - e
    if d.sum() <= 1e-15:
        raise WeightsError("entropy weights undefined: every dimension is constant across objects")
    w = d / d.sum()
    return DimensionWeights(tuple(codes), tuple(float(v) for v in w), "entropy")


def _fixed(spec: Mapping[str, Any], _data: FloatArray | None) -> DimensionWeights:
    return fixed_weights({k: v for k, v in spec.items() if k != "method"})


def _ahp(spec: Mapping[str, Any], _data: FloatArray | None) -> DimensionWeights:
    return ahp_weights(list(spec["order"]), spec["matrix"])


def _entropy(spec: Mapping[str, Any], data: FloatArray | None) -> DimensionWeights:
    if data is None:
        raise WeightsError("entropy weights need the enterprises × dimensions estimates")
    return entropy_weights(list(spec["order"]), data)


_METHODS: Mapping[str, Callable[[Mapping[str, Any], FloatArray | None], DimensionWeights]] = {
    "fixed": _fixed,
    "ahp": _ahp,
    "entropy": _entropy,
}


def derive_weights(
    method: WeightMethod, spec: Mapping[str, Any], data: FloatArray | None = None
) -> DimensionWeights:
    """Dispatch on ``method``; ``spec`` is the plan's ``weights`` mapping (entropy: ``order``)."""
    try:
        fn = _METHODS[method]
    except KeyError:
        raise WeightsError(
            f"unknown weight method {method!r}; accepted: {', '.join(get_args(WeightMethod))}"
        ) from None
    return fn(spec, data)
