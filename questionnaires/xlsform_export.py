"""Write a questionnaire as an XLSForm workbook (sheets survey, choices, settings).

The mapping is documented in ``docs/questionnaire-format.md``; importing the result gives back
the same questionnaire (``to_dict`` equal).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from questionnaires.model import Item, Questionnaire
from questionnaires.relevant import show_if_to_relevant
from questionnaires.xlsform_columns import (
    CHOICES,
    KIND_SETTING,
    NA_CODE,
    NA_LABEL_PREFIX,
    NO_SCALE,
    NPS_LIST,
    REVERSE_COLUMN,
    SCALE_SETTING,
    SETTINGS,
    SURVEY,
    TITLE_PREFIX,
    TYPE_COLUMN,
    WEIGHT_COLUMN,
    YES_NO_LABELS,
    YES_NO_LIST,
    language_label,
    likert_list,
    with_na,
)

ChoiceRow = tuple[str, dict[str, str]]


class _Lists:
    """Choice lists in order of first use, each written once."""

    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self.rows: dict[str, list[ChoiceRow]] = {}

    def add(self, name: str, rows: list[ChoiceRow], allow_na: bool) -> str:
        full_name = with_na(name, allow_na)
        if full_name not in self.rows:
            na_label = self.q.effective_na_label()
            na_row = (NA_CODE, {lang: na_label.get(lang, "N/A") for lang in self.q.languages})
            self.rows[full_name] = rows + ([na_row] if allow_na else [])
        return full_name

    def scale_rows(self, points: int, labels: dict[str, tuple[str, ...]]) -> list[ChoiceRow]:
        return [
            (str(k + 1), {lang: _at(labels.get(lang, ()), k) for lang in self.q.languages})
            for k in range(points)
        ]

    def for_item(self, item: Item) -> str:
        langs = self.q.languages
        if item.type == "likert":
            base = f"{item.code}_scale" if item.scale is not None else self.default_name()
            return self.add(base, self.scale_rows(item.points or 0, item.labels), item.allow_na)
        if item.type == "nps":
            rows = [(str(k), dict.fromkeys(langs, str(k))) for k in range(11)]
            return self.add(NPS_LIST, rows, item.allow_na)
        if item.type == "yes_no":
            rows = [
                (code, {lang: YES_NO_LABELS.get(lang, ("yes", "no"))[k] for lang in langs})
                for k, code in enumerate(("yes", "no"))
            ]
            return self.add(YES_NO_LIST, rows, item.allow_na)
        rows = [(c.code, {lang: c.label.get(lang, "") for lang in langs}) for c in item.choices]
        return self.add(f"{item.code}_choices", rows, item.allow_na)

    def default_name(self) -> str:
        return likert_list(self.q.scale.points, False) if self.q.scale else "likert"


def _at(labels: tuple[str, ...], k: int) -> str:
    return labels[k] if k < len(labels) else ""


def _append(sheet: Any, row: list[Any]) -> None:
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            # Text, not a formula: a label may start with "=", and formulas must never run.
            cell.data_type = "s"


def _number(value: float | None) -> str | None:
    # As text: spreadsheet cells keep 15 significant digits, repr() keeps every bit.
    return None if value is None else repr(value)


def _yes(flag: bool) -> str | None:
    return "yes" if flag else None


def dump_xlsform(q: Questionnaire) -> bytes:
    """The XLSForm workbook of ``q`` as ``.xlsx`` bytes."""
    label_columns = [f"label::{language_label(lang)}" for lang in q.languages]
    lists = _Lists(q)
    if q.scale is not None:
        # Written even when no item uses it, so the default scale survives the round trip.
        lists.add(lists.default_name(), lists.scale_rows(q.scale.points, q.scale.labels), False)

    survey_rows: list[list[Any]] = []

    def item_row(item: Item) -> list[Any]:
        kind = "text" if item.type == "text" else f"select_one {lists.for_item(item)}"
        return [
            kind,
            item.code,
            *(item.text.get(lang) for lang in q.languages),
            _yes(item.required),
            show_if_to_relevant(item.show_if) if item.show_if else None,
            item.type,
            _yes(item.reverse),
            _number(item.weight),
        ]

    for dim in q.dimensions:
        names = [dim.name.get(lang) for lang in q.languages]
        survey_rows.append(
            ["begin_group", dim.code, *names, None, None, None, None, _number(dim.weight)]
        )
        survey_rows.extend(item_row(item) for item in dim.items)
        survey_rows.append(["end_group"])
    survey_rows.extend(item_row(item) for item in q.general_items)

    book = Workbook()
    survey = book.active
    assert survey is not None  # a new workbook always has one sheet
    survey.title = SURVEY
    _append(survey, ["type", "name", *label_columns, "required", "relevant", TYPE_COLUMN,
                   REVERSE_COLUMN, WEIGHT_COLUMN])  # fmt: skip
    for row in survey_rows:
        _append(survey, row)

    choices = book.create_sheet(CHOICES)
    _append(choices, ["list_name", "name", *label_columns])
    for list_name, rows in lists.rows.items():
        for code, labels in rows:
            _append(choices, [list_name, code, *(labels[lang] for lang in q.languages)])

    settings = book.create_sheet(SETTINGS)
    title_columns = [f"{TITLE_PREFIX}::{language_label(lang)}" for lang in q.languages]
    na_columns = (
        [f"{NA_LABEL_PREFIX}::{language_label(lang)}" for lang in q.languages]
        if q.na_label is not None
        else []
    )
    _append(settings, ["form_title", "form_id", "version", "default_language", KIND_SETTING,
                     SCALE_SETTING, *title_columns, *na_columns])  # fmt: skip
    _append(settings, [
        q.title.get(q.languages[0]) if q.languages else None,
        q.code,
        q.version,
        language_label(q.languages[0]) if q.languages else None,
        q.kind,
        lists.default_name() if q.scale is not None else NO_SCALE,
        *(q.title.get(lang) for lang in q.languages),
        *((q.na_label or {}).get(lang) for lang in q.languages if na_columns),
    ])  # fmt: skip

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
