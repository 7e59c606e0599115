"""Exceptions raised by the questionnaire library, and the located problems they carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class QuestionnaireError(ValueError):
    """Base of every error the questionnaire library raises for bad input."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an instrument, and where: a path such as
    ``dimensions[2].items[4].code`` or, for XLSForm, ``sheet survey, row 17, column name``."""

    location: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.location}: {self.message}"


def errors_of(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(p for p in problems if p.severity == "error")


class QuestionnaireInvalid(QuestionnaireError):
    """The instrument has at least one error; ``problems`` holds every problem found at once."""

    def __init__(self, problems: Iterable[Problem], source: str = "questionnaire") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        n_errors = len(errors_of(self.problems))
        header = (
            f"{source} is not a valid questionnaire ({n_errors} error"
            f"{'' if n_errors == 1 else 's'}); fix every line below and try again:"
        )
        super().__init__("\n".join([header, *(f"  {p}" for p in self.problems)]))


class UnknownItem(QuestionnaireError, KeyError):
    """An item or dimension code that the questionnaire does not contain."""

    def __str__(self) -> str:
        # KeyError would repr() the message; show it as written.
        return str(self.args[0]) if self.args else ""
