"""Server-side form validation with field-level messages in the user's language.

A form is parsed into plain values or a :class:`FormErrors` mapping ``field → message``; the
page is re-rendered with the messages next to the fields and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.web.i18n import Lang, translate


class FormErrors(dict[str, str]):
    """Field name → translated message. Falsy when the form is valid."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang

    def add(self, field: str, message: str, **values: Any) -> None:
        self.setdefault(field, translate(self.lang, message, **values))


def text(
    form: Mapping[str, Any],
    field: str,
    errors: FormErrors,
    *,
    required: bool = True,
    max_length: int = 200,
) -> str:
    raw = form.get(field, "")
    value = (raw if isinstance(raw, str) else "").strip()
    if required and not value:
        errors.add(field, "This field is required.")
    elif len(value) > max_length:
        errors.add(field, "At most %(n)s characters.", n=max_length)
    return value


def iso_date(form: Mapping[str, Any], field: str, errors: FormErrors) -> date | None:
    value = text(form, field, errors, max_length=10)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add(field, "Enter a date as YYYY-MM-DD.")
        return None


def integer_list(form: Mapping[str, Any], field: str, errors: FormErrors) -> list[int]:
    raw = form.get(field, [])
    values = raw if isinstance(raw, list) else [raw]
    out: list[int] = []
    for item in values:
        try:
            out.append(int(str(item)))
        except ValueError:
            errors.add(field, "Choose from the list.")
    return out
