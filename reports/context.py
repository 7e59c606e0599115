"""What a report shows beyond the scorecard: certificate, parties, design and findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from reports.charts import KPI_TARGETS
from reports.complaints import ComplaintSummary
from reports.facts import SignedFacts
from scoring.change import MeasureChange

DEFAULT_VERIFY_BASE = "https://tianping.example.org"


@dataclass(frozen=True, slots=True)
class StratumRow:
    """One stratum of the design (for the methodology appendix)."""

    label: str
    frame: int
    sampled: int
    responded: int | None  # None when the strata are finer than the reported domains


@dataclass(frozen=True, slots=True)
class Observation:
    """An on-site observation finding (assessor's checklist), shown verbatim."""

    area: str
    finding: str
    severity: str = ""


@dataclass(frozen=True, slots=True)
class ReportContext:
    body_name: str
    enterprise_name: str
    round_code: str
    round_title: str
    period_start: date
    period_end: date
    issue_date: date
    valid_until: date
    certificate: SignedFacts | None = None  # None renders a draft (not certified)
    verify_base_url: str = DEFAULT_VERIFY_BASE
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    strata: tuple[StratumRow, ...] = ()
    observations: tuple[Observation, ...] = ()
    kpi_targets: Mapping[str, tuple[str, float]] = field(default_factory=lambda: dict(KPI_TARGETS))
    exclusion_rules: str = ""
    draw_summary: str = ""  # e.g. algorithm, seed commitment, registry hash
    # A re-evaluation's change since the round it follows (empty for any other round).
    change_since_last: tuple[MeasureChange, ...] = ()
    change_previous_round: str = ""  # that round's code
    # Complaints against the standards' time limits; None leaves the section out.
    complaints: ComplaintSummary | None = None

    @property
    def number(self) -> str:
        return self.certificate.facts["number"] if self.certificate else ""

    @property
    def verify_url(self) -> str:
        return f"{self.verify_base_url.rstrip('/')}/verify/{self.number}"
