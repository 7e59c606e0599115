"""Locale choice and translations for pages (Simplified Chinese and English).

Catalogues are gettext ``.po`` files under ``app/web/locale/<lang>/LC_MESSAGES/*.po``,
read with Babel at start-up (no compiled ``.mo`` in the repository). Message ids are English, so
the English catalogue may stay sparse. The locale comes from the ``lang`` cookie (the user's
choice on the page), else the ``Accept-Language`` header, else Chinese.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.connection import ASGIConnection

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
LANG_COOKIE = "tianping_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL_LOCALE = {"zh": "zh_Hans_CN", "en": "en_GB"}
_HTML_LANG = {"zh": "zh-CN", "en": "en"}


@cache
def catalog(lang: Lang) -> dict[str, str]:
    # One catalogue per feature area (messages.po, supervision.po, …) keeps translators' and
    # developers' edits apart; a message id defined twice takes the later file's text.
    merged: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            po = read_po(fh, locale=lang)
        merged.update(
            {
                str(m.id): str(m.string)
                for m in po
                if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
            }
        )
    return merged


def translate(lang: Lang, message: str, **values: Any) -> str:
    text = catalog(lang).get(message, message)
    return text % values if values else text


def parse_lang(value: str | None) -> Lang | None:
    if value in LANGS:
        return value
    return None


def negotiate(cookie: str | None, accept_language: str | None) -> Lang:
    chosen = parse_lang(cookie)
    if chosen:
        return chosen
    if accept_language:
        preferred = [
            part.split(";")[0].strip().replace("-", "_")
            for part in accept_language.split(",")
            if part.strip()
        ]
        found = negotiate_locale(preferred, ["zh", "en", "zh_CN", "en_US", "en_GB"], sep="_")
        if found:
            return "en" if found.startswith("en") else "zh"
    return DEFAULT_LANG


def request_lang(connection: ASGIConnection[Any, Any, Any, Any]) -> Lang:
    """The request's language, decided once and cached on the scope."""
    state = connection.scope.setdefault("state", {})
    lang: Lang | None = state.get("tianping_lang")
    if lang is None:
        lang = negotiate(
            connection.cookies.get(LANG_COOKIE), connection.headers.get("accept-language")
        )
        state["tianping_lang"] = lang
    return lang


def babel_locale(lang: Lang) -> Locale:
    return Locale.parse(_BABEL_LOCALE[lang])


def fmt_date(value: date | datetime | None, lang: Lang) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, "medium", locale=_BABEL_LOCALE[lang])
    return format_date(value, "medium", locale=_BABEL_LOCALE[lang])


def fmt_number(value: float | int | None, lang: Lang, digits: int = 1) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALE[lang])


def fmt_percent(value: float | None, lang: Lang) -> str:
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.0%", locale=_BABEL_LOCALE[lang])


def _lang_of(ctx: Context) -> Lang:
    request = ctx.get("request")
    return request_lang(request) if request is not None else DEFAULT_LANG


@pass_context
def _gettext(ctx: Context, message: str, **values: Any) -> str:
    return translate(_lang_of(ctx), message, **values)


@pass_context
def _date(ctx: Context, value: date | datetime | None) -> str:
    return fmt_date(value, _lang_of(ctx))


@pass_context
def _number(ctx: Context, value: float | int | None, digits: int = 1) -> str:
    return fmt_number(value, _lang_of(ctx), digits)


@pass_context
def _percent(ctx: Context, value: float | None) -> str:
    return fmt_percent(value, _lang_of(ctx))


@pass_context
def _html_lang(ctx: Context) -> str:
    return _HTML_LANG[_lang_of(ctx)]


@pass_context
def _current_lang(ctx: Context) -> str:
    return _lang_of(ctx)


@pass_context
def _localized(ctx: Context, value: Any) -> str:
    """Pick the current language from a ``{zh: …, en: …}`` mapping (questionnaire texts)."""
    if isinstance(value, dict):
        lang = _lang_of(ctx)
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


JINJA_GLOBALS: dict[str, Any] = {
    "_": _gettext,
    "fmt_date": _date,
    "fmt_number": _number,
    "fmt_percent": _percent,
    "html_lang": _html_lang,
    "current_lang": _current_lang,
    "localized": _localized,
}
