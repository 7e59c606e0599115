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
    InList,
    comparisons,
    parse_condition,
    referenced_codes,
)
from questionnaires.errors import Problem, QuestionnaireError
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

    def error(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message, "error"))

    def warning(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message, "warning"))

    def translations(self, texts: Texts, location: str, what: str) -> None:
        for lang in self.q.languages:
            if not texts.get(lang, "").strip():
                self.error(
                    f"{location}.{lang}",
                    f"{what} has no {lang} text; add it (every text needs every language of "
                    f"'languages': {', '.join(self.q.languages)})",
                )
        for lang in texts:
            if lang not in self.q.languages:
                self.warning(
                    f"{location}.{lang}",
                    f"{lang} is not in 'languages'; add it there or remove this text",
                )

    def scale(self, scale: Scale, location: str) -> None:
        if scale.points not in LIKERT_POINTS:
            self.error(
                f"{location}.points",
                f"a Likert scale has {', '.join(map(str, LIKERT_POINTS))} points, "
                f"not {scale.points}",
            )
        for lang in self.q.languages:
            labels = scale.labels.get(lang)
            if labels is None:
                self.error(f"{location}.labels.{lang}", f"the scale has no {lang} anchor labels")
            elif scale.points in LIKERT_POINTS and len(labels) != scale.points:
                self.error(
                    f"{location}.labels.{lang}",
                    f"{len(labels)} {lang} labels for a {scale.points}-point scale; "
                    "give exactly one label per point",
                )
        for lang in scale.labels:
            if lang not in self.q.languages:
                self.warning(f"{location}.labels.{lang}", f"{lang} is not in 'languages'")

    def header(self) -> None:
        q = self.q
        if not QUESTIONNAIRE_CODE.fullmatch(q.code):
            self.error(
                "code",
                "the code must start with a letter or digit and use only "
                "letters, digits, '-', '_' and '.' (e.g. after-sales)",
            )
        if q.version < 1:
            self.error("version", f"the version must be a whole number ≥ 1, not {q.version}")
        if not q.languages:
            self.error("languages", "list at least one language, e.g. [zh, en]")
        for n, lang in enumerate(q.languages):
            if not LANGUAGE_CODE.fullmatch(lang):
                self.error(f"languages[{n}]", f"{lang!r} is not a language code such as zh or en")
            if lang in q.languages[:n]:
                self.error(f"languages[{n}]", f"language {lang} is listed twice")
        self.translations(q.title, "title", "the title")
        if q.scale is not None:
            self.scale(q.scale, "scale")
        if q.na_label is not None:
            self.translations(q.na_label, "na_label", "the 'not applicable' label")
        if not self.placed:
            self.error(
                "dimensions", "the questionnaire has no questions; add dimensions or general_items"
            )

    def codes(self) -> None:
        first_seen: dict[str, str] = {}
        named = [(f"dimensions[{n}].code", d.code) for n, d in enumerate(self.q.dimensions)]
        named += [(f"{p.path}.code", p.item.code) for p in self.placed]
        for location, code in named:
            if not code:
                continue  # reported by the reader as missing
            if not ITEM_CODE.fullmatch(code) or code in KEYWORDS:
                self.error(
                    location,
                    f"code {code!r} must start with a letter or '_' and use only "
                    "letters, digits and '_' (and not be and/or/not/in)",
                )
            if code in first_seen:
                self.error(
                    location,
                    f"code {code!r} is already used at {first_seen[code]}; "
                    "codes of items and dimensions must be unique",
                )
            else:
                first_seen[code] = location

    def dimensions(self) -> None:
        for n, dim in enumerate(self.q.dimensions):
            location = f"dimensions[{n}]"
            self.translations(dim.name, f"{location}.name", f"dimension {dim.code!r}")
            if dim.weight is not None and dim.weight <= 0:
                self.error(f"{location}.weight", f"weights must be > 0, not {dim.weight}")
            if not dim.items:
                self.error(f"{location}.items", f"dimension {dim.code!r} has no items")
            elif len(dim.likert_items) < 2:
                self.warning(
                    f"{location}.items",
                    f"dimension {dim.code!r} has {len(dim.likert_items)} Likert item(s); give it "
                    "at least 2 so its reliability (Cronbach's alpha) can be measured",
                )
            lengths = sorted({i.points for i in dim.likert_items if i.points})
            if len(lengths) > 1:
                self.warning(
                    f"{location}.items",
                    f"dimension {dim.code!r} mixes {', '.join(map(str, lengths))}-point scales; "
                    "use one scale length so its items are comparable",
                )

    def item(self, placed: _Placed) -> None:
        item, location = placed.item, placed.path
        self.translations(item.text, f"{location}.text", f"item {item.code!r}")
        if item.weight is not None and item.weight <= 0:
            self.error(f"{location}.weight", f"weights must be > 0, not {item.weight}")
        if item.scale is not None:
            if item.type == "likert":
                self.scale(item.scale, f"{location}.scale")
            else:
                self.error(
                    f"{location}.scale",
                    f"a scale applies to Likert items only, not {item.type}; remove it",
                )
        if item.reverse and item.type != "likert":
            self.error(f"{location}.reverse", "only Likert items can be reverse-scored")
        if item.allow_na and item.type == "text":
            self.error(
                f"{location}.allow_na", "a text item can simply be left blank; remove allow_na"
            )
        if item.type == "single_choice":
            self.choices(item, location)
        elif item.choices:
            self.error(
                f"{location}.choices", f"choices apply to single_choice items only, not {item.type}"
            )

    def choices(self, item: Item, location: str) -> None:
        if len(item.choices) < 2:
            self.error(f"{location}.choices", "a single_choice item needs at least 2 choices")
        seen: set[str] = set()
        for n, choice in enumerate(item.choices):
            where = f"{location}.choices[{n}]"
            if choice.code and not CHOICE_CODE.fullmatch(choice.code):
                self.error(f"{where}.code", f"choice code {choice.code!r} must not contain spaces")
            if choice.code == "na":
                self.error(
                    f"{where}.code",
                    "choice code 'na' is reserved for 'not applicable'; set allow_na: true instead",
                )
            if choice.code in seen:
                self.error(f"{where}.code", f"choice code {choice.code!r} is used twice")
            seen.add(choice.code)
            self.translations(choice.label, f"{where}.label", f"choice {choice.code!r}")

    def show_if(self, placed: _Placed, by_code: Mapping[str, _Placed]) -> None:
        text = placed.item.show_if
        if text is None:
            return
        location = f"{placed.path}.show_if"
        try:
            condition = parse_condition(text)
        except QuestionnaireError as exc:
            self.error(location, f"cannot read {text!r}: {exc}")
            return
        for code in referenced_codes(condition):
            target = by_code.get(code)
            if target is None:
                self.error(location, f"{code!r} is not a question of this questionnaire")
            elif target.position >= placed.position:
                self.error(
                    location,
                    f"{code!r} is not an earlier question; show_if may only "
                    "look at answers given before this question",
                )
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
                        f"{code!r} is answered with a number from {low} to "
                        f"{high}; {value!r} can never match",
                    )
            return
        if ordered:
            self.error(
                location,
                f"{code!r} is a {target.type} question; compare it with == != "
                "or in, not with < or >",
            )
        accepted = target.answer_codes
        for value in values:
            if not isinstance(value, str):
                self.error(location, f"answers to {code!r} are texts; quote {value!r}")
            elif accepted is not None and value not in accepted:
                self.error(
                    location,
                    f"{value!r} is not an answer of {code!r}; its answers: {', '.join(accepted)}",
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
                        f"{by_code[start].path}.show_if",
                        f"show_if conditions form a cycle: {' → '.join(cycle)}",
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
