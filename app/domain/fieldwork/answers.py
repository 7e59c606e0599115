"""Checking a consumer's answers against the published questionnaire (pure functions).

Skip logic: an item whose ``show_if`` is false for the answers given is not shown, so any
answer to it is dropped (it may linger from a screen the consumer answered before changing an
earlier answer). "Not applicable" and skipped optional items are stored as missing (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from app.domain.fieldwork.errors import AnswerProblem, AnswersInvalidError
from questionnaires import Item, Questionnaire, evaluate, parse_condition
from questionnaires.conditions import Condition

AnswerValue = int | str | None
MAX_TEXT = 4000
NPS_RANGE = (0, 10)


@lru_cache(maxsize=512)
def _condition(text: str) -> Condition:
    return parse_condition(text)


def is_shown(item: Item, answers: Mapping[str, object]) -> bool:
    return item.show_if is None or evaluate(_condition(item.show_if), answers)


def value_range(item: Item) -> tuple[int, int] | None:
    """Inclusive numeric range of a numeric item, ``None`` for choice and text items."""
    if item.type == "nps":
        return NPS_RANGE
    if item.type == "likert":
        return (1, item.points or 5)
    return None


def check_one(item: Item, value: AnswerValue) -> AnswerProblem | None:
    if value is None or value == "":
        return AnswerProblem(item.code, "required") if item.required else None
    numeric = value_range(item)
    if numeric is not None:
        if isinstance(value, bool) or not isinstance(value, int):
            return AnswerProblem(item.code, "out_of_range", f"expected a whole number {numeric}")
        low, high = numeric
        if not low <= value <= high:
            return AnswerProblem(item.code, "out_of_range", f"expected {low}..{high}")
        return None
    if not isinstance(value, str):
        return AnswerProblem(item.code, "not_a_choice", "expected text")
    codes = item.answer_codes
    if codes is not None and value not in codes:
        return AnswerProblem(item.code, "not_a_choice", f"expected one of {', '.join(codes)}")
    if len(value) > MAX_TEXT:
        return AnswerProblem(item.code, "too_long", f"at most {MAX_TEXT} characters")
    return None


def clean_answers(
    questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]
) -> dict[str, AnswerValue]:
    """The answers to store, one per shown item (``None`` = missing / not applicable).

    Raises :class:`AnswersInvalidError` listing every problem at once, so a form can re-ask
    all of them together.
    """
    items = questionnaire.all_items()
    known = {i.code for i in items}
    problems = [AnswerProblem(code, "unknown_item") for code in answers if code not in known]
    cleaned: dict[str, AnswerValue] = {}
    for item in items:
        if not is_shown(item, cleaned):
            continue
        value = answers.get(item.code)
        if isinstance(value, str) and item.type == "text":
            value = value.strip() or None
        problem = check_one(item, value)
        if problem is not None:
            problems.append(problem)
            continue
        cleaned[item.code] = None if value == "" else value
    if problems:
        raise AnswersInvalidError(tuple(problems))
    return cleaned
