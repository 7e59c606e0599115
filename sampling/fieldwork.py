"""Fieldwork follow-up: how many sampled cases answered, per stratum and per enterprise.

Nonrespondents are **never replaced** by other cases. The weights ``N_h / r_h`` of DESIGN §4
treat the respondents of a stratum as a random subsample of it; substituting "easier"
consumers would bias scores upward and break the verifiable link between the published seed
and the people asked. Low response is handled by reminders during fieldwork and shows in the
report as a response rate, not hidden by substitutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sampling.rows import StratumKey

MAX_UNKNOWN = 100


class SampledCase(Protocol):
    @property
    def case_id(self) -> str: ...

    @property
    def stratum(self) -> StratumKey: ...


@dataclass(frozen=True)
class ResponseCount:
    """``key`` is a stratum key, or ``(enterprise,)`` for an enterprise total."""

    key: StratumKey
    sampled: int
    responded: int

    @property
    def rate(self) -> float:
        return self.responded / self.sampled if self.sampled else 0.0


@dataclass(frozen=True)
class FieldworkSummary:
    strata: tuple[ResponseCount, ...]
    enterprises: tuple[ResponseCount, ...]
    sampled: int
    responded: int
    unknown_responses: int
    unknown_examples: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.responded / self.sampled if self.sampled else 0.0


def response_summary(
    sample: Iterable[SampledCase], responded_ids: Iterable[str]
) -> FieldworkSummary:
    """Counts and rates; responses from ids outside the sample are counted, not used."""
    responded = set(responded_ids)
    per_stratum: dict[StratumKey, list[int]] = {}
    seen: set[str] = set()
    for case in sample:
        seen.add(case.case_id)
        pair = per_stratum.setdefault(case.stratum, [0, 0])
        pair[0] += 1
        pair[1] += case.case_id in responded
    per_enterprise: dict[StratumKey, list[int]] = {}
    for key, (n, r) in per_stratum.items():
        pair = per_enterprise.setdefault(key[:1], [0, 0])
        pair[0] += n
        pair[1] += r
    unknown = sorted(responded - seen)
    return FieldworkSummary(
        strata=tuple(ResponseCount(k, n, r) for k, (n, r) in sorted(per_stratum.items())),
        enterprises=tuple(ResponseCount(k, n, r) for k, (n, r) in sorted(per_enterprise.items())),
        sampled=len(seen),
        responded=len(responded & seen),
        unknown_responses=len(unknown),
        unknown_examples=tuple(unknown[:MAX_UNKNOWN]),
    )
