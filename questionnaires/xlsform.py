"""XLSForm (ODK / KoboToolbox) import (export: :mod:`questionnaires.xlsform_export`): the
workbook becomes the native dict, validated like YAML, problems located by sheet/row/column."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from typing import Any

from questionnaires.errors import Problem, QuestionnaireError, QuestionnaireInvalid, errors_of
from questionnaires.model import LIKERT_POINTS, ItemType, Questionnaire
from questionnaires.relevant import relevant_to_show_if
from questionnaires.validation import read_and_validate
from questionnaires.xlsform_columns import (
    ANSWER_TYPES,
    CHOICES,
    GROUP_TYPES,
    KIND_SETTING,
    NA_CODE,
    NA_LABEL_PREFIX,
    NO_SCALE,
    NO_VALUES,
    REVERSE_COLUMN,
    SCALE_SETTING,
    SETTINGS,
    SKIPPED_TYPES,
    SURVEY,
    TITLE_PREFIX,
    TYPE_COLUMN,
    WEIGHT_COLUMN,
    YES_VALUES,
    language_code,
)
from questionnaires.xlsform_export import dump_xlsform as dump_xlsform  # re-exported
from questionnaires.xlsform_sheets import (
    NPS_RANGE,
    ListEntry,
    Sheet,
    cell_number,
    locate,
    open_sheets,
    range_parameters,
)  # fmt: skip


class _Importer:
    def __init__(self, sheets: Mapping[str, Sheet]) -> None:
        self.sheets = sheets
        self.problems: list[Problem] = []
        self.where: dict[str, str] = {}  # native path -> sheet/row/column
        self.survey = sheets[SURVEY]
        self.label_columns: dict[str, str] = {}  # language -> survey column
        self.lists: dict[str, list[ListEntry]] = {}
        self.types: dict[str, ItemType] = {}
        self.likert_bases: Counter[str] = Counter()

    def at(self, sheet: str, row: int | None = None, column: str | None = None) -> str:
        parts = [f"sheet {sheet}"]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {column}")
        return ", ".join(parts)

    def error(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message))

    def languages(self, default: str) -> list[str]:
        for column in self.survey.columns:
            if column == "label" or column.startswith("label::"):
                suffix = column.partition("::")[2] or default
                lang = language_code(suffix) if suffix else None
                if lang is None:
                    self.error(
                        self.at(SURVEY, 1, column),
                        "cannot tell the language of this "
                        "column; name it like label::Chinese (zh) or label::zh",
                    )
                else:
                    self.label_columns[lang] = column
        if not self.label_columns:
            self.error(
                self.at(SURVEY, 1),
                "no label column; add label::Chinese (zh) and label::English (en) columns",
            )
        default_code = language_code(default) if default else None
        ordered = list(self.label_columns)
        if default_code in ordered:
            ordered.remove(default_code)
            ordered.insert(0, default_code)
        return ordered

    def read_lists(self) -> None:
        sheet = self.sheets.get(CHOICES)
        if sheet is None:
            return
        list_column = "list_name" if "list_name" in sheet.columns else "list name"
        columns = {
            lang: f"label::{col.partition('::')[2]}" if "::" in col else col
            for lang, col in self.label_columns.items()
        }
        for row, values in sheet.rows:
            name = sheet.get(values, list_column)
            if not name:
                continue
            labels = {lang: sheet.get(values, col) for lang, col in columns.items()}
            code = sheet.get(values, "name")
            self.lists.setdefault(name, []).append(ListEntry(code, labels, row))

    def texts(self, values: tuple[Any, ...], path: str, row: int) -> dict[str, str]:
        result = {}
        for lang, column in self.label_columns.items():
            self.where[f"{path}.{lang}"] = self.at(SURVEY, row, column)
            text = self.survey.get(values, column)
            if text:
                result[lang] = text
        return result

    def flag(self, values: tuple[Any, ...], column: str, row: int) -> bool:
        text = self.survey.get(values, column).lower()
        if text in YES_VALUES or text in NO_VALUES:
            return text in YES_VALUES
        self.error(self.at(SURVEY, row, column), f"{text!r} is not yes or no")
        return False

    def scale_of(self, list_name: str, path: str) -> dict[str, Any] | None:
        entries = [e for e in self.lists.get(list_name, []) if e.code != NA_CODE]
        codes = [e.code for e in entries]
        if codes != [str(k) for k in range(1, len(codes) + 1)] or len(codes) not in LIKERT_POINTS:
            return None
        self.where[path] = self.at(CHOICES) + f", list {list_name}"
        labels: dict[str, list[str]] = {}
        for lang, column in self.label_columns.items():
            labels[lang] = []
            for n, entry in enumerate(entries):
                self.where[f"{path}.labels.{lang}[{n}]"] = self.at(CHOICES, entry.row, column)
                labels[lang].append(entry.labels.get(lang, ""))
        return {"points": len(entries), "labels": labels}

    def infer_type(self, list_name: str) -> ItemType:
        codes = [e.code for e in self.lists.get(list_name, []) if e.code != NA_CODE]
        if self.scale_of(list_name, "(probe)") is not None:
            return "likert"
        if codes == [str(k) for k in range(11)]:
            return "nps"
        if sorted(codes) == ["no", "yes"]:
            return "yes_no"
        return "single_choice"

    def item(self, row: int, values: tuple[Any, ...], path: str, kind: str) -> dict[str, Any]:
        col = self.survey.get
        code = col(values, "name")
        for key, column in (("code", "name"), ("type", "type"), ("required", "required"),
                            ("show_if", "relevant"), ("reverse", REVERSE_COLUMN),
                            ("weight", WEIGHT_COLUMN)):  # fmt: skip
            self.where[f"{path}.{key}"] = self.at(SURVEY, row, column)
        self.where[path] = self.at(SURVEY, row)
        result: dict[str, Any] = {"code": code, "text": self.texts(values, f"{path}.text", row)}
        list_name = kind.partition(" ")[2].strip()
        declared = col(values, TYPE_COLUMN)
        if kind == "text":
            item_type: str = "text"
        elif kind == "range":
            item_type = "nps"
            if range_parameters(col(values, "parameters")) not in (NPS_RANGE, NPS_RANGE[:2]):
                self.error(
                    self.at(SURVEY, row, "parameters"),
                    "only a 0 to 10 range (NPS) is supported; write start=0 end=10 step=1",
                )
        else:
            if list_name not in self.lists:
                self.error(
                    self.at(SURVEY, row, "type"),
                    f"choice list {list_name!r} is not on "
                    "the choices sheet; add it there or fix the name",
                )
            item_type = declared or self.infer_type(list_name)
        result["type"] = item_type
        entries = self.lists.get(list_name, [])
        if any(e.code == NA_CODE for e in entries):
            result["allow_na"] = True
        if item_type == "likert" and list_name in self.lists:
            base = (
                list_name[:-3]
                if list_name.endswith("_na") and result.get("allow_na")
                else list_name
            )
            self.likert_bases[base] += 1
            result["_list"] = base
            result["_full_list"] = self.scale_of(list_name, f"{path}.scale")
            if result["_full_list"] is None:
                self.error(
                    self.at(SURVEY, row, "type"),
                    f"list {list_name!r} is not a Likert "
                    f"scale: its choices must be named 1 to K, K one of {LIKERT_POINTS}",
                )
        elif item_type == "single_choice":
            result["choices"] = []
            self.where[f"{path}.choices"] = self.at(CHOICES) + f", list {list_name}"
            for n, entry in enumerate(e for e in entries if e.code != NA_CODE):
                where = f"{path}.choices[{n}]"
                self.where[f"{where}.code"] = self.at(CHOICES, entry.row, "name")
                for lang, column in self.label_columns.items():
                    self.where[f"{where}.label.{lang}"] = self.at(CHOICES, entry.row, column)
                label = {k: v for k, v in entry.labels.items() if v}
                result["choices"].append({"code": entry.code, "label": label})
        for key, column in (("required", "required"), ("reverse", REVERSE_COLUMN)):
            if self.flag(values, column, row):
                result[key] = True
        relevant = col(values, "relevant")
        if relevant:
            try:
                result["show_if"] = relevant_to_show_if(relevant, self.types)
            except QuestionnaireError as exc:
                self.error(
                    self.at(SURVEY, row, "relevant"), f"cannot translate {relevant!r}: {exc}"
                )
        weight = cell_number(self.survey.raw(values, WEIGHT_COLUMN))
        if weight not in (None, ""):
            result["weight"] = weight
        if item_type in ("likert", "nps", "single_choice", "yes_no", "text"):
            self.types[code] = item_type  # type: ignore[assignment]
        return result

    def survey_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        dimensions: list[dict[str, Any]] = []
        general: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        for row, values in self.survey.rows:
            kind = " ".join(self.survey.get(values, "type").split())
            group = GROUP_TYPES.get(kind.lower())
            if not kind or kind.lower() in SKIPPED_TYPES:
                continue
            if group == "begin":
                if current is not None:
                    self.error(
                        self.at(SURVEY, row, "type"),
                        "groups inside groups are not "
                        "supported: a group is one dimension; close the open group first",
                    )
                    continue
                path = f"dimensions[{len(dimensions)}]"
                self.where[path] = self.at(SURVEY, row)
                self.where[f"{path}.code"] = self.at(SURVEY, row, "name")
                self.where[f"{path}.weight"] = self.at(SURVEY, row, WEIGHT_COLUMN)
                current = {
                    "code": self.survey.get(values, "name"),
                    "name": self.texts(values, f"{path}.name", row),
                    "items": [],
                }
                weight = cell_number(self.survey.raw(values, WEIGHT_COLUMN))
                if weight not in (None, ""):
                    current["weight"] = weight
                dimensions.append(current)
            elif group == "end":
                if current is None:
                    self.error(self.at(SURVEY, row, "type"), "end_group without begin_group")
                current = None
            elif kind.split()[0] in ("select_one", "text", "range") or kind.startswith(
                "select one "
            ):
                words = kind.replace("select one ", "select_one ", 1).split()
                if len(words) != (2 if words[0] == "select_one" else 1):
                    self.error(
                        self.at(SURVEY, row, "type"),
                        f"cannot read type {kind!r}; write "
                        "select_one <list> (or_other is not supported)",
                    )
                kind = " ".join(words[:2])
                if current is None:
                    path = f"general_items[{len(general)}]"
                    general.append(self.item(row, values, path, kind))
                else:
                    d = len(dimensions) - 1
                    path = f"dimensions[{d}].items[{len(current['items'])}]"
                    current["items"].append(self.item(row, values, path, kind))
            else:
                self.error(
                    self.at(SURVEY, row, "type"),
                    f"unsupported question type {kind!r}; "
                    f"accepted: {', '.join(ANSWER_TYPES)}, begin_group, end_group",
                )
        if current is not None:
            self.error(
                self.at(SURVEY), f"group {current['code']!r} is never closed; add an end_group row"
            )
        return dimensions, general

    def settings(self) -> tuple[dict[str, str], dict[str, Any], int]:
        sheet = self.sheets[SETTINGS]
        row, values = sheet.rows[0] if sheet.rows else (2, ())
        result = {column: sheet.get(values, column) for column in sheet.columns}
        raw = {column: sheet.raw(values, column) for column in sheet.columns}
        return result, raw, row


def xlsform_to_dict(
    content: bytes, source: str = "<xlsform>"
) -> tuple[dict[str, Any], dict[str, str], tuple[Problem, ...]]:
    """The native dict of an XLSForm, where each native path sits in the workbook, and the
    problems only the workbook can have (unknown types, missing lists, bad cells)."""
    sheets = open_sheets(content, source)
    importer = _Importer(sheets)
    settings, raw_settings, settings_row = importer.settings()
    default_language = settings.get("default_language", "")
    languages = importer.languages(default_language)
    importer.read_lists()
    if CHOICES not in sheets and any(
        importer.survey.get(v, "type").startswith("select") for _, v in importer.survey.rows
    ):
        importer.error("sheet choices", "the workbook has no 'choices' sheet but uses select_one")
    dimensions, general = importer.survey_rows()

    where = importer.where
    at = importer.at
    for key, column in (("code", "form_id"), ("version", "version"), ("kind", KIND_SETTING)):
        where[key] = at(SETTINGS, settings_row, column)
    where["languages"] = at(SURVEY, 1)
    data: dict[str, Any] = {"code": settings.get("form_id") or None}
    version = raw_settings.get("version")
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version)
    data["version"] = version if version not in ("", None) else None
    data["kind"] = settings.get(KIND_SETTING) or "survey"
    title: dict[str, str] = {}
    for lang in languages:
        for column in settings:
            if (
                column.startswith(f"{TITLE_PREFIX}::")
                and language_code(column.partition("::")[2]) == lang
            ):
                where[f"title.{lang}"] = at(SETTINGS, settings_row, column)
                if settings[column]:
                    title[lang] = settings[column]
    if not title and settings.get("form_title"):
        # A plain XLSForm has one title; use it for every language until translated.
        title = dict.fromkeys(languages, settings["form_title"])
        where["title"] = at(SETTINGS, settings_row, "form_title")
    data["title"] = title
    data["languages"] = languages

    na_label = {
        lang: settings[column]
        for column in settings
        if column.startswith(f"{NA_LABEL_PREFIX}::")
        for lang in [language_code(column.partition("::")[2])]
        if lang and settings[column]
    }
    scale_name = settings.get(SCALE_SETTING) or (
        importer.likert_bases.most_common(1)[0][0] if importer.likert_bases else NO_SCALE
    )
    if scale_name != NO_SCALE:
        where["scale"] = at(SETTINGS, settings_row, SCALE_SETTING)
        listed = scale_name if scale_name in importer.lists else f"{scale_name}_na"
        scale = importer.scale_of(listed, "scale")
        if scale is None:
            importer.error(
                at(SETTINGS, settings_row, SCALE_SETTING),
                f"list {scale_name!r} is "
                "not a Likert scale on the choices sheet (choices named 1 to K)",
            )
        data["scale"] = scale
    if na_label:
        data["na_label"] = na_label
    for item in [i for d in dimensions for i in d["items"]] + general:
        base = item.pop("_list", None)
        full = item.pop("_full_list", None)
        if base is None:
            continue
        if base == scale_name:
            item.pop("scale", None)
        else:
            item["scale"] = full
    if dimensions:
        data["dimensions"] = dimensions
    if general:
        data["general_items"] = general
    return data, where, tuple(importer.problems)


def check_xlsform(
    content: bytes, source: str = "<xlsform>"
) -> tuple[Questionnaire, tuple[Problem, ...]]:
    """The questionnaire read from a workbook and every problem (errors and warnings), located
    by sheet, row and column. Raises only when the file is not a usable workbook at all."""
    data, where, sheet_problems = xlsform_to_dict(content, source)
    q, problems = read_and_validate(data)
    located = [dataclasses.replace(p, location=locate(p.location, where)) for p in problems]
    return q, (*sheet_problems, *located)


def load_xlsform(content: bytes, source: str = "<xlsform>") -> Questionnaire:
    """Import and validate an XLSForm workbook; problems name sheet, row and column."""
    q, problems = check_xlsform(content, source)
    if errors_of(problems):
        raise QuestionnaireInvalid(problems, source)
    return q
