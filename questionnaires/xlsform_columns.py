"""Names shared by XLSForm import and export: sheets, columns, languages, choice lists."""

from __future__ import annotations

import re
from typing import Final

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"

# Tianping's own columns; ODK and KoboToolbox ignore columns they do not know.
TYPE_COLUMN: Final = "tianping_type"
REVERSE_COLUMN: Final = "tianping_reverse"
WEIGHT_COLUMN: Final = "tianping_weight"
KIND_SETTING: Final = "tianping_kind"
SCALE_SETTING: Final = "tianping_scale"  # name of the list holding the default scale
TITLE_PREFIX: Final = "tianping_title"
NA_LABEL_PREFIX: Final = "tianping_na_label"
NO_SCALE: Final = "none"

NA_CODE: Final = "na"
NPS_LIST: Final = "nps"
YES_NO_LIST: Final = "yes_no"
YES_NO_LABELS: Final[dict[str, tuple[str, str]]] = {"zh": ("是", "否"), "en": ("Yes", "No")}

LANGUAGE_NAMES: Final[dict[str, str]] = {
    "zh": "Chinese", "en": "English", "ja": "Japanese", "ko": "Korean", "fr": "French",
    "de": "German", "es": "Spanish", "pt": "Portuguese", "ru": "Russian", "ar": "Arabic",
    "vi": "Vietnamese", "th": "Thai", "ms": "Malay", "id": "Indonesian",
}  # fmt: skip
_CODES_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
_NAMED = re.compile(r"(?P<name>.*?)\s*\((?P<code>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\)")
_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def language_label(lang: str) -> str:
    """``Chinese (zh)``: the ODK way to name a language, with its code in parentheses."""
    name = LANGUAGE_NAMES.get(lang)
    return f"{name} ({lang})" if name else lang


def language_code(text: str) -> str | None:
    """The code in ``Chinese (zh)``, ``zh`` or ``Chinese``; ``None`` when it cannot be told."""
    text = text.strip()
    named = _NAMED.fullmatch(text)
    if named:
        return named.group("code")
    if _CODE.fullmatch(text):
        return text
    return _CODES_BY_NAME.get(text.lower())


def likert_list(points: int, allow_na: bool) -> str:
    return f"likert{points}" + ("_na" if allow_na else "")


def with_na(name: str, allow_na: bool) -> str:
    return f"{name}_na" if allow_na else name


# Rows that carry no answer to score: metadata the phone records, and display-only notes.
SKIPPED_TYPES = frozenset({
    "start", "end", "today", "deviceid", "username", "phonenumber", "simserial",
    "subscriberid", "audit", "note", "calculate",
})  # fmt: skip
ANSWER_TYPES = ("select_one <list>", "text", "range (0 to 10, for NPS)")
GROUP_TYPES = {
    "begin_group": "begin",
    "begin group": "begin",
    "end_group": "end",
    "end group": "end",
}
YES_VALUES = frozenset({"yes", "true", "true()", "1", "y"})
NO_VALUES = frozenset({"", "no", "false", "false()", "0", "n"})
