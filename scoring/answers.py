"""Raw Likert answers → validated small-integer codes → rescaled item and dimension scores.

Validated answers are integers 1..K, so one byte per answer (0 = missing) holds them exactly.
The engine checks each float column once, then works on the codes: reordering a 1-byte column
and mapping it through a (K+1)-entry table is several times cheaper than touching the float
matrix again, and gives exactly the values of :func:`scoring.estimators.rescale_items`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from scoring._arrays import FloatArray, IntArray
from scoring.errors import AnswerRangeError
from scoring.estimators import min_items_required, rescale_items
from scoring.instrument import ItemSpec

CodeArray = NDArray[np.int8]
MAX_POINTS = 127  # codes are int8


def answer_codes(
    answers: FloatArray,
    columns: Sequence[int],
    items: Sequence[ItemSpec],
    first_line: int = 2,
) -> CodeArray:
    """(n, len(items)) int8 codes of ``answers[:, columns]``; 0 = missing (NaN).

    Every answer must be an integer in 1..K; the error names the line and the column.
    """
    n = answers.shape[0]
    out = np.zeros((n, len(items)), dtype=np.int8, order="F")
    for j, (c, it) in enumerate(zip(columns, items, strict=True)):
        if it.points > MAX_POINTS:
            raise AnswerRangeError(f"column {it.code}: at most {MAX_POINTS} scale points")
        col = np.asarray(answers[:, c], dtype=np.float64)
        # Cast first, check after: an answer is valid exactly when it survives the round
        # trip to int8 unchanged and lies in 1..K (NaN and out-of-range casts never do).
        with np.errstate(invalid="ignore", over="ignore"):
            code = col.astype(np.int8)
        ok = (code.astype(np.float64) == col) & (code >= 1) & (code <= it.points)
        n_missing = np.count_nonzero(np.isnan(col))
        if np.count_nonzero(ok) + n_missing != n:
            i = int(np.argmax(~(ok | np.isnan(col))))
            raise AnswerRangeError(
                f"responses line {i + first_line}, column {it.code}: answer {col[i]:g} "
                f"outside 1..{it.points}"
            )
        np.multiply(code, ok, out=out[:, j])
    return out


def rescale_table(item: ItemSpec) -> FloatArray:
    """Entry x = the 0–100 score of answer x (entry 0, missing, is NaN)."""
    table = np.full(item.points + 1, np.nan)
    table[1:] = rescale_items(
        np.arange(1.0, item.points + 1)[:, None], [item.points], [item.reverse]
    )[:, 0]
    return table


def sorted_dimension(
    codes: CodeArray,
    rows: IntArray,
    items: Sequence[ItemSpec],
    min_answered_share: float,
) -> tuple[NDArray[np.int8] | FloatArray, FloatArray, NDArray[np.bool_]]:
    """(item values for reliability (n, p), dimension score (n,), all answered (n,)), the rows
    taken in ``rows`` order.

    The score is the mean of the answered rescaled items, NaN when fewer than the plan's share
    are answered (as :func:`scoring.estimators.dimension_scores`). When the items share one
    scale, the item values are the reverse-keyed codes (the rescaling is one common linear map,
    to which α and item–total correlations are invariant) and the score comes from their
    integer sum; otherwise they are the rescaled items.
    """
    n = rows.shape[0]
    p = len(items)
    count = np.zeros(n, dtype=np.int16)
    need = min_items_required(p, min_answered_share)
    points = {it.points for it in items}
    if len(points) == 1:
        k = points.pop()
        keyed = np.empty((n, p), dtype=np.int8, order="F")
        total = np.zeros(n, dtype=np.int16)
        for j, it in enumerate(items):
            c = codes[:, j].take(rows)
            answered = c > 0
            count += answered
            keyed[:, j] = (k + 1 - c) * answered if it.reverse else c
            total += keyed[:, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(count >= need, (total / count - 1.0) * (100.0 / (k - 1.0)), np.nan)
        return keyed, score, count == p
    x = np.empty((n, p), order="F")
    total_f = np.zeros(n)
    for j, it in enumerate(items):
        c = codes[:, j].take(rows)
        rescale_table(it).take(c.astype(np.intp), out=x[:, j])
        answered = c > 0
        count += answered
        np.add(total_f, x[:, j], out=total_f, where=answered)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(count >= need, total_f / count, np.nan)
    return x, score, count == p


def item_distributions(
    codes: CodeArray,
    weight: FloatArray,
    group: IntArray,
    n_groups: int,
    items: Sequence[ItemSpec],
) -> list[dict[str, list[float]]]:
    """Estimated share of each answer 1..K of every item, per group (enterprise).

    Weighted by the design weights ``N_h / r_h``, over the respondents who answered the item,
    so the shares estimate the frame's answer distribution (the report's diverging bars). The
    answers are as given (a reverse-worded item's "1" stays "1"). A group with no answer to
    an item gets an empty list.
    """
    out: list[dict[str, list[float]]] = [{} for _ in range(n_groups)]
    for j, it in enumerate(items):
        width = it.points + 1
        cells = group.astype(np.intp) * width + codes[:, j].astype(np.intp)
        table = np.bincount(cells, weights=weight, minlength=n_groups * width)
        answered = table.reshape(n_groups, width)[:, 1:]
        totals = answered.sum(axis=1)
        for g in range(n_groups):
            out[g][it.code] = (answered[g] / totals[g]).tolist() if totals[g] > 0 else []
    return out
