"""The coverage rule: every enterprise and every stratum at least 50 % sampled (DESIGN §1).

:func:`check_coverage` runs at draw time and again at report issuance, on the draw record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sampling.errors import CoverageError
from sampling.record import DrawRecord

REQUIRED_SHARE = 0.5


@dataclass(frozen=True)
class EnterpriseCoverage:
    enterprise: str
    population: int
    sampled: int

    @property
    def share(self) -> float:
        return self.sampled / self.population if self.population else 0.0


def _required(population: int) -> int:
    return math.ceil(REQUIRED_SHARE * population)


def enterprise_coverage(record: DrawRecord) -> tuple[EnterpriseCoverage, ...]:
    """Frame size and sampled count per enterprise, sorted by enterprise."""
    totals: dict[str, list[int]] = {}
    for stratum in record.strata:
        pair = totals.setdefault(stratum.key[0], [0, 0])
        pair[0] += stratum.population
        pair[1] += stratum.sampled
    return tuple(EnterpriseCoverage(e, n[0], n[1]) for e, n in sorted(totals.items()))


def check_coverage(record: DrawRecord) -> tuple[EnterpriseCoverage, ...]:
    """Raise :class:`CoverageError` naming the first stratum or enterprise below 50 %.

    Strata are checked first because a stratum shortfall is the more precise message; the
    enterprise check still matters for records whose strata were edited by hand.
    """
    for stratum in record.strata:
        if stratum.sampled < _required(stratum.population):
            raise CoverageError(
                f"stratum {stratum.label} is covered {stratum.sampled} of {stratum.population} "
                f"cases, below the required 50 % ({_required(stratum.population)}); "
                "draw at least half of every stratum"
            )
    summary = enterprise_coverage(record)
    for item in summary:
        if item.sampled < _required(item.population):
            raise CoverageError(
                f"enterprise {item.enterprise} is covered {item.sampled} of {item.population} "
                f"cases, below the required 50 %; draw at least half of its cases"
            )
    return summary
