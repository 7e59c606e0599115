"""The native YAML/JSON format: plain dicts in and out, parsing with located errors, hashing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Literal, get_args

import rfc8785
import yaml

from questionnaires.errors import Problem, QuestionnaireError, QuestionnaireInvalid, errors_of
from questionnaires.model import Choice, Item, Questionnaire, Scale
from questionnaires.reading import kind_of
from questionnaires.validation import read_and_validate

TextFormat = Literal["yaml", "json"]
TEXT_FORMATS: tuple[TextFormat, ...] = get_args(TextFormat)


def _scale_dict(scale: Scale) -> dict[str, Any]:
    result: dict[str, Any] = {"points": scale.points}
    if scale.labels:
        result["labels"] = {lang: list(labels) for lang, labels in scale.labels.items()}
    return result


def _choice_dict(choice: Choice) -> dict[str, Any]:
    return {"code": choice.code, "label": dict(choice.label)}


def _item_dict(item: Item) -> dict[str, Any]:
    # Fields at their default value are left out: the file stays as short as its author wrote it.
    result: dict[str, Any] = {"code": item.code}
    if item.type != "likert":
        result["type"] = item.type
    result["text"] = dict(item.text)
    if item.scale is not None:
        result["scale"] = _scale_dict(item.scale)
    if item.choices:
        result["choices"] = [_choice_dict(c) for c in item.choices]
    for flag in ("reverse", "required", "allow_na"):
        if getattr(item, flag):
            result[flag] = True
    if item.show_if is not None:
        result["show_if"] = item.show_if
    if item.weight is not None:
        result["weight"] = item.weight
    return result


def to_dict(q: Questionnaire) -> dict[str, Any]:
    """The native plain-dict form (what YAML/JSON files hold); ``from_dict`` reverses it."""
    result: dict[str, Any] = {
        "code": q.code,
        "version": q.version,
        "kind": q.kind,
        "title": dict(q.title),
        "languages": list(q.languages),
    }
    if q.scale is not None:
        result["scale"] = _scale_dict(q.scale)
    if q.na_label is not None:
        result["na_label"] = dict(q.na_label)
    if q.dimensions:
        result["dimensions"] = []
        for dim in q.dimensions:
            entry: dict[str, Any] = {"code": dim.code, "name": dict(dim.name)}
            if dim.weight is not None:
                entry["weight"] = dim.weight
            entry["items"] = [_item_dict(i) for i in dim.items]
            result["dimensions"].append(entry)
    if q.general_items:
        result["general_items"] = [_item_dict(i) for i in q.general_items]
    return result


def from_dict(data: Mapping[str, Any], source: str = "<dict>") -> Questionnaire:
    """Build and validate; raises :class:`QuestionnaireInvalid` listing every problem."""
    q, problems = read_and_validate(data)
    if errors_of(problems):
        raise QuestionnaireInvalid(problems, source)
    return q


class _YamlLoader(yaml.SafeLoader):
    """YAML 1.2 booleans (only true/false), so codes like ``yes``/``no`` stay texts, and
    duplicate keys are errors instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_BOOL_TAG = "tag:yaml.org,2002:bool"
_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _too_deep(source: str) -> QuestionnaireInvalid:
    # The parsers recurse once per nesting level; a questionnaire needs fewer than ten.
    return QuestionnaireInvalid([Problem.of(source, "file.too_deep")], source)


def _parse_yaml(text: str, source: str) -> object:
    try:
        return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
        detail = str(exc.problem or exc.context)
        raise QuestionnaireInvalid(
            [Problem.of(where, "file.not_yaml", detail=detail)], source
        ) from None
    except yaml.YAMLError as exc:
        problem = Problem.of(source, "file.not_yaml", detail=str(exc))
        raise QuestionnaireInvalid([problem], source) from None
    except RecursionError:
        raise _too_deep(source) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise QuestionnaireError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _parse_json(text: str, source: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        where = f"{source}, line {exc.lineno}, column {exc.colno}"
        problem = Problem.of(where, "file.not_json", detail=exc.msg)
        raise QuestionnaireInvalid([problem], source) from None
    except QuestionnaireError as exc:
        problem = Problem.of(source, "file.not_json", detail=str(exc))
        raise QuestionnaireInvalid([problem], source) from None
    except RecursionError:
        raise _too_deep(source) from None


def parse_text(text: str, fmt: TextFormat, source: str = "<string>") -> object:
    """The plain data in a YAML or JSON text (syntax errors carry line and column)."""
    if fmt == "yaml":
        return _parse_yaml(text, source)
    if fmt == "json":
        return _parse_json(text, source)
    raise QuestionnaireError(f"unknown format {fmt!r}; accepted formats: {', '.join(TEXT_FORMATS)}")


def loads(text: str, fmt: TextFormat, source: str = "<string>") -> Questionnaire:
    data = parse_text(text, fmt, source)
    if not isinstance(data, Mapping):
        found = "empty" if data is None else kind_of(data)
        raise QuestionnaireInvalid([Problem.of(source, "file.not_a_mapping", found=found)], source)
    return from_dict(data, source)


def dump(q: Questionnaire, fmt: TextFormat) -> str:
    data = to_dict(q)
    if fmt == "yaml":
        return yaml.safe_dump(
            data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100
        )
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    raise QuestionnaireError(f"unknown format {fmt!r}; accepted formats: {', '.join(TEXT_FORMATS)}")


def canonical_json(q: Questionnaire) -> bytes:
    """RFC 8785 canonical JSON of ``to_dict(q)``: sorted keys, no whitespace, UTF-8."""
    return rfc8785.dumps(to_dict(q))


def canonical_sha256(q: Questionnaire) -> str:
    """Hex SHA-256 of the canonical JSON; it identifies the instrument in a frozen plan."""
    return hashlib.sha256(canonical_json(q)).hexdigest()
