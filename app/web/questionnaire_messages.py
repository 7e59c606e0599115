"""The questionnaire library's problems in the user's language.

The library (``questionnaires``) stays free of i18n: each problem carries a message id and its
parameters (``questionnaires.messages``), and here they are rendered through the gettext
catalogues (``locale/*/LC_MESSAGES/questionnaires.po``, whose message ids are the English
templates). A problem without an id (a few XLSForm workbook messages) keeps its English text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.web.i18n import Lang, translate
from questionnaires.errors import Problem, QuestionnaireInvalid, errors_of
from questionnaires.messages import MESSAGES, render


def problem_message(problem: Problem, lang: Lang) -> str:
    if problem.code not in MESSAGES:
        return problem.message
    return render(problem.code, problem.parameters, lambda text: translate(lang, text))


def problem_entries(problems: Iterable[Problem], lang: Lang) -> list[dict[str, Any]]:
    """The JSON form of problems: where, a stable code, and the message in ``lang``."""
    return [
        {
            "path": p.location,
            "code": p.code or "invalid",
            "severity": p.severity,
            "message": problem_message(p, lang),
            "params": p.parameters,
        }
        for p in problems
    ]


def invalid_summary(exc: QuestionnaireInvalid, lang: Lang) -> str:
    """One line for a form field or an error body: the first error, and how many more."""
    errors = errors_of(exc.problems) or exc.problems
    if not errors:
        return translate(lang, "The questionnaire is not valid.")
    first = errors[0]
    line = f"{first.location}: {problem_message(first, lang)}"
    if len(errors) > 1:
        line += " " + translate(lang, "(and %(n)s more problems)", n=len(errors) - 1)
    return line
