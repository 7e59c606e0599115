"""Verifiable stratified draw: each stratum takes the ``n_h`` cases with the smallest
selection numbers (ties broken by ``case_id``), so the sample does not depend on row order and
anyone with the registry and the seed recomputes it (see :mod:`sampling.seeds`).

Typical use (the registry's SHA-256 is known only after the last row is read)::

    with open_registry(path, RegistryOptions(stratum_columns=("channel",))) as reg:
        frame = build_frame(reg)
        report = reg.report()
    result = draw_sample(frame, seed_inputs=SeedInputs(round_id, witness),
                         registry_sha256=report.sha256, stratum_columns=("channel",))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from sampling.allocation import MIN_FRACTION, PrecisionTarget, allocate
from sampling.coverage import check_coverage
from sampling.errors import SamplingError
from sampling.record import DrawRecord, StratumDraw, ids_sha256
from sampling.rows import CaseRow, StratumKey
from sampling.seeds import DRAW_ALGORITHM, U53, SeedInputs, make_seed, selection_keys

_PACKED_STRATA = 2**11


@dataclass(frozen=True)
class Frame:
    """The part of a registry a draw needs: ids, and each case's stratum index into ``keys``
    (sorted). Built by :func:`build_frame` while streaming, so rows are not kept."""

    case_ids: list[str]
    stratum_index: npt.NDArray[np.int32]
    keys: tuple[StratumKey, ...]

    def id_array(self) -> npt.NDArray[np.object_]:
        """The ids as an object array, for fast fancy indexing of large selections."""
        return np.asarray(self.case_ids, dtype=object)

    def sizes(self) -> dict[StratumKey, int]:
        counts = np.bincount(self.stratum_index, minlength=len(self.keys))
        return {key: int(n) for key, n in zip(self.keys, counts, strict=True)}


def build_frame(rows: Iterable[CaseRow]) -> Frame:
    """Collect ids and strata; refuses duplicate ids (the draw would be ambiguous)."""
    ids: list[str] = []
    index: list[int] = []
    positions: dict[StratumKey, int] = {}
    for row in rows:
        ids.append(row.case_id)
        key = (row.enterprise, *row.strata)
        position = positions.get(key)
        if position is None:
            position = positions[key] = len(positions)
        index.append(position)
    if len(set(ids)) != len(ids):
        raise SamplingError("the registry has duplicate case_id values; fix them before drawing")
    keys = sorted(positions)
    remap = np.empty(len(keys), dtype=np.int32)
    for new, key in enumerate(keys):
        remap[positions[key]] = new
    stratum_index = remap[np.asarray(index, dtype=np.int32)] if ids else np.zeros(0, np.int32)
    return Frame(ids, stratum_index.astype(np.int32), tuple(keys))


@dataclass(frozen=True)
class SelectedCase:
    case_id: str
    stratum: StratumKey
    selection_number: float
    rank: int  # 1-based position within the stratum's order


@dataclass(frozen=True, eq=False)
class DrawResult:
    """The record and the selected cases, stored column-wise (a million-case draw would
    spend seconds building one object per case); iterate them with :meth:`cases`."""

    record: DrawRecord
    strata: tuple[StratumKey, ...]
    case_ids: list[str]
    stratum_index: npt.NDArray[np.int32]
    selection_numbers: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.case_ids)

    def cases(self) -> Iterator[SelectedCase]:
        """Selected cases by stratum (sorted keys), each stratum in selection order."""
        rank = 0
        previous = -1
        for case_id, h, number in zip(
            self.case_ids,
            self.stratum_index.tolist(),
            self.selection_numbers.tolist(),
            strict=True,
        ):
            rank = rank + 1 if h == previous else 1
            previous = h
            yield SelectedCase(case_id, self.strata[h], number, rank)


def stratum_order(frame: Frame, seed: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint64]]:
    """Case indices grouped by stratum, each group ordered by (selection key, case_id)."""
    keys = selection_keys(frame.case_ids, seed)
    if len(frame.keys) <= _PACKED_STRATA:
        # Stratum index in the 11 bits above the 53-bit key: one argsort instead of lexsort.
        packed = keys | (frame.stratum_index.astype(np.uint64) << np.uint64(53))
        order = np.argsort(packed, kind="stable")
    else:
        order = np.lexsort((keys, frame.stratum_index))
    sorted_keys = keys[order]
    sorted_strata = frame.stratum_index[order]
    tie = (sorted_keys[1:] == sorted_keys[:-1]) & (sorted_strata[1:] == sorted_strata[:-1])
    # 53-bit keys collide about once in 10^4 million-case draws; fix those runs by case_id.
    for start in np.flatnonzero(tie & ~np.concatenate(([False], tie[:-1]))):
        end = start + 1
        while end < len(tie) and tie[end]:
            end += 1
        run = order[start : end + 1]
        order[start : end + 1] = sorted(run, key=lambda i: frame.case_ids[i])
    return order, keys


def select(
    frame: Frame, seed: str, allocation: Mapping[StratumKey, int]
) -> tuple[dict[StratumKey, npt.NDArray[np.intp]], npt.NDArray[np.uint64]]:
    """Indices of the selected cases of every stratum of ``frame`` (in selection order, at
    most ``N_h``), and every case's selection key."""
    order, keys = stratum_order(frame, seed)
    counts = np.bincount(frame.stratum_index, minlength=len(frame.keys))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    chosen: dict[StratumKey, npt.NDArray[np.intp]] = {}
    for h, key in enumerate(frame.keys):
        n_h = min(int(allocation.get(key, 0)), int(counts[h]))
        chosen[key] = order[starts[h] : starts[h] + n_h]
    return chosen, keys


def draw_sample(
    frame: Frame,
    *,
    seed_inputs: SeedInputs,
    registry_sha256: str,
    stratum_columns: tuple[str, ...],
    min_fraction: float = MIN_FRACTION,
    target: PrecisionTarget | None = None,
    allocation: Mapping[StratumKey, int] | None = None,
    drawn_at: datetime | None = None,
) -> DrawResult:
    """Draw the sample and its record. ``allocation`` overrides the computed ``n_h`` (it is
    still checked by :func:`~sampling.coverage.check_coverage`, which refuses < 50 %)."""
    if not frame.case_ids:
        raise SamplingError("the registry has no valid cases; nothing to draw")
    seed = make_seed(seed_inputs.round_id, seed_inputs.witness, seed_inputs.beacon)
    sizes = frame.sizes()
    wanted = allocation or allocate(sizes, min_fraction=min_fraction, target=target)
    unknown = sorted(set(wanted) - set(sizes))
    if unknown:
        raise SamplingError(f"the allocation names strata not in the registry: {unknown[:3]}")
    chosen, keys = select(frame, seed, wanted)
    strata: list[StratumDraw] = []
    runs: list[str] = []
    id_array = frame.id_array()
    for key, picks in chosen.items():
        ids = sorted(id_array[picks].tolist())
        runs.extend(ids)
        strata.append(StratumDraw(key, sizes[key], len(ids), ids_sha256(ids)))
    picked = np.concatenate(list(chosen.values())) if chosen else np.zeros(0, np.intp)
    selected_ids: list[str] = id_array[picked].tolist()
    record = DrawRecord(
        algorithm=DRAW_ALGORITHM,
        registry_sha256=registry_sha256,
        stratum_columns=stratum_columns,
        seed=seed,
        seed_inputs=seed_inputs,
        drawn_at=(drawn_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        min_fraction=min_fraction,
        strata=tuple(strata),
        population=len(frame.case_ids),
        sampled=len(selected_ids),
        selected_sha256=ids_sha256(runs),
    )
    check_coverage(record)
    numbers = keys[picked].astype(np.float64) / U53
    return DrawResult(record, frame.keys, selected_ids, frame.stratum_index[picked], numbers)
