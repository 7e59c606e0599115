"""The designer's one big form ↔ the questionnaire's plain-dict document (no JavaScript needed).

Field names are the validator's problem locations (``dimensions[0].items[2].text.en``), so every
problem ``questionnaires.validate`` reports lands next to the field it is about. Structural
buttons (add, delete, move) are submit buttons of the same form (``action`` values), so edits
typed before pressing them are never lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.web.forms import FormErrors
from questionnaires import ITEM_TYPES, LIKERT_POINTS

_DIM = re.compile(r"dimensions\[(\d+)\]\.code")
_ITEM = re.compile(r"(dimensions\[\d+\]\.items|general_items)\[(\d+)\]\.code")
_ACTION = re.compile(
    r"(?P<verb>add_item|delete_item|move_item|add_dimension|delete_dimension|move_dimension)"
    r"(?::(?P<where>d\d+|g|\d+))?(?::(?P<index>\d+))?(?::(?P<dir>up|down))?"
)
FLAGS = ("reverse", "required", "allow_na")
MAX_DIMENSIONS = 50
MAX_ITEMS = 200


def _str(form: Mapping[str, Any], key: str) -> str:
    raw = form.get(key, "")
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    return str(raw).strip()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _texts(form: Mapping[str, Any], prefix: str, languages: list[str]) -> dict[str, str]:
    return {lang: _str(form, f"{prefix}.{lang}") for lang in languages}


def _weight(form: Mapping[str, Any], key: str, out: dict[str, Any], errors: FormErrors) -> None:
    raw = _str(form, key)
    if not raw:
        return
    try:
        out["weight"] = float(raw)
    except ValueError:
        errors.add(key, "Enter a number such as 0.25, or leave it empty.")


def _indices(form: Mapping[str, Any], pattern: re.Pattern[str], group: str = "") -> list[int]:
    found = set()
    for key in form:
        match = pattern.fullmatch(key)
        if match and (not group or match.group(1) == group):
            found.add(int(match.group(match.lastindex or 1)))
    return sorted(found)


def _item(
    form: Mapping[str, Any], prefix: str, languages: list[str], errors: FormErrors
) -> dict[str, Any]:
    kind = _str(form, f"{prefix}.type") or "likert"
    if kind not in ITEM_TYPES:
        errors.add(f"{prefix}.type", "Choose from the list.")
        kind = "likert"
    item: dict[str, Any] = {"code": _str(form, f"{prefix}.code"), "type": kind}
    item["text"] = _texts(form, f"{prefix}.text", languages)
    points = _str(form, f"{prefix}.scale.points")
    if points and kind == "likert":
        labels = {lang: _lines(_str(form, f"{prefix}.scale.labels.{lang}")) for lang in languages}
        item["scale"] = {"points": int(points) if points.isdigit() else 0, "labels": labels}
    if kind == "single_choice":
        item["choices"] = _choices(form, f"{prefix}.choices", languages, errors)
    for flag in FLAGS:
        if form.get(f"{prefix}.{flag}"):
            item[flag] = True
    show_if = _str(form, f"{prefix}.show_if")
    if show_if:
        item["show_if"] = show_if
    _weight(form, f"{prefix}.weight", item, errors)
    return item


def _choices(
    form: Mapping[str, Any], key: str, languages: list[str], errors: FormErrors
) -> list[dict[str, Any]]:
    choices = []
    for number, line in enumerate(_lines(_str(form, key)), start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 1 + len(languages):
            errors.add(
                key,
                "Line %(n)s: write one choice per line as code | %(langs)s.",
                n=number,
                langs=" | ".join(languages),
            )
            continue
        choices.append({"code": parts[0], "label": dict(zip(languages, parts[1:], strict=True))})
    return choices


def doc_from_form(
    form: Mapping[str, Any], stored: Mapping[str, Any], errors: FormErrors
) -> dict[str, Any]:
    """The document the form describes; code, version, languages and the 'not applicable'
    label come from the stored version (they are not edited here)."""
    languages = [str(lang) for lang in stored.get("languages", ["zh", "en"])]
    doc: dict[str, Any] = {
        "code": stored["code"],
        "version": stored.get("version", 1),
        "kind": _str(form, "kind") or stored.get("kind", "survey"),
        "title": _texts(form, "title", languages),
        "languages": languages,
    }
    if doc["kind"] not in ("survey", "observation"):
        errors.add("kind", "Choose from the list.")
        doc["kind"] = "survey"
    points = _str(form, "scale.points")
    if points:
        doc["scale"] = {
            "points": int(points) if points.isdigit() else 0,
            "labels": {lang: _lines(_str(form, f"scale.labels.{lang}")) for lang in languages},
        }
    if "na_label" in stored:
        doc["na_label"] = stored["na_label"]
    dims = []
    for n in _indices(form, _DIM):
        prefix = f"dimensions[{n}]"
        dim: dict[str, Any] = {"code": _str(form, f"{prefix}.code")}
        dim["name"] = _texts(form, f"{prefix}.name", languages)
        _weight(form, f"{prefix}.weight", dim, errors)
        dim["items"] = [
            _item(form, f"{prefix}.items[{k}]", languages, errors)
            for k in _indices(form, _ITEM, f"{prefix}.items")
        ]
        dims.append(dim)
    doc["dimensions"] = dims
    doc["general_items"] = [
        _item(form, f"general_items[{k}]", languages, errors)
        for k in _indices(form, _ITEM, "general_items")
    ]
    return doc


def _blank_item(languages: list[str]) -> dict[str, Any]:
    return {"code": "", "type": "likert", "text": dict.fromkeys(languages, "")}


def _move(seq: list[Any], index: int, direction: str) -> None:
    other = index - 1 if direction == "up" else index + 1
    if 0 <= index < len(seq) and 0 <= other < len(seq):
        seq[index], seq[other] = seq[other], seq[index]


def apply_action(doc: dict[str, Any], action: str) -> bool:
    """Apply a structural button to ``doc`` in place; False for an unknown action."""
    match = _ACTION.fullmatch(action)
    if match is None:
        return False
    verb, where, index, direction = match.group("verb", "where", "index", "dir")
    languages = doc["languages"]
    dims: list[dict[str, Any]] = doc["dimensions"]
    if verb == "add_dimension":
        if len(dims) < MAX_DIMENSIONS:
            dims.append(
                {
                    "code": "",
                    "name": dict.fromkeys(languages, ""),
                    "items": [_blank_item(languages)],
                }
            )
        return True
    if verb in ("delete_dimension", "move_dimension"):
        n = int(where or -1)
        if verb == "delete_dimension" and 0 <= n < len(dims):
            del dims[n]
        elif verb == "move_dimension":
            _move(dims, n, direction or "up")
        return True
    if where is None:
        return False
    items: list[dict[str, Any]]
    if where == "g":
        items = doc["general_items"]
    elif where.startswith("d") and int(where[1:]) < len(dims):
        items = dims[int(where[1:])]["items"]
    else:
        return False
    if verb == "add_item":
        if sum(len(d["items"]) for d in dims) + len(doc["general_items"]) < MAX_ITEMS:
            items.append(_blank_item(languages))
    elif index is not None and verb == "delete_item" and int(index) < len(items):
        del items[int(index)]
    elif index is not None and verb == "move_item":
        _move(items, int(index), direction or "up")
    return True


def compact(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop empty sections, which the questionnaire format leaves out."""
    out = dict(doc)
    for key in ("dimensions", "general_items"):
        if not out.get(key):
            out.pop(key, None)
    return out


POINT_CHOICES = LIKERT_POINTS


def field_names(doc: Mapping[str, Any]) -> list[str]:
    """Every field the editor renders for ``doc`` (to attach problems to the nearest one)."""
    languages = list(doc.get("languages", []))
    names = ["code", "kind", "scale.points", "dimensions", "general_items"]
    names += [f"title.{lang}" for lang in languages]
    names += [f"scale.labels.{lang}" for lang in languages]

    def item_fields(prefix: str) -> list[str]:
        out = [f"{prefix}.{f}" for f in ("code", "type", "show_if", "weight", "choices", *FLAGS)]
        out += [f"{prefix}.text.{lang}" for lang in languages]
        out += [f"{prefix}.scale.points", f"{prefix}.scale"]
        return out + [f"{prefix}.scale.labels.{lang}" for lang in languages]

    for n, dim in enumerate(doc.get("dimensions", [])):
        prefix = f"dimensions[{n}]"
        names += [f"{prefix}.code", f"{prefix}.weight", f"{prefix}.items"]
        names += [f"{prefix}.name.{lang}" for lang in languages]
        for k in range(len(dim.get("items", []))):
            names += item_fields(f"{prefix}.items[{k}]")
    for k in range(len(doc.get("general_items", []))):
        names += item_fields(f"general_items[{k}]")
    return names


def nearest_field(location: str, names: set[str]) -> str | None:
    """The rendered field a problem location belongs to (``…choices[1].code`` → ``…choices``)."""
    candidate = location
    while candidate:
        if candidate in names:
            return candidate
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""
    return None


def field_id(name: str) -> str:
    """An HTML id for a field name (letters, digits and dashes only)."""
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
