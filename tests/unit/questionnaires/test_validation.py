"""Every validation rule, each with an example that breaks it."""

from __future__ import annotations

from typing import Any

import pytest

import questionnaires
from questionnaires import QuestionnaireInvalid, from_dict, validate
from tests.unit.questionnaires.helpers import errors, likert, minimal, warnings


def test_minimal_questionnaire_is_valid() -> None:
    q = from_dict(minimal())
    assert validate(q) == ()
    assert [i.code for i in q.all_items()][:5] == ["a1", "a2", "a3", "s1", "s2"]
    assert q.item("a3").points == 5
    assert q.item("a3").labels["en"][0] == "Very poor"
    assert q.item("nps").points == 11
    assert q.item("comment").points is None
    assert [i.code for i in q.dimension("attitude").likert_items] == ["a1", "a2", "a3"]


def test_unknown_item_raises_naming_known_codes() -> None:
    with pytest.raises(questionnaires.UnknownItem, match="its items: a1, a2"):
        from_dict(minimal()).item("zz")


def _with(change: Any) -> dict[str, Any]:
    data = minimal()
    change(data)
    return data


def test_duplicate_codes_across_dimensions_and_items() -> None:
    data = _with(lambda d: d["dimensions"][1]["items"].append(likert("a1")))
    data["general_items"][0]["code"] = "speed"
    found = errors(validate(data))
    assert ("dimensions[1].items[2].code", found[0][1]) in found
    assert "already used at dimensions[0].items[0].code" in found[0][1]
    assert any(loc == "general_items[0].code" and "dimensions[1].code" in m for loc, m in found)


def test_bad_code_characters() -> None:
    data = _with(lambda d: d["dimensions"][0]["items"][0].update(code="a 1"))
    assert errors(validate(data))[0][0] == "dimensions[0].items[0].code"


def test_dimension_with_one_likert_item_is_a_warning() -> None:
    data = _with(lambda d: d["dimensions"][1]["items"].pop())
    assert errors(validate(data)) == []
    [(location, message)] = warnings(validate(data))
    assert location == "dimensions[1].items"
    assert "reliability" in message


def test_mixed_scale_lengths_in_a_dimension_are_flagged() -> None:
    seven = {"points": 7, "labels": {"zh": list("1234567"), "en": list("1234567")}}
    data = _with(lambda d: d["dimensions"][0]["items"][0].update(scale=seven))
    assert any("mixes 5, 7-point" in m for _, m in warnings(validate(data)))


@pytest.mark.parametrize(
    ("show_if", "expected"),
    [
        ("zz == 1", "'zz' is not a question"),
        ("s1 >= 4", "'s1' is not an earlier question"),
        ("a2 >= 4", "'a2' is not an earlier question"),
        ("a1 >= 9", "can never match"),
        ("a1 == 'x'", "can never match"),
        ("a1 >=", "cannot read"),
    ],
)
def test_show_if_rules(show_if: str, expected: str) -> None:
    data = _with(lambda d: d["dimensions"][0]["items"][1].update(show_if=show_if))
    found = errors(validate(data))
    assert found
    assert found[0][0] == "dimensions[0].items[1].show_if"
    assert expected in found[0][1]


@pytest.mark.parametrize(
    ("show_if", "expected"),
    [
        ("visited == 'maybe'", "'maybe' is not an answer of 'visited'; its answers: yes, no"),
        ("visited > 'no'", "compare it with == != or in, not with < or >"),
        ("nps in [3, 11]", "number from 0 to 10; 11 can never match"),
        ("visited == 1", "answers to 'visited' are texts; quote 1"),
    ],
)
def test_show_if_literals_must_fit_the_question(show_if: str, expected: str) -> None:
    data = _with(lambda d: d["general_items"][2].update(show_if=show_if))
    [(location, message)] = errors(validate(data))
    assert location == "general_items[2].show_if"
    assert expected in message


def test_show_if_cycle_is_reported() -> None:
    def change(d: dict[str, Any]) -> None:
        d["dimensions"][0]["items"][0]["show_if"] = "a2 == 1"
        d["dimensions"][0]["items"][1]["show_if"] = "a1 == 1"

    assert any("cycle: a1 → a2 → a1" in m for _, m in errors(validate(_with(change))))


def test_valid_show_if_is_normalized() -> None:
    data = _with(lambda d: d["general_items"][2].update(show_if="visited=='yes'and a1>=4"))
    assert from_dict(data).item("channel").show_if == "visited == 'yes' and a1 >= 4"


def test_missing_translations_are_listed_one_by_one() -> None:
    def change(d: dict[str, Any]) -> None:
        del d["title"]["en"]
        del d["dimensions"][0]["name"]["zh"]
        d["general_items"][2]["choices"][0]["label"] = {"zh": "电话"}
        d["scale"]["labels"].pop("en")

    locations = [loc for loc, _ in errors(validate(_with(change)))]
    assert locations == [
        "title.en",
        "scale.labels.en",
        "dimensions[0].name.zh",
        "general_items[2].choices[0].label.en",
    ]


def test_text_in_unlisted_language_is_a_warning() -> None:
    data = _with(lambda d: d["title"].update(fr="Enquête"))
    assert warnings(validate(data))[0][0] == "title.fr"


@pytest.mark.parametrize("where", ["dimension", "item"])
@pytest.mark.parametrize("weight", [0, -1.5])
def test_weights_must_be_positive(where: str, weight: float) -> None:
    data = minimal()
    target = data["dimensions"][0] if where == "dimension" else data["dimensions"][0]["items"][0]
    target["weight"] = weight
    assert errors(validate(data))[0][1] == f"weights must be > 0, not {weight}"


def test_unknown_item_type_names_accepted_ones() -> None:
    data = _with(lambda d: d["general_items"][0].update(type="slider"))
    [(location, message)] = errors(validate(data))
    assert location == "general_items[0].type"
    assert "likert, nps, single_choice, yes_no, text" in message


@pytest.mark.parametrize("points", [2, 6, 12])
def test_likert_points_outside_the_accepted_set(points: int) -> None:
    data = _with(lambda d: d["scale"].update(points=points))
    [(location, message)] = errors(validate(data))
    assert location == "scale.points"
    assert "3, 4, 5, 7, 10, 11" in message


def test_label_count_must_match_points() -> None:
    data = _with(lambda d: d["scale"]["labels"]["en"].pop())
    assert errors(validate(data)) == [
        ("scale.labels.en", "4 en labels for a 5-point scale; give exactly one label per point")
    ]


def test_likert_item_without_any_scale() -> None:
    data = _with(lambda d: d.pop("scale"))
    assert errors(validate(data))[0][0] == "dimensions[0].items[0].scale"


@pytest.mark.parametrize(
    ("index", "change", "location"),
    [
        (3, {"reverse": True}, "general_items[3].reverse"),
        (3, {"allow_na": True}, "general_items[3].allow_na"),
        (1, {"scale": {"points": 5}}, "general_items[1].scale"),
        (
            0,
            {"choices": [{"code": "x", "label": {"zh": "x", "en": "x"}}]},
            "general_items[0].choices",
        ),
    ],
)
def test_options_that_do_not_fit_the_item_type(
    index: int, change: dict[str, Any], location: str
) -> None:
    data = _with(lambda d: d["general_items"][index].update(change))
    assert errors(validate(data))[0][0] == location


def test_single_choice_rules() -> None:
    def change(d: dict[str, Any]) -> None:
        choices = d["general_items"][2]["choices"]
        choices[1]["code"] = "phone"
        choices.append({"code": "na", "label": {"zh": "无", "en": "None"}})

    found = errors(validate(_with(change)))
    assert [loc for loc, _ in found] == [
        "general_items[2].choices[1].code",
        "general_items[2].choices[2].code",
    ]


def test_shape_problems_unknown_keys_and_wrong_types() -> None:
    def change(d: dict[str, Any]) -> None:
        d["dimensions"][0]["items"][0]["revers"] = True
        d["dimensions"][0]["items"][1]["required"] = "yes"
        d["version"] = "one"
        d["kind"] = "audit"

    found = dict(errors(validate(_with(change))))
    assert "unknown key 'revers'" in found["dimensions[0].items[0].revers"]
    assert "true or false" in found["dimensions[0].items[1].required"]
    assert "whole number" in found["version"]
    assert "survey, observation" in found["kind"]


def test_every_problem_is_reported_at_once_and_listed_in_the_exception() -> None:
    def change(d: dict[str, Any]) -> None:
        d["dimensions"][0]["items"][0]["weight"] = -1
        del d["title"]["zh"]
        d["general_items"][0]["type"] = "slider"

    with pytest.raises(QuestionnaireInvalid) as caught:
        from_dict(_with(change), source="demo.yaml")
    assert len(caught.value.problems) == 3
    text = str(caught.value)
    assert text.startswith("demo.yaml is not a valid questionnaire (3 errors)")
    for location in ("title.zh", "dimensions[0].items[0].weight", "general_items[0].type"):
        assert f"error: {location}: " in text


def test_questionnaire_without_questions() -> None:
    data = {"code": "x", "version": 1, "title": {"zh": "x", "en": "x"}}
    assert errors(validate(data)) == [
        ("dimensions", "the questionnaire has no questions; add dimensions or general_items")
    ]


def test_other_languages_are_allowed() -> None:
    data = minimal()
    data["languages"] = ["en"]
    data["title"] = {"en": "Only English"}
    assert warnings(validate(data))[0][0] == "scale.labels.zh"
