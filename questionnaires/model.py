"""The questionnaire model: frozen, typed, with every effective value already resolved.

A questionnaire holds dimensions of items (only Likert items inside dimensions are scored)
and general items outside dimensions (overall satisfaction, NPS, comments). Texts are dicts
from language code to text. Build instances with :func:`questionnaires.from_dict` or
:func:`questionnaires.load`, which validate; direct construction does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from questionnaires.errors import UnknownItem

ItemType = Literal["likert", "nps", "single_choice", "yes_no", "text"]
Kind = Literal["survey", "observation"]
ITEM_TYPES: Final[tuple[ItemType, ...]] = get_args(ItemType)
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
LIKERT_POINTS: Final[tuple[int, ...]] = (3, 4, 5, 7, 10, 11)
NPS_POINTS: Final = 11
YES_NO_CODES: Final[tuple[str, str]] = ("yes", "no")
DEFAULT_LANGUAGES: Final[tuple[str, ...]] = ("zh", "en")
# Labels used when a questionnaire does not set its own ``na_label``.
DEFAULT_NA_LABEL: Final[dict[str, str]] = {"zh": "不适用", "en": "Not applicable"}

Texts = dict[str, str]
Labels = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Scale:
    """A Likert scale: number of points and one anchor label per point, per language."""

    points: int
    labels: Labels = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """One option of a single-choice item: a stable code and its label per language."""

    code: str
    label: Texts


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One question.

    ``points`` and ``labels`` are the effective scale (the item's own ``scale`` if it has one,
    else the questionnaire default; 11 points for NPS; ``None``/empty otherwise). ``scale``
    keeps the item's own override as written, so that serialising loses nothing.
    """

    code: str
    type: ItemType = "likert"
    text: Texts
    points: int | None = None
    labels: Labels = field(default_factory=dict)
    scale: Scale | None = None
    reverse: bool = False
    required: bool = False
    allow_na: bool = False
    show_if: str | None = None
    choices: tuple[Choice, ...] = ()
    weight: float | None = None

    @property
    def is_likert(self) -> bool:
        return self.type == "likert"

    @property
    def answer_codes(self) -> tuple[str, ...] | None:
        """Accepted text answers for choice items (``None`` when answers are numbers or free)."""
        if self.type == "single_choice":
            return tuple(c.code for c in self.choices)
        if self.type == "yes_no":
            return YES_NO_CODES
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Dimension:
    """A group of items scored together (only its Likert items enter the score)."""

    code: str
    name: Texts
    items: tuple[Item, ...]
    weight: float | None = None

    @property
    def likert_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.type == "likert")


@dataclass(frozen=True, slots=True, kw_only=True)
class Questionnaire:
    """A versioned instrument: a consumer ``survey`` or an assessor's ``observation`` checklist."""

    code: str
    version: int
    title: Texts
    kind: Kind = "survey"
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    scale: Scale | None = None
    na_label: Texts | None = None
    dimensions: tuple[Dimension, ...] = ()
    general_items: tuple[Item, ...] = ()

    def all_items(self) -> tuple[Item, ...]:
        """Every item in presentation order: dimension by dimension, then the general items."""
        return tuple(i for d in self.dimensions for i in d.items) + self.general_items

    def item(self, code: str) -> Item:
        for candidate in self.all_items():
            if candidate.code == code:
                return candidate
        known = ", ".join(i.code for i in self.all_items())
        raise UnknownItem(f"questionnaire {self.code!r} has no item {code!r}; its items: {known}")

    def dimension(self, code: str) -> Dimension:
        for candidate in self.dimensions:
            if candidate.code == code:
                return candidate
        known = ", ".join(d.code for d in self.dimensions) or "none"
        raise UnknownItem(
            f"questionnaire {self.code!r} has no dimension {code!r}; its dimensions: {known}"
        )

    def dimension_of(self, code: str) -> Dimension | None:
        """The dimension holding item ``code`` (``None`` for a general item)."""
        self.item(code)
        return next((d for d in self.dimensions if any(i.code == code for i in d.items)), None)

    def effective_na_label(self) -> Texts:
        return dict(self.na_label) if self.na_label is not None else dict(DEFAULT_NA_LABEL)
