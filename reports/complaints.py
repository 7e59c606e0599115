"""Data of the report's "complaints and timeliness" section: aggregates only, no case, no person.

Plain values (filled by the application from :mod:`scoring.complaints`), so a report can be
rendered from stored figures without the analysis code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LimitShare:
    """Share of one class's complaints within one time limit (``None`` when none applies)."""

    limit: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int  # complaints judged against this limit
    census: bool  # every complaint's times known: no sampling error


@dataclass(frozen=True, slots=True)
class ClassShares:
    complaint_class: str  # general / complex / urgent / all
    complaints: int
    shares: tuple[LimitShare, ...]


@dataclass(frozen=True, slots=True)
class CategoryRow:
    category: str
    count: int
    share: float
    monthly: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ComplaintSummary:
    """One enterprise's complaint handling against the standards' time limits."""

    limits: tuple[str, ...]
    classes: tuple[ClassShares, ...]
    months: tuple[str, ...] = ()
    categories: tuple[CategoryRow, ...] = ()
    breaching: int = 0  # complaints that breached at least one limit
    extended: int = 0  # complaints whose closure was extended with the consumer's consent
    note: str = ""  # why figures are missing, when they are

    @property
    def complaints(self) -> int:
        return next((c.complaints for c in self.classes if c.complaint_class == "all"), 0)
