"""Which exceptions the CLI reports as one line instead of a traceback."""

from __future__ import annotations

from app.errors import TianpingError
from questionnaires.errors import QuestionnaireError
from reports.errors import ReportError
from sampling.errors import SamplingError
from scoring.errors import ScoringError

USER_ERRORS: tuple[type[Exception], ...] = (
    TianpingError,
    QuestionnaireError,
    SamplingError,
    ScoringError,
    ReportError,
)
