"""Turn a plain dict (parsed YAML/JSON, or built from XLSForm) into the model.

Only shapes are checked here (types, unknown keys, enumerations); what a well-formed
questionnaire must satisfy is in :mod:`questionnaires.validation`. Reading never stops at the
first problem: a damaged part gets a harmless stand-in so that later parts are still read and
every problem is reported at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, cast

from questionnaires.conditions import normalize_condition
from questionnaires.errors import Problem, QuestionnaireError
from questionnaires.messages import Param
from questionnaires.model import (
    DEFAULT_LANGUAGES,
    ITEM_TYPES,
    KINDS,
    Choice,
    Dimension,
    Item,
    ItemType,
    Kind,
    Labels,
    Questionnaire,
    Scale,
    Texts,
)

TOP_KEYS = (
    "code", "version", "kind", "title", "languages", "scale", "na_label", "dimensions",
    "general_items",
)  # fmt: skip
MAX_SAFE_INTEGER = 2**53 - 1
DIMENSION_KEYS = ("code", "name", "weight", "items")
ITEM_KEYS = (
    "code", "type", "text", "scale", "reverse", "required", "allow_na", "show_if", "choices",
    "weight",
)  # fmt: skip


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, location: str, message_id: str, /, **params: Param) -> None:
        self.problems.append(Problem.of(location, message_id, **params))

    # ``what`` below is always a term of questionnaires.messages.TERMS.
    def mapping(self, value: object, location: str, what: str) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return cast(Mapping[str, Any], value)
        self.error(location, "shape.not_mapping", what=what, found=kind_of(value))
        return None

    def keys(self, data: Mapping[str, Any], accepted: tuple[str, ...], location: str) -> None:
        for key in data:
            if key not in accepted:
                self.error(
                    _join(location, str(key)),
                    "shape.unknown_key",
                    key=_param(key),
                    accepted=", ".join(accepted),
                )

    def required(self, data: Mapping[str, Any], key: str, location: str) -> object:
        if key not in data or data[key] is None:
            self.error(_join(location, key), "shape.required", key=key)
            return None
        return data[key]

    def text(self, value: object, location: str, what: str, **about: Param) -> str:
        if isinstance(value, str) and value.strip():
            return value
        if value is not None:  # a missing value was already reported as missing
            self.error(location, "shape.not_text", what=what, found=kind_of(value), **about)
        return ""

    def texts(self, value: object, location: str) -> Texts:
        data = self.mapping(value, location, "a translated text") if value is not None else None
        if data is None:
            return {}
        result: Texts = {}
        for lang, text in data.items():
            if not isinstance(lang, str):
                self.error(location, "shape.language_not_text", lang=_param(lang))
                continue
            result[lang] = self.text(text, _join(location, lang), "the %(lang)s text", lang=lang)
        return result

    def boolean(self, data: Mapping[str, Any], key: str, location: str) -> bool:
        value = data.get(key, False)
        if isinstance(value, bool):
            return value
        self.error(_join(location, key), "shape.not_boolean", key=key, found=kind_of(value))
        return False

    def number(self, data: Mapping[str, Any], key: str, location: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not self.hashable_number(value, _join(location, key)):
                return None
            return value  # ints stay ints so that dumping gives back what was written
        self.error(_join(location, key), "shape.not_number", key=key, found=kind_of(value))
        return None

    def hashable_number(self, value: float, location: str) -> bool:
        # Canonical JSON (RFC 8785), which fingerprints a version, has no integers beyond this.
        if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
            self.error(location, "shape.number_too_large", limit=MAX_SAFE_INTEGER)
            return False
        return True

    def integer(self, value: object, location: str, what: str) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value if self.hashable_number(value, location) else None
        if value is not None:
            self.error(location, "shape.not_whole_number", what=what, found=kind_of(value))
        return None

    def scale(self, value: object, location: str) -> Scale | None:
        data = self.mapping(value, location, "a scale")
        if data is None:
            return None
        self.keys(data, ("points", "labels"), location)
        points = self.integer(
            self.required(data, "points", location), _join(location, "points"), "points"
        )
        labels: Labels = {}
        raw_labels = data.get("labels")
        if raw_labels is not None:
            label_map = self.mapping(raw_labels, _join(location, "labels"), "scale labels") or {}
            for lang, texts in label_map.items():
                where = _join(_join(location, "labels"), str(lang))
                if not isinstance(texts, list):
                    self.error(where, "shape.labels_not_list", found=kind_of(texts))
                    continue
                labels[str(lang)] = tuple(
                    self.text(t, f"{where}[{n}]", "a label") for n, t in enumerate(texts)
                )
        return Scale(points=points if points is not None else 0, labels=labels)

    def choices(self, value: object, location: str) -> tuple[Choice, ...]:
        if not isinstance(value, list):
            self.error(location, "shape.choices_not_list", found=kind_of(value))
            return ()
        result = []
        for n, raw in enumerate(value):
            where = f"{location}[{n}]"
            data = self.mapping(raw, where, "a choice")
            if data is None:
                continue
            self.keys(data, ("code", "label"), where)
            code = self.code(self.required(data, "code", where), _join(where, "code"))
            label = self.texts(self.required(data, "label", where), _join(where, "label"))
            result.append(Choice(code=code, label=label))
        return tuple(result)

    def code(self, value: object, location: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # choice codes such as 1, 2, 3 are natural to write unquoted
        return self.text(value, location, "a code")

    def item(self, value: object, location: str, default_scale: Scale | None) -> Item | None:
        data = self.mapping(value, location, "an item")
        if data is None:
            return None
        self.keys(data, ITEM_KEYS, location)
        code = self.code(self.required(data, "code", location), _join(location, "code"))
        item_type = data.get("type", "likert")
        if item_type not in ITEM_TYPES:
            self.error(
                _join(location, "type"),
                "shape.unknown_item_type",
                type=_param(item_type),
                accepted=", ".join(ITEM_TYPES),
            )
            item_type = "text"  # stand-in so the rest of the item is still checked
        own_scale = self.scale(data["scale"], _join(location, "scale")) if "scale" in data else None
        points: int | None = None
        labels: Labels = {}
        if item_type == "likert":
            effective = own_scale or default_scale
            if effective is None:
                self.error(_join(location, "scale"), "shape.likert_without_scale")
            else:
                points, labels = effective.points, dict(effective.labels)
        elif item_type == "nps":
            points = 11
        show_if = data.get("show_if")
        if show_if is not None and not isinstance(show_if, str):
            self.error(_join(location, "show_if"), "shape.show_if_not_text", found=kind_of(show_if))
            show_if = None
        elif show_if is not None:
            # A syntax error is reported by validation, with its position; keep the text as is.
            with contextlib.suppress(QuestionnaireError):
                show_if = normalize_condition(show_if)
        return Item(
            code=code,
            type=cast(ItemType, item_type),
            text=self.texts(self.required(data, "text", location), _join(location, "text")),
            points=points,
            labels=labels,
            scale=own_scale,
            reverse=self.boolean(data, "reverse", location),
            required=self.boolean(data, "required", location),
            allow_na=self.boolean(data, "allow_na", location),
            show_if=show_if,
            choices=self.choices(data["choices"], _join(location, "choices"))
            if "choices" in data
            else (),
            weight=self.number(data, "weight", location),
        )

    def items(self, value: object, location: str, default_scale: Scale | None) -> tuple[Item, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(location, "shape.items_not_list", found=kind_of(value))
            return ()
        found = (self.item(raw, f"{location}[{n}]", default_scale) for n, raw in enumerate(value))
        return tuple(i for i in found if i is not None)

    def dimension(self, value: object, location: str, default_scale: Scale | None) -> Dimension:
        data = self.mapping(value, location, "a dimension") or {}
        self.keys(data, DIMENSION_KEYS, location)
        return Dimension(
            code=self.code(self.required(data, "code", location), _join(location, "code")),
            name=self.texts(self.required(data, "name", location), _join(location, "name")),
            items=self.items(
                self.required(data, "items", location), _join(location, "items"), default_scale
            ),
            weight=self.number(data, "weight", location),
        )

    def questionnaire(self, value: object) -> Questionnaire:
        data = self.mapping(value, "(top level)", "a questionnaire") or {}
        self.keys(data, TOP_KEYS, "")
        kind = data.get("kind", "survey")
        if kind not in KINDS:
            self.error("kind", "shape.unknown_kind", kind=_param(kind), accepted=", ".join(KINDS))
            kind = "survey"
        languages = data.get("languages", list(DEFAULT_LANGUAGES))
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            self.error("languages", "shape.languages_not_list")
            languages = list(DEFAULT_LANGUAGES)
        scale = self.scale(data["scale"], "scale") if data.get("scale") is not None else None
        dimensions = data.get("dimensions") or []
        if not isinstance(dimensions, list):
            self.error("dimensions", "shape.dimensions_not_list", found=kind_of(dimensions))
            dimensions = []
        return Questionnaire(
            code=self.text(self.required(data, "code", ""), "code", "code"),
            version=self.integer(self.required(data, "version", ""), "version", "version") or 0,
            title=self.texts(self.required(data, "title", ""), "title"),
            kind=cast(Kind, kind),
            languages=tuple(languages),
            scale=scale,
            na_label=self.texts(data["na_label"], "na_label")
            if data.get("na_label") is not None
            else None,
            dimensions=tuple(
                self.dimension(raw, f"dimensions[{n}]", scale) for n, raw in enumerate(dimensions)
            ),
            general_items=self.items(data.get("general_items"), "general_items", scale),
        )


def _join(location: str, key: str) -> str:
    return f"{location}.{key}" if location else key


def _param(value: object) -> Param:
    """A value as a message parameter: numbers and texts as they are, anything else (a list
    where a key should be) as its repr, so ``%(key)r`` shows what was written."""
    return value if isinstance(value, str | int | float) else repr(value)


def kind_of(value: object) -> str:
    """What a value is, in words (a term of ``questionnaires.messages.TERMS``)."""
    if value is None:
        return "nothing"
    if isinstance(value, str) and not value.strip():
        return "an empty text"  # what a blank form field sends
    names = {bool: "true/false", int: "a number", float: "a number", str: "a text"}
    names.update({list: "a list", dict: "a mapping"})
    return names.get(type(value), type(value).__name__)


def read_questionnaire(data: object) -> tuple[Questionnaire, tuple[Problem, ...]]:
    """The model (with stand-ins where parts are damaged) and every shape problem found."""
    reader = _Reader()
    questionnaire = reader.questionnaire(data)
    return questionnaire, tuple(reader.problems)
