"""Rules a questionnaire must follow, each reported with where it is broken.

:func:`validate` returns every problem at once; errors make loading fail, warnings are advice
(for example a dimension with a single Likert item has no measurable reliability).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from questionnaires.conditions import (
    KEYWORDS,
    Compare,
    Condition,
    ConditionSyntaxError,
    InList,
    comparisons,
    parse_condition,
    referenced_codes,
)
from questionnaires.errors import Problem, QuestionnaireError
from questionnaires.messages import Param
from questionnaires.model import LIKERT_POINTS, Item, Questionnaire, Scale, Texts
from questionnaires.reading import read_questionnaire

QUESTIONNAIRE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
ITEM_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
CHOICE_CODE = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class _Placed:
    """An item with its path and presentation position."""

    path: str
    position: int
    item: Item


class _Checker:
    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self.problems: list[Problem] = []
        paths = [
            (f"dimensions[{d}].items[{n}]", item)
            for d, dim in enumerate(q.dimensions)
            for n, item in enumerate(dim.items)
        ] + [(f"general_items[{n}]", item) for n, item in enumerate(q.general_items)]
        self.placed = [_Placed(path, k, item) for k, (path, item) in enumerate(paths)]

    def error(self, location: str, message_id: str, /, **params: Param) -> None:
        self.problems.append(Problem.of(location, message_id, "error", **params))

    def warning(self, location: str, message_id: str, /, **params: Param) -> None:
        self.problems.append(Problem.of(location, message_id, "warning", **params))

    def translations(self, texts: Texts, location: str, what: str, **about: Param) -> None:
        """``what`` is a term of :data:`~questionnaires.messages.TERMS`, ``about`` its values."""
        for lang in self.q.languages:
            if not texts.get(lang, "").strip():
                self.error(
                    f"{location}.{lang}",
                    "text.missing_language",
                    what=what,
                    lang=lang,
                    languages=", ".join(self.q.languages),
                    **about,
                )
        for lang in texts:
            if lang not in self.q.languages:
                self.warning(f"{location}.{lang}", "text.extra_language", lang=lang)

    def scale(self, scale: Scale, location: str) -> None:
        if scale.points not in LIKERT_POINTS:
            self.error(
                f"{location}.points",
                "scale.points",
                accepted=", ".join(map(str, LIKERT_POINTS)),
                points=scale.points,
            )
        for lang in self.q.languages:
            labels = scale.labels.get(lang)
            if labels is None:
                self.error(f"{location}.labels.{lang}", "scale.missing_labels", lang=lang)
            elif scale.points in LIKERT_POINTS and len(labels) != scale.points:
                self.error(
                    f"{location}.labels.{lang}",
                    "scale.label_count",
                    count=len(labels),
                    lang=lang,
                    points=scale.points,
                )
        for lang in scale.labels:
            if lang not in self.q.languages:
                self.warning(f"{location}.labels.{lang}", "scale.extra_language", lang=lang)

    def header(self) -> None:
        q = self.q
        if not QUESTIONNAIRE_CODE.fullmatch(q.code):
            self.error("code", "questionnaire.code_pattern")
        if q.version < 1:
            self.error("version", "questionnaire.version", version=q.version)
        if not q.languages:
            self.error("languages", "questionnaire.no_languages")
        for n, lang in enumerate(q.languages):
            if not LANGUAGE_CODE.fullmatch(lang):
                self.error(f"languages[{n}]", "questionnaire.not_a_language", lang=lang)
            if lang in q.languages[:n]:
                self.error(f"languages[{n}]", "questionnaire.language_twice", lang=lang)
        self.translations(q.title, "title", "the title")
        if q.scale is not None:
            self.scale(q.scale, "scale")
        if q.na_label is not None:
            self.translations(q.na_label, "na_label", "the 'not applicable' label")
        if not self.placed:
            self.error("dimensions", "questionnaire.no_questions")

    def codes(self) -> None:
        first_seen: dict[str, str] = {}
        named = [(f"dimensions[{n}].code", d.code) for n, d in enumerate(self.q.dimensions)]
        named += [(f"{p.path}.code", p.item.code) for p in self.placed]
        for location, code in named:
            if not code:
                continue  # reported by the reader as missing
            if not ITEM_CODE.fullmatch(code) or code in KEYWORDS:
                self.error(location, "code.pattern", code=code)
            if code in first_seen:
                self.error(location, "code.duplicate", code=code, first=first_seen[code])
            else:
                first_seen[code] = location

    def dimensions(self) -> None:
        for n, dim in enumerate(self.q.dimensions):
            location = f"dimensions[{n}]"
            self.translations(dim.name, f"{location}.name", "dimension %(code)r", code=dim.code)
            if dim.weight is not None and dim.weight <= 0:
                self.error(f"{location}.weight", "weight.not_positive", weight=dim.weight)
            if not dim.items:
                self.error(f"{location}.items", "dimension.no_items", code=dim.code)
            elif len(dim.likert_items) < 2:
                self.warning(
                    f"{location}.items",
                    "dimension.few_likert_items",
                    code=dim.code,
                    count=len(dim.likert_items),
                )
            lengths = sorted({i.points for i in dim.likert_items if i.points})
            if len(lengths) > 1:
                self.warning(
                    f"{location}.items",
                    "dimension.mixed_scales",
                    code=dim.code,
                    lengths=", ".join(map(str, lengths)),
                )

    def item(self, placed: _Placed) -> None:
        item, location = placed.item, placed.path
        self.translations(item.text, f"{location}.text", "item %(code)r", code=item.code)
        if item.weight is not None and item.weight <= 0:
            self.error(f"{location}.weight", "weight.not_positive", weight=item.weight)
        if item.scale is not None:
            if item.type == "likert":
                self.scale(item.scale, f"{location}.scale")
            else:
                self.error(f"{location}.scale", "item.scale_not_likert", type=item.type)
        if item.reverse and item.type != "likert":
            self.error(f"{location}.reverse", "item.reverse_not_likert")
        if item.allow_na and item.type == "text":
            self.error(f"{location}.allow_na", "item.text_allow_na")
        if item.type == "single_choice":
            self.choices(item, location)
        elif item.choices:
            self.error(f"{location}.choices", "item.choices_not_single_choice", type=item.type)

    def choices(self, item: Item, location: str) -> None:
        if len(item.choices) < 2:
            self.error(f"{location}.choices", "choice.too_few")
        seen: set[str] = set()
        for n, choice in enumerate(item.choices):
            where = f"{location}.choices[{n}]"
            if choice.code and not CHOICE_CODE.fullmatch(choice.code):
                self.error(f"{where}.code", "choice.code_spaces", code=choice.code)
            if choice.code == "na":
                self.error(f"{where}.code", "choice.code_na")
            if choice.code in seen:
                self.error(f"{where}.code", "choice.code_twice", code=choice.code)
            seen.add(choice.code)
            self.translations(choice.label, f"{where}.label", "choice %(code)r", code=choice.code)

    def show_if(self, placed: _Placed, by_code: Mapping[str, _Placed]) -> None:
        text = placed.item.show_if
        if text is None:
            return
        location = f"{placed.path}.show_if"
        try:
            condition = parse_condition(text)
        except ConditionSyntaxError as exc:
            self.error(location, "show_if.unreadable", text=text, reason=exc.code, **exc.params)
            return
        for code in referenced_codes(condition):
            target = by_code.get(code)
            if target is None:
                self.error(location, "show_if.unknown_code", code=code)
            elif target.position >= placed.position:
                self.error(location, "show_if.not_earlier", code=code)
        for comparison in comparisons(condition):
            target = by_code.get(comparison.code)
            if target is not None:
                self.literals(comparison, target.item, location)

    def literals(self, comparison: Compare | InList, target: Item, location: str) -> None:
        values = (comparison.value,) if isinstance(comparison, Compare) else comparison.values
        ordered = isinstance(comparison, Compare) and comparison.op in ("<", "<=", ">", ">=")
        code = comparison.code
        if target.type in ("likert", "nps"):
            low, high = (0, 10) if target.type == "nps" else (1, target.points or 1)
            for value in values:
                if isinstance(value, str) or not low <= value <= high:
                    self.error(
                        location,
                        "show_if.out_of_range",
                        code=code,
                        low=low,
                        high=high,
                        value=value,
                    )
            return
        if ordered:
            self.error(location, "show_if.ordered_comparison", code=code, type=target.type)
        accepted = target.answer_codes
        for value in values:
            if not isinstance(value, str):
                self.error(location, "show_if.unquoted", code=code, value=value)
            elif accepted is not None and value not in accepted:
                self.error(
                    location,
                    "show_if.not_an_answer",
                    value=value,
                    code=code,
                    accepted=", ".join(accepted),
                )

    def cycles(self, by_code: Mapping[str, _Placed]) -> None:
        graph: dict[str, tuple[str, ...]] = {}
        for placed in self.placed:
            condition = _parsed(placed.item.show_if)
            if condition is not None:
                graph[placed.item.code] = tuple(
                    c for c in referenced_codes(condition) if c in by_code
                )
        reported: set[frozenset[str]] = set()
        for start in graph:
            for cycle in _cycles_from(start, graph):
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    self.error(
                        f"{by_code[start].path}.show_if", "show_if.cycle", cycle=" → ".join(cycle)
                    )

    def run(self) -> list[Problem]:
        self.header()
        self.codes()
        self.dimensions()
        by_code: dict[str, _Placed] = {}
        for placed in self.placed:
            by_code.setdefault(placed.item.code, placed)
            self.item(placed)
        for placed in self.placed:
            self.show_if(placed, by_code)
        self.cycles(by_code)
        return self.problems


def _parsed(text: str | None) -> Condition | None:
    if text is None:
        return None
    try:
        return parse_condition(text)
    except QuestionnaireError:
        return None


def _cycles_from(start: str, graph: Mapping[str, tuple[str, ...]]) -> Iterable[list[str]]:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    while stack:
        node, trail = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                yield [*trail, start]
            elif nxt not in trail and nxt > start:  # each cycle once, from its smallest code
                stack.append((nxt, [*trail, nxt]))


def _covered(location: str, damaged: Iterable[str]) -> bool:
    return any(location == d or location.startswith((f"{d}.", f"{d}[")) for d in damaged)


def check_model(q: Questionnaire) -> tuple[Problem, ...]:
    """Problems of an already built questionnaire (no shape checks)."""
    return tuple(_Checker(q).run())


def read_and_validate(data: Mapping[str, object]) -> tuple[Questionnaire, tuple[Problem, ...]]:
    """The model read from a plain dict, and every problem of it (shape and rules)."""
    q, shape_problems = read_questionnaire(data)
    damaged = [p.location for p in shape_problems]
    # A damaged part already has its problem; its stand-in must not add more about it.
    rule_problems = [p for p in check_model(q) if not _covered(p.location, damaged)]
    return q, (*shape_problems, *rule_problems)


def validate(q_or_dict: Questionnaire | Mapping[str, object]) -> tuple[Problem, ...]:
    """Every problem of a questionnaire or of its plain-dict form, errors and warnings."""
    if isinstance(q_or_dict, Questionnaire):
        return check_model(q_or_dict)
    return read_and_validate(q_or_dict)[1]
