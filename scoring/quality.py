"""Response-quality flags and the plan's frozen exclusion rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray
from scoring.plan import Exclusions

BoolArray = NDArray[np.bool_]


def straightlining(answers: FloatArray | NDArray[np.int8], min_items: int) -> BoolArray:
    """Identical raw answers across all answered Likert items, with at least ``min_items``.

    ``answers`` holds raw answers (NaN missing) or their int8 codes (0 missing, from
    :func:`scoring.answers.answer_codes`) — the codes take an eighth of the memory traffic.
    """
    if answers.dtype == np.int8:
        return _straightlining_codes(np.asarray(answers, dtype=np.int8), min_items)
    # Column-at-a-time: reductions over a short last axis are slow in NumPy; fmax/fmin skip NaN.
    count = np.zeros(answers.shape[0], dtype=np.int64)
    hi = np.full(answers.shape[0], np.nan)
    lo = np.full(answers.shape[0], np.nan)
    for j in range(answers.shape[1]):
        col = answers[:, j]
        count += ~np.isnan(col)
        hi = np.fmax(hi, col)
        lo = np.fmin(lo, col)
    return np.asarray((count >= min_items) & (hi == lo), dtype=np.bool_)


def _straightlining_codes(codes: NDArray[np.int8], min_items: int) -> BoolArray:
    n = codes.shape[0]
    count = np.zeros(n, dtype=np.int16)
    hi = np.zeros(n, dtype=np.uint8)
    lo = np.full(n, np.iinfo(np.uint8).max, dtype=np.uint8)
    one = np.uint8(1)
    for j in range(codes.shape[1]):
        col = codes[:, j].view(np.uint8)
        count += col > 0
        np.maximum(hi, col, out=hi)
        # code − 1 wraps a missing 0 round to 255, so it never wins the minimum
        np.minimum(lo, col - one, out=lo)
    return np.asarray((count >= min_items) & (hi - one == lo), dtype=np.bool_)


def too_fast(duration_seconds: FloatArray, min_seconds: float) -> BoolArray:
    """Completed faster than ``min_seconds`` (unknown durations are not flagged)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(duration_seconds < min_seconds, dtype=np.bool_)


def duplicate_devices(device: Sequence[str | None], rule: str) -> tuple[BoolArray, BoolArray]:
    """(flagged, excluded): flagged = device seen on more than one response.

    ``keep_first`` excludes every response after the first per device (file order);
    ``drop_all`` excludes all of them; ``keep_all`` excludes none.
    """
    seen: dict[str, int] = {}
    first = np.zeros(len(device), dtype=bool)
    counts: dict[str, int] = {}
    for i, d in enumerate(device):
        if not d:
            continue
        counts[d] = counts.get(d, 0) + 1
        if d not in seen:
            seen[d] = i
            first[i] = True
    flagged = np.array([counts.get(d, 0) > 1 if d else False for d in device], dtype=np.bool_)
    excluded: BoolArray = {
        "keep_all": np.zeros_like(flagged),
        "keep_first": flagged & ~first,
        "drop_all": flagged,
    }[rule]
    return flagged, excluded


@dataclass(frozen=True, slots=True, eq=False)
class ExclusionResult:
    keep: BoolArray
    flagged: dict[str, BoolArray]
    excluded: dict[str, BoolArray]

    def counts_by_group(self, groups: NDArray[np.intp], n_groups: int) -> list[dict[str, Any]]:
        """Flag and exclusion counts per group (e.g. enterprise)."""

        def per(mask: BoolArray) -> list[int]:
            return [int(v) for v in np.bincount(groups[mask], minlength=n_groups)]

        flagged = {k: per(v) for k, v in self.flagged.items()}
        excluded = {k: per(v) for k, v in self.excluded.items()}
        total = per(~self.keep)
        return [
            {
                "flagged": {k: v[g] for k, v in flagged.items()},
                "excluded": {k: v[g] for k, v in excluded.items()},
                "excluded_total": total[g],
            }
            for g in range(n_groups)
        ]


def apply_exclusions(
    answers: FloatArray | NDArray[np.int8],
    rules: Exclusions,
    duration_seconds: FloatArray | None = None,
    device: Sequence[str | None] | None = None,
) -> ExclusionResult:
    """Flag everything measurable; exclude only what the frozen plan says."""
    n = answers.shape[0]
    none = np.zeros(n, dtype=bool)
    sl = straightlining(answers, rules.straightlining_min_items)
    flagged = {"straightlining": sl}
    excluded = {"straightlining": sl if rules.straightlining else none}
    if duration_seconds is not None:
        fast = too_fast(duration_seconds, rules.min_duration_seconds or 0.0)
        flagged["too_fast"] = fast
        excluded["too_fast"] = fast if rules.min_duration_seconds is not None else none
    if device is not None:
        dup, dup_ex = duplicate_devices(device, rules.duplicate_device)
        flagged["duplicate_device"] = dup
        excluded["duplicate_device"] = dup_ex
    keep = ~np.logical_or.reduce(list(excluded.values()))
    return ExclusionResult(keep=keep, flagged=flagged, excluded=excluded)
