"""What the scoring engine needs to know about a questionnaire, independent of its model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoring.errors import InputDataError


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """A Likert item: its column code, number of scale points K and whether it is reversed."""

    code: str
    points: int
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class DimensionSpec:
    code: str
    items: tuple[ItemSpec, ...]


def specs_from_questionnaire(q: Any) -> tuple[DimensionSpec, ...]:
    """Adapter from a ``questionnaires.Questionnaire``: only Likert items enter scores.

    Duck-typed on purpose so that the scoring core does not import ``questionnaires``.
    """
    dims: list[DimensionSpec] = []
    for dim in q.dimensions:
        items = tuple(
            ItemSpec(code=str(it.code), points=int(it.points), reverse=bool(it.reverse))
            for it in dim.items
            if str(getattr(it, "type", "likert")) == "likert"
        )
        dims.append(DimensionSpec(code=str(dim.code), items=items))
    return tuple(dims)


def general_likert_items(q: Any) -> tuple[ItemSpec, ...]:
    """Likert questions outside the dimensions (e.g. the ``overall`` satisfaction item)."""
    return tuple(
        ItemSpec(code=str(it.code), points=int(it.points), reverse=bool(it.reverse))
        for it in getattr(q, "general_items", ())
        if str(getattr(it, "type", "likert")) == "likert"
    )


def _item_from_mapping(raw: Mapping[str, Any], default_points: int) -> ItemSpec | None:
    kind = str(raw.get("type", "likert"))
    if kind != "likert":
        return None
    scale = raw.get("scale") or {}
    points = int(scale.get("points", default_points)) if isinstance(scale, Mapping) else 0
    return ItemSpec(code=str(raw["code"]), points=points, reverse=bool(raw.get("reverse", False)))


def specs_from_mapping(
    doc: Mapping[str, Any],
) -> tuple[tuple[DimensionSpec, ...], tuple[ItemSpec, ...]]:
    """Minimal reader of the DESIGN §3 questionnaire document (dimensions, general items).

    A fallback for callers that hold the plain document (stored JSON, tests); full validation
    belongs to ``questionnaires``.
    """
    try:
        scale = doc.get("scale") or {}
        default_points = int(scale.get("points", 5))
        dims = []
        for dim in doc.get("dimensions") or ():
            items = tuple(
                spec
                for raw in dim.get("items") or ()
                if (spec := _item_from_mapping(raw, default_points)) is not None
            )
            dims.append(DimensionSpec(code=str(dim["code"]), items=items))
        general = tuple(
            spec
            for raw in doc.get("general_items") or doc.get("questions") or ()
            if (spec := _item_from_mapping(raw, default_points)) is not None
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputDataError(f"questionnaire document is malformed: {exc!r}") from exc
    for spec in [it for d in dims for it in d.items] + list(general):
        if spec.points < 2:
            raise InputDataError(f"item {spec.code}: a Likert scale needs at least 2 points")
    return tuple(dims), general
