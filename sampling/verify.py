"""Recompute a draw from the registry and its record; say *identical* or what differs.

Differences are listed from the most fundamental (the record contradicts itself, the registry
file changed) to the most specific (a named case). Without the sample file a changed selection
is pinned to its stratum; with the sample's ids (``sample_ids``) the case is named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sampling.draw import Frame, build_frame, select
from sampling.record import DrawRecord, ids_sha256
from sampling.rows import CaseRow
from sampling.seeds import make_seed

DifferenceKind = Literal["seed", "registry", "stratum", "population", "selection", "case", "total"]
MAX_DIFFERENCES = 50


@dataclass(frozen=True)
class Difference:
    kind: DifferenceKind
    message: str


@dataclass(frozen=True)
class VerifyResult:
    differences: tuple[Difference, ...]
    registry_checked: bool

    @property
    def identical(self) -> bool:
        return not self.differences

    @property
    def first(self) -> Difference | None:
        return self.differences[0] if self.differences else None

    def summary(self) -> str:
        if self.identical:
            scope = "" if self.registry_checked else " (registry file hash not checked)"
            return f"identical{scope}"
        assert self.first is not None
        more = len(self.differences) - 1
        return self.first.message + (f" (and {more} more differences)" if more else "")


def verify(
    rows: Iterable[CaseRow] | Frame,
    record: DrawRecord,
    *,
    registry_sha256: str | None = None,
    sample_ids: Iterable[str] | None = None,
) -> VerifyResult:
    """Recompute the draw described by ``record`` from ``rows`` and compare.

    ``registry_sha256`` is the SHA-256 of the registry file the rows came from (pass it:
    without it a change outside ids and strata — a phone number — goes unnoticed).
    """
    frame = rows if isinstance(rows, Frame) else build_frame(rows)
    found: list[Difference] = []
    seed = make_seed(
        record.seed_inputs.round_id, record.seed_inputs.witness, record.seed_inputs.beacon
    )
    if seed != record.seed:
        found.append(
            Difference(
                "seed",
                f"the record's seed {record.seed} is not the hash of its inputs "
                f"(that is {seed}); the record was altered",
            )
        )
    if registry_sha256 is not None and registry_sha256 != record.registry_sha256:
        found.append(
            Difference(
                "registry",
                f"registry SHA-256 differs: the file is {registry_sha256}, the record says "
                f"{record.registry_sha256}",
            )
        )
    found.extend(_strata_differences(frame, record))
    found.extend(_selection_differences(frame, record, sample_ids))
    return VerifyResult(tuple(found[:MAX_DIFFERENCES]), registry_sha256 is not None)


def _strata_differences(frame: Frame, record: DrawRecord) -> list[Difference]:
    sizes = frame.sizes()
    recorded = {s.key: s for s in record.strata}
    found: list[Difference] = []
    for key in sorted(set(sizes) | set(recorded)):
        label = " / ".join(key)
        if key not in recorded:
            found.append(
                Difference(
                    "stratum",
                    f"stratum {label} has {sizes[key]} cases now but is not in the record",
                )
            )
        elif key not in sizes:
            found.append(
                Difference(
                    "stratum",
                    f"stratum {label} is in the record (N_h "
                    f"{recorded[key].population}) but has no cases now",
                )
            )
        elif sizes[key] != recorded[key].population:
            found.append(
                Difference(
                    "population",
                    f"stratum {label} has N_h {sizes[key]} now vs "
                    f"{recorded[key].population} recorded",
                )
            )
    if sum(sizes.values()) != record.population:
        found.append(
            Difference(
                "total",
                f"the registry has {sum(sizes.values())} cases now vs {record.population} recorded",
            )
        )
    return found


def _selection_differences(
    frame: Frame, record: DrawRecord, sample_ids: Iterable[str] | None
) -> list[Difference]:
    allocation = {s.key: s.sampled for s in record.strata}
    chosen, _ = select(frame, record.seed, allocation)
    sample = set(sample_ids) if sample_ids is not None else None
    found: list[Difference] = []
    if sample is not None and ids_sha256(sample) != record.selected_sha256:
        found.append(
            Difference(
                "selection",
                "the sample file's ids do not match the record's hash; "
                "use the sample written together with this record",
            )
        )
    everything: list[str] = []
    id_array = frame.id_array()
    for stratum in record.strata:
        picks = chosen.get(stratum.key)
        ids = sorted(id_array[picks].tolist()) if picks is not None else []
        everything.extend(ids)
        if ids_sha256(ids) == stratum.selected_sha256:
            continue
        if sample is None:
            found.append(
                Difference(
                    "selection",
                    f"stratum {stratum.label}: the selected cases differ "
                    "from the record; pass the sample file to name them",
                )
            )
            continue
        found.extend(
            Difference(
                "case",
                f"case {cid} (stratum {stratum.label}) is selected now but "
                "not in the record's sample",
            )
            for cid in sorted(set(ids) - sample)
        )
    if sample is not None:
        found.extend(_missing_cases(frame, sample - set(everything)))
    if ids_sha256(everything) != record.selected_sha256 and not found:
        found.append(
            Difference(
                "selection",
                "the hash of all selected ids differs from the record's "
                "although every stratum matches; the record was altered",
            )
        )
    return found


def _missing_cases(frame: Frame, missing: set[str]) -> list[Difference]:
    """Cases of the recorded sample that are not selected now, and why."""
    if not missing:
        return []
    present = set(frame.case_ids)
    return [
        Difference(
            "case",
            f"case {cid} is in the record's sample but "
            + ("not selected now" if cid in present else "no longer in the registry"),
        )
        for cid in sorted(missing)
    ]
