"""What changed between two versions of a questionnaire, and whether scores stay comparable.

Scores of two versions are comparable only when every scored item (a Likert item inside a
dimension) keeps its dimension, its number of points and its direction, and no dimension
gains or loses scored items. Rewording is a warning: the number is the same, the question
may not be.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaires.model import Item, Questionnaire


@dataclass(frozen=True, slots=True)
class Reworded:
    code: str
    languages: tuple[str, ...]  # languages whose text changed (added or removed included)


@dataclass(frozen=True, slots=True)
class Rescaled:
    code: str
    before: int | None
    after: int | None


@dataclass(frozen=True, slots=True)
class Moved:
    code: str
    before: str | None  # dimension code, None for a general item
    after: str | None


@dataclass(frozen=True, slots=True)
class Retyped:
    code: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class QuestionnaireDiff:
    items_added: tuple[str, ...]
    items_removed: tuple[str, ...]
    reworded: tuple[Reworded, ...]
    relabelled: tuple[Reworded, ...]  # anchor labels of the scale changed
    rescaled: tuple[Rescaled, ...]
    reverse_flipped: tuple[str, ...]
    moved: tuple[Moved, ...]
    retyped: tuple[Retyped, ...]
    dimensions_added: tuple[str, ...]
    dimensions_removed: tuple[str, ...]
    comparable: bool
    reasons: tuple[str, ...]  # why scores are not comparable
    warnings: tuple[str, ...]  # changes that keep comparability but deserve a note

    @property
    def changed(self) -> bool:
        return any(
            (self.items_added, self.items_removed, self.reworded, self.relabelled,
             self.rescaled, self.reverse_flipped, self.moved, self.retyped,
             self.dimensions_added, self.dimensions_removed)
        )  # fmt: skip


def _placement(q: Questionnaire) -> dict[str, tuple[str | None, Item]]:
    placed: dict[str, tuple[str | None, Item]] = {
        item.code: (dim.code, item) for dim in q.dimensions for item in dim.items
    }
    placed.update({item.code: (None, item) for item in q.general_items})
    return placed


def _changed_languages(before: dict[str, str], after: dict[str, str]) -> tuple[str, ...]:
    languages = list(dict.fromkeys([*before, *after]))
    return tuple(lang for lang in languages if before.get(lang) != after.get(lang))


def _is_scored(dimension: str | None, item: Item) -> bool:
    return dimension is not None and item.type == "likert"


def diff(a: Questionnaire, b: Questionnaire) -> QuestionnaireDiff:
    """Changes from ``a`` (older) to ``b`` (newer)."""
    old, new = _placement(a), _placement(b)
    reasons: list[str] = []
    warnings: list[str] = []
    if a.code != b.code:
        reasons.append(f"different questionnaires: {a.code!r} and {b.code!r}")
    added = tuple(code for code in new if code not in old)
    removed = tuple(code for code in old if code not in new)
    reworded, relabelled, rescaled, flipped, moved, retyped = [], [], [], [], [], []
    for code in removed:
        if _is_scored(*old[code]):
            reasons.append(f"scored item {code} was removed from dimension {old[code][0]}")
    for code in added:
        if _is_scored(*new[code]):
            reasons.append(f"dimension {new[code][0]} gains scored item {code}")
    for code, (dim_a, item_a) in old.items():
        if code not in new:
            continue
        dim_b, item_b = new[code]
        scored = _is_scored(dim_a, item_a) or _is_scored(dim_b, item_b)
        if item_a.type != item_b.type:
            retyped.append(Retyped(code, item_a.type, item_b.type))
            if scored:
                reasons.append(f"item {code} changed type from {item_a.type} to {item_b.type}")
        if dim_a != dim_b:
            moved.append(Moved(code, dim_a, dim_b))
            if scored:
                reasons.append(f"scored item {code} moved from {dim_a or 'general items'} to "
                               f"{dim_b or 'general items'}")  # fmt: skip
        if item_a.points != item_b.points:
            rescaled.append(Rescaled(code, item_a.points, item_b.points))
            if scored:
                reasons.append(f"item {code} changed from {item_a.points} to {item_b.points} "
                               "points")  # fmt: skip
        if item_a.reverse != item_b.reverse:
            flipped.append(code)
            if scored:
                reasons.append(f"item {code} changed direction (reverse scoring flipped)")
        languages = _changed_languages(item_a.text, item_b.text)
        if languages:
            reworded.append(Reworded(code, languages))
            warnings.append(f"item {code} was reworded ({', '.join(languages)}); check that it "
                            "still asks the same question")  # fmt: skip
        label_languages = tuple(
            lang for lang in dict.fromkeys([*item_a.labels, *item_b.labels])
            if item_a.labels.get(lang) != item_b.labels.get(lang)
        )  # fmt: skip
        if label_languages and item_a.points == item_b.points:
            relabelled.append(Reworded(code, label_languages))
            warnings.append(f"item {code} has new anchor labels ({', '.join(label_languages)})")
    dims_a = [d.code for d in a.dimensions]
    dims_b = [d.code for d in b.dimensions]
    dims_added = tuple(d for d in dims_b if d not in dims_a)
    dims_removed = tuple(d for d in dims_a if d not in dims_b)
    reasons.extend(f"dimension {d} was added" for d in dims_added)
    reasons.extend(f"dimension {d} was removed" for d in dims_removed)
    return QuestionnaireDiff(
        items_added=added,
        items_removed=removed,
        reworded=tuple(reworded),
        relabelled=tuple(relabelled),
        rescaled=tuple(rescaled),
        reverse_flipped=tuple(flipped),
        moved=tuple(moved),
        retyped=tuple(retyped),
        dimensions_added=dims_added,
        dimensions_removed=dims_removed,
        comparable=not reasons,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
    )
