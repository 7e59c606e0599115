"""Exceptions raised by the questionnaire library, and the located problems they carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from questionnaires.messages import Param, render

Severity = Literal["error", "warning"]


class QuestionnaireError(ValueError):
    """Base of every error the questionnaire library raises for bad input."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an instrument, and where: a path such as
    ``dimensions[2].items[4].code`` or, for XLSForm, ``sheet survey, row 17, column name``.

    ``code`` and ``params`` say the same as the English ``message`` in a form other languages
    can render (see :mod:`questionnaires.messages`); ``code`` is empty for the few problems
    that have no id yet (XLSForm workbook structure)."""

    location: str
    message: str
    severity: Severity = "error"
    code: str = ""
    params: tuple[tuple[str, Param], ...] = ()

    @classmethod
    def of(
        cls, location: str, message_id: str, severity: Severity = "error", /, **params: Param
    ) -> Problem:
        """The problem ``message_id`` of :data:`~questionnaires.messages.MESSAGES`, in English."""
        message = render(message_id, params)
        return cls(location, message, severity, message_id, tuple(params.items()))

    @property
    def parameters(self) -> dict[str, Param]:
        return dict(self.params)

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
