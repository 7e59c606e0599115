"""Exceptions raised by the scoring library.

Hierarchy (all are :class:`ValueError` so callers that only know the standard library still
catch them; the CLI prints any :class:`ScoringError` as one line and exits 1)::

    ScoringError
    ├── PlanError            invalid plan; lists every problem with its key path
    ├── InputDataError       frame / sample / responses are inconsistent or malformed
    │   └── AnswerRangeError an answer outside 1..K (names line and column)
    ├── WeightsError         dimension weights cannot be derived
    │   └── AhpInconsistencyError  AHP consistency ratio ≥ 0.10 (names the most inconsistent pair)
    ├── DesignError          impossible design (more respondents than frame cases)
    └── CalendarError        a date falls outside the working-day calendar
"""

from __future__ import annotations


class ScoringError(ValueError):
    """Base of every error the scoring library raises for bad input."""


class PlanError(ScoringError):
    """The scoring plan is invalid; the message names each problem's key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid scoring plan: " + "; ".join(problems))


class InputDataError(ScoringError):
    """Frame, sample or responses are malformed or inconsistent with each other."""


class AnswerRangeError(InputDataError):
    """An answer is outside the item's 1..K scale."""


class WeightsError(ScoringError):
    """Dimension weights are invalid or cannot be derived."""


class AhpInconsistencyError(WeightsError):
    """An AHP pairwise matrix has consistency ratio ≥ 0.10."""

    def __init__(self, message: str, *, cr: float, pair: tuple[str, str]) -> None:
        self.cr = cr
        self.pair = pair
        super().__init__(message)


class DesignError(ScoringError):
    """The stratified design is impossible (e.g. more respondents than frame cases)."""


class CalendarError(ScoringError):
    """A date is not covered by the working-day calendar."""
