"""Cronbach's α per dimension and group, item–total correlations, α if item deleted (§4.10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray

ALPHA_WARNING = 0.7


@dataclass(frozen=True, slots=True)
class Reliability:
    """One dimension in one group; listwise-complete respondents only."""

    alpha: float
    n_complete: int
    item_codes: tuple[str, ...]
    item_total_r: tuple[float, ...]  # corrected: item vs the sum of the other items
    alpha_if_deleted: tuple[float, ...]
    warning: str | None

    def to_dict(self) -> dict[str, Any]:
        def f(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        return {
            "alpha": f(self.alpha),
            "n_complete": self.n_complete,
            "items": {
                c: {"item_total_r": f(r), "alpha_if_deleted": f(a)}
                for c, r, a in zip(
                    self.item_codes, self.item_total_r, self.alpha_if_deleted, strict=True
                )
            },
            "warning": self.warning,
        }


def _alpha(k: FloatArray | float, sum_var: FloatArray, var_total: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(k / (k - 1.0) * (1.0 - sum_var / var_total), dtype=np.float64)


def group_covariances(
    items: FloatArray,
    groups: IntArray,
    n_groups: int,
    slices: tuple[IntArray, IntArray] | None = None,
) -> tuple[FloatArray, NDArray[np.int64]]:
    """(G, p, p) sample covariances (ddof 1) of listwise-complete rows, and their counts.

    Rows are sorted by group once, then each group is one small BLAS product — far cheaper
    than forming all p(p+1)/2 cross-product columns for a million rows.
    """
    if slices is None:
        order = np.argsort(groups, kind="stable")
        bounds = np.searchsorted(groups[order], np.arange(n_groups + 1))
    else:
        order, bounds = slices
    # Column-wise take (1-D gathers are fast for any memory layout), then C order so that
    # each group's rows are one contiguous block for the BLAS product.
    x_sorted = np.empty(items.shape)
    for j in range(items.shape[1]):
        x_sorted[:, j] = items[:, j].take(order)
    p = items.shape[1]
    cov = np.full((n_groups, p, p), np.nan)
    counts = np.zeros(n_groups, dtype=np.int64)
    for g in range(n_groups):
        x = x_sorted[bounds[g] : bounds[g + 1]]
        complete = ~np.isnan(x.sum(axis=1))  # NaN in any item makes the row sum NaN
        x = x if complete.all() else x[complete]
        counts[g] = x.shape[0]
        if x.shape[0] >= 2:
            xc = x - x.mean(axis=0)
            cov[g] = xc.T @ xc / (x.shape[0] - 1)
    return cov, counts


def sorted_group_covariances(
    items: FloatArray | NDArray[np.int8],
    complete: NDArray[np.bool_],
    group_bounds: NDArray[np.int64],
) -> tuple[FloatArray, NDArray[np.int64]]:
    """As :func:`group_covariances` for rows already sorted by group.

    Group g holds rows ``group_bounds[g]:group_bounds[g+1]``; ``complete`` marks the rows
    with every item answered (the caller has counted them anyway). Integer item values (the
    codes) take an exact path: their sums and cross-products are exact in float64, so
    ``(m Σxy − Σx Σy) / (m (m − 1))`` is rounded once.
    """
    n_groups = group_bounds.shape[0] - 1
    p = items.shape[1]
    cov = np.full((n_groups, p, p), np.nan)
    done = np.concatenate([[0], np.cumsum(complete)])[group_bounds]
    counts = np.diff(done).astype(np.int64)
    if items.dtype != np.int8:
        x_all = np.asarray(items[complete], dtype=np.float64)
        ones = np.ones(int(counts.max()) if n_groups else 0)
        for g in range(n_groups):
            m = int(counts[g])
            if m >= 2:
                x = x_all[done[g] : done[g + 1]]
                # Mean as a BLAS product: NumPy's axis-0 mean of a narrow block is far slower.
                xc = x - ones[:m] @ x / m
                cov[g] = xc.T @ xc / (m - 1)
        return cov, counts
    # Incomplete rows become zeros, so whole-group products count complete rows only.
    xz = np.empty(items.shape, order="F")
    for j in range(p):
        np.multiply(items[:, j], complete, out=xz[:, j], dtype=np.float64)
    ones = np.ones(int(np.diff(group_bounds).max()) if n_groups else 0)
    for g in range(n_groups):
        m = int(counts[g])
        if m >= 2:
            a, b = int(group_bounds[g]), int(group_bounds[g + 1])
            x = xz[a:b]
            sx = ones[: b - a] @ x
            cov[g] = (m * (x.T @ x) - np.outer(sx, sx)) / (m * (m - 1.0))
    return cov, counts


def cronbach_alpha(
    items: FloatArray,
    groups: IntArray,
    n_groups: int,
    item_codes: tuple[str, ...],
    slices: tuple[IntArray, IntArray] | None = None,
) -> list[Reliability]:
    """Cronbach's α of one dimension's items (n, p) for each group (``psych::alpha`` raw α).

    ``slices`` (from :func:`scoring.drivers.group_slices`) lets callers sort rows once.
    """
    cov, m = group_covariances(items, groups, n_groups, slices)
    return alpha_from_covariances(cov, m, item_codes)


def alpha_from_covariances(
    cov: FloatArray, m: NDArray[np.int64], item_codes: tuple[str, ...]
) -> list[Reliability]:
    """α, corrected item–total r and α if item deleted from (G, p, p) item covariances."""
    n_groups, p = cov.shape[0], cov.shape[1]
    diag = np.diagonal(cov, axis1=1, axis2=2)
    var_total = cov.sum(axis=(1, 2))
    alpha = _alpha(float(p), diag.sum(axis=1), var_total)
    row = cov.sum(axis=2)
    var_rest = var_total[:, None] - 2.0 * row + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        r_it = (row - diag) / np.sqrt(diag * var_rest)
    a_del = (
        _alpha(float(p - 1), diag.sum(axis=1)[:, None] - diag, var_rest)
        if p >= 3
        else np.full((n_groups, p), np.nan)
    )
    out = []
    for g in range(n_groups):
        a = float(alpha[g]) if p >= 2 else float("nan")
        warning = None
        if not np.isfinite(a):
            warning = "alpha not estimable (fewer than 2 items or 2 complete respondents)"
        elif a < ALPHA_WARNING:
            warning = f"alpha {a:.3f} below {ALPHA_WARNING}"
        out.append(
            Reliability(
                alpha=a,
                n_complete=int(m[g]),
                item_codes=item_codes,
                item_total_r=tuple(float(v) for v in r_it[g]),
                alpha_if_deleted=tuple(float(v) for v in a_del[g]),
                warning=warning,
            )
        )
    return out
