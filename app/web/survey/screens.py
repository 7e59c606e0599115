"""How a questionnaire is split into screens, and how form fields become answers.

One question group (dimension) per screen, then the general items. An item whose ``show_if``
reads an answer on its own screen moves to a follow-up screen right after it, so skip logic
works without JavaScript; a screen with nothing to show is passed over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.fieldwork.answers import AnswerValue, is_shown
from questionnaires import Item, Questionnaire, parse_condition
from questionnaires.conditions import referenced_codes

NA_VALUE = "na"


@dataclass(frozen=True, slots=True)
class Screen:
    number: int  # 1-based; 0 is the introduction, len(screens) + 1 the final review
    title: dict[str, str]
    items: tuple[Item, ...]

    def shown(self, answers: Mapping[str, AnswerValue]) -> tuple[Item, ...]:
        return tuple(i for i in self.items if is_shown(i, answers))


def build_screens(q: Questionnaire, general_title: dict[str, str]) -> tuple[Screen, ...]:
    groups: list[tuple[dict[str, str], tuple[Item, ...]]] = [
        (d.name, d.items) for d in q.dimensions
    ]
    if q.general_items:
        groups.append((general_title, q.general_items))
    screens: list[Screen] = []
    for title, items in groups:
        codes = {i.code for i in items}
        follow = tuple(
            i
            for i in items
            if i.show_if and codes & set(referenced_codes(parse_condition(i.show_if)))
        )
        base = tuple(i for i in items if i not in follow)
        for part in (base, follow):
            if part:
                screens.append(Screen(len(screens) + 1, title, part))
    return tuple(screens)


def next_screen(
    screens: tuple[Screen, ...], current: int, answers: Mapping[str, AnswerValue], step: int
) -> int:
    """The next (step=1) or previous (step=-1) screen with something to show.

    0 is the introduction and ``len(screens) + 1`` the review screen; both always show.
    """
    number = current + step
    while 1 <= number <= len(screens) and not screens[number - 1].shown(answers):
        number += step
    return max(0, min(number, len(screens) + 1))


def parse_field(item: Item, raw: str | None) -> AnswerValue:
    """A form value as an answer: numbers for scales, codes for choices, text for text.

    Anything unparseable is passed on as text so the domain check reports it in the
    consumer's language instead of this layer guessing.
    """
    if raw is None:
        return None
    raw = raw.strip()
    if raw == "":
        return None
    if item.type in ("likert", "nps"):
        if raw == NA_VALUE and item.allow_na:
            return None
        return int(raw) if raw.isdigit() and len(raw) <= 3 else raw
    return raw


def parse_screen(screen_items: tuple[Item, ...], form: Mapping[str, str]) -> dict[str, AnswerValue]:
    return {item.code: parse_field(item, form.get(item.code)) for item in screen_items}
