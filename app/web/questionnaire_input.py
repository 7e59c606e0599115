"""Questionnaire text sent by a user (the designer's YAML/JSON view, the JSON API), parsed with
a bound on its size.

YAML aliases let a short text stand for a huge document (a long text referred to from
thousands of items); validating or storing that would exhaust memory. The parsed data is
therefore measured as if every alias were written out, and refused beyond a limit, before the
questionnaire library sees it.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.errors import TianpingError
from questionnaires import Questionnaire, from_dict, loads
from questionnaires.serialization import TextFormat, parse_text

# Far above the largest questionnaire the designer can build (200 questions in 2 languages).
MAX_EXPANDED_SIZE = 2 * 1024 * 1024


class QuestionnaireTooLargeError(TianpingError):
    """The questionnaire, with its YAML aliases written out, exceeds the size limit."""


def check_size(data: object, limit: int = MAX_EXPANDED_SIZE) -> None:
    budget = limit
    stack = [data]
    while stack:
        value = stack.pop()
        budget -= len(value) + 1 if isinstance(value, str) else 8
        if budget < 0:
            raise QuestionnaireTooLargeError(
                f"the questionnaire is larger than {limit // 1024} KiB once its YAML aliases "
                "are written out; write it without aliases or split it"
            )
        if isinstance(value, Mapping):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def parse_questionnaire(text: str, fmt: TextFormat, source: str) -> Questionnaire:
    """The questionnaire in ``text``; raises ``QuestionnaireInvalid`` listing every problem, or
    :class:`QuestionnaireTooLargeError`."""
    data = parse_text(text, fmt, source)
    check_size(data)
    if not isinstance(data, Mapping):
        return loads(text, fmt, source)  # raises the located "not a mapping" problem
    return from_dict(data, source)
