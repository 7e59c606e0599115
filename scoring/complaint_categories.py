"""Top complaint categories per enterprise and their monthly trend (by month of opening).

Categories come from the case registry, which lists every complaint, so these are counts,
not estimates: no sampling error to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring._arrays import IntArray
from scoring.errors import InputDataError
from scoring.kpis import TimeArray


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """One category of one enterprise: its count, its share of the categorised complaints,
    and per month (aligned with :attr:`CategoryTrend.months`) its count and share of that
    month's categorised complaints (``None`` for a month without any)."""

    category: str
    count: int
    share: float
    monthly: tuple[int, ...]
    monthly_share: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class CategoryTrend:
    """One enterprise: months ``YYYY-MM`` (the same for every enterprise of a call), the
    categorised complaints in total and per month, complaints without a category, and the
    top categories by count (ties by name)."""

    months: tuple[str, ...]
    total: int
    monthly_total: tuple[int, ...]
    uncategorised: int
    top: tuple[CategoryCount, ...]


def category_trends(
    group: IntArray,
    category: Sequence[str | None],
    opened_at: TimeArray,
    n_groups: int,
    top: int = 5,
) -> tuple[CategoryTrend, ...]:
    """Per group, the ``top`` categories with monthly counts; a blank category counts as none.

    A complaint without ``opened_at`` counts in the totals but in no month.
    """
    n = group.shape[0]
    if len(category) != n or opened_at.shape != (n,):
        raise InputDataError("group, category and opened_at must hold one value per complaint")
    if top < 1:
        raise InputDataError(f"top must be at least 1, not {top}")
    labels = [(c or "").strip() for c in category]
    has = np.array([bool(c) for c in labels], dtype=np.bool_)
    names = sorted({c for c in labels if c})
    index = {c: i for i, c in enumerate(names)}
    cat = np.array([index.get(c, -1) for c in labels], dtype=np.intp)
    month = opened_at.astype("datetime64[M]")
    dated = ~np.isnat(month)
    month_keys = np.unique(month[dated])
    month_of = np.searchsorted(month_keys, month)
    k, m = len(names), month_keys.shape[0]
    counts = np.zeros((n_groups, k), dtype=np.int64)
    np.add.at(counts, (group[has], cat[has]), 1)
    monthly = np.zeros((n_groups, m, k), dtype=np.int64)
    both = has & dated
    np.add.at(monthly, (group[both], month_of[both], cat[both]), 1)
    uncategorised = np.bincount(group[~has], minlength=n_groups)
    months = tuple(str(x) for x in month_keys)
    out: list[CategoryTrend] = []
    for g in range(n_groups):
        total = int(counts[g].sum())
        month_total = monthly[g].sum(axis=1)
        ranked = sorted((c for c in range(k) if counts[g, c] > 0), key=lambda c: -counts[g, c])
        out.append(
            CategoryTrend(
                months=months,
                total=total,
                monthly_total=tuple(int(x) for x in month_total),
                uncategorised=int(uncategorised[g]),
                top=tuple(
                    CategoryCount(
                        category=names[c],
                        count=int(counts[g, c]),
                        share=float(counts[g, c]) / total,
                        monthly=tuple(int(x) for x in monthly[g, :, c]),
                        monthly_share=tuple(
                            float(monthly[g, j, c]) / float(month_total[j])
                            if month_total[j]
                            else None
                            for j in range(m)
                        ),
                    )
                    for c in ranked[:top]
                ),
            )
        )
    return tuple(out)
