"""Every problem message of the library, by stable id, as English ``%(name)s`` templates.

A :class:`~questionnaires.errors.Problem` carries the id and its parameters next to the English
text, so a caller can show the message in another language without parsing English: it looks
the template up in its own catalogue (the English template is the catalogue's message id) and
formats it with the parameters. This module stays free of any i18n machinery: callers pass
their own ``translate`` function to :func:`render`.

Two kinds of parameter are words rather than data, and are translated as well:

* :data:`TERM_PARAMS` hold one of :data:`TERMS` (``"a number"``, ``"the title"``, ``"item
  %(code)r"``); a term may itself use the problem's other parameters.
* :data:`MESSAGE_PARAMS` hold the id of another message (the reason a ``show_if`` cannot be
  read), rendered with the same parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeAlias

Param: TypeAlias = str | int | float
Translate: TypeAlias = Callable[[str], str]

_LANGS_HINT = "(every text needs every language of 'languages': %(languages)s)"

MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        # -- rules (validation) --
        "text.missing_language": "%(what)s has no %(lang)s text; add it " + _LANGS_HINT,
        "text.extra_language": "%(lang)s is not in 'languages'; add it there or remove this text",
        "scale.points": "a Likert scale has %(accepted)s points, not %(points)s",
        "scale.missing_labels": "the scale has no %(lang)s anchor labels",
        "scale.label_count": (
            "%(count)s %(lang)s labels for a %(points)s-point scale; "
            "give exactly one label per point"
        ),
        "scale.extra_language": "%(lang)s is not in 'languages'",
        "questionnaire.code_pattern": (
            "the code must start with a letter or digit and use only "
            "letters, digits, '-', '_' and '.' (e.g. after-sales)"
        ),
        "questionnaire.version": "the version must be a whole number ≥ 1, not %(version)s",
        "questionnaire.no_languages": "list at least one language, e.g. [zh, en]",
        "questionnaire.not_a_language": "%(lang)r is not a language code such as zh or en",
        "questionnaire.language_twice": "language %(lang)s is listed twice",
        "questionnaire.no_questions": (
            "the questionnaire has no questions; add dimensions or general_items"
        ),
        "code.pattern": (
            "code %(code)r must start with a letter or '_' and use only "
            "letters, digits and '_' (and not be and/or/not/in)"
        ),
        "code.duplicate": (
            "code %(code)r is already used at %(first)s; "
            "codes of items and dimensions must be unique"
        ),
        "weight.not_positive": "weights must be > 0, not %(weight)s",
        "dimension.no_items": "dimension %(code)r has no items",
        "dimension.few_likert_items": (
            "dimension %(code)r has %(count)s Likert item(s); give it "
            "at least 2 so its reliability (Cronbach's alpha) can be measured"
        ),
        "dimension.mixed_scales": (
            "dimension %(code)r mixes %(lengths)s-point scales; "
            "use one scale length so its items are comparable"
        ),
        "item.scale_not_likert": "a scale applies to Likert items only, not %(type)s; remove it",
        "item.reverse_not_likert": "only Likert items can be reverse-scored",
        "item.text_allow_na": "a text item can simply be left blank; remove allow_na",
        "item.choices_not_single_choice": (
            "choices apply to single_choice items only, not %(type)s"
        ),
        "choice.too_few": "a single_choice item needs at least 2 choices",
        "choice.code_spaces": "choice code %(code)r must not contain spaces",
        "choice.code_na": (
            "choice code 'na' is reserved for 'not applicable'; set allow_na: true instead"
        ),
        "choice.code_twice": "choice code %(code)r is used twice",
        "show_if.unreadable": "cannot read %(text)r: %(reason)s",
        "show_if.unknown_code": "%(code)r is not a question of this questionnaire",
        "show_if.not_earlier": (
            "%(code)r is not an earlier question; show_if may only "
            "look at answers given before this question"
        ),
        "show_if.out_of_range": (
            "%(code)r is answered with a number from %(low)s to %(high)s; %(value)r can never match"
        ),
        "show_if.ordered_comparison": (
            "%(code)r is a %(type)s question; compare it with == != or in, not with < or >"
        ),
        "show_if.unquoted": "answers to %(code)r are texts; quote %(value)r",
        "show_if.not_an_answer": (
            "%(value)r is not an answer of %(code)r; its answers: %(accepted)s"
        ),
        "show_if.cycle": "show_if conditions form a cycle: %(cycle)s",
        # -- show_if syntax (conditions) --
        "condition.unexpected_character": (
            "unexpected character %(char)r at position %(position)s; "
            "write comparisons like att1 >= 4 or q2 == 'yes'"
        ),
        "condition.expected": "expected %(expected)s but found %(token)r at position %(position)s",
        "condition.expected_at_end": "expected %(expected)s but found the end of the condition",
        "condition.empty": "the condition is empty; write e.g. att1 >= 4",
        # -- shapes (reading) --
        "shape.not_mapping": "%(what)s must be a mapping of keys to values, not %(found)s",
        "shape.unknown_key": "unknown key %(key)r; accepted keys here: %(accepted)s",
        "shape.required": "%(key)r is required here",
        "shape.not_text": "%(what)s must be a non-empty text, not %(found)s",
        "shape.language_not_text": "language code %(lang)r must be a text such as zh or en",
        "shape.not_boolean": "%(key)r must be true or false, not %(found)s",
        "shape.not_number": "%(key)r must be a number, not %(found)s",
        "shape.not_whole_number": "%(what)s must be a whole number, not %(found)s",
        "shape.number_too_large": "numbers here must lie between -%(limit)s and %(limit)s",
        "shape.labels_not_list": "labels must be a list of texts, not %(found)s",
        "shape.choices_not_list": "choices must be a list, not %(found)s",
        "shape.items_not_list": "items must be a list, not %(found)s",
        "shape.dimensions_not_list": "dimensions must be a list, not %(found)s",
        "shape.show_if_not_text": "show_if must be a text, not %(found)s",
        "shape.languages_not_list": "languages must be a list of language codes such as [zh, en]",
        "shape.unknown_item_type": "unknown item type %(type)r; accepted types: %(accepted)s",
        "shape.unknown_kind": "unknown kind %(kind)r; accepted kinds: %(accepted)s",
        "shape.likert_without_scale": (
            "this Likert item has no scale: add 'scale: {points: 5, labels: ...}' at "
            "the top of the questionnaire or on the item"
        ),
        # -- files and syntax (serialization) --
        "file.not_yaml": "not valid YAML: %(detail)s",
        "file.not_json": "not valid JSON: %(detail)s",
        "file.too_deep": "the text is nested too deeply to be a questionnaire",
        "file.not_utf8": "not UTF-8 text (byte %(byte)s); save it as UTF-8",
        "file.not_a_mapping": (
            "the file is %(found)s; a questionnaire is a mapping with code, "
            "version, title and dimensions"
        ),
    }
)

TERMS: tuple[str, ...] = (
    # what a value should have been
    "the title",
    "the 'not applicable' label",
    "dimension %(code)r",
    "item %(code)r",
    "choice %(code)r",
    "a translated text",
    "the %(lang)s text",
    "a scale",
    "scale labels",
    "a label",
    "a choice",
    "a code",
    "an item",
    "a dimension",
    "a questionnaire",
    "points",
    "version",
    "code",
    # what a value was instead
    "nothing",
    "true/false",
    "a number",
    "a text",
    "an empty text",
    "a list",
    "a mapping",
    "empty",
    # what the show_if parser expected next
    "')'",
    "'and', 'or' or the end of the condition",
    "a question code",
    "a comparison operator (== != < <= > >=) or 'in'",
    "'[' opening the list of values",
    "',' or ']'",
    "a number or a quoted text",
)
TERM_PARAMS = frozenset({"what", "found", "expected"})
MESSAGE_PARAMS = frozenset({"reason"})


def _same(text: str) -> str:
    return text


def render(code: str, params: Mapping[str, Param], translate: Translate = _same) -> str:
    """The message ``code`` with its parameters filled in, through ``translate`` (English by
    default); a term parameter that is not a known term (an unusual type name) is kept as is."""
    values: dict[str, Param] = dict(params)
    for name, value in params.items():
        if name in TERM_PARAMS and isinstance(value, str):
            if value in TERMS:
                values[name] = translate(value) % params
        elif name in MESSAGE_PARAMS and isinstance(value, str) and value in MESSAGES:
            inner = {k: v for k, v in params.items() if k not in MESSAGE_PARAMS}
            values[name] = render(value, inner, translate)
    return translate(MESSAGES[code]) % values
