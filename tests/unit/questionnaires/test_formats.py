"""Native YAML/JSON: round trips, located syntax errors, hashing, JSON Schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import questionnaires
from questionnaires import QuestionnaireError, QuestionnaireInvalid, dump, from_dict, loads, to_dict
from tests.unit.questionnaires.helpers import likert, minimal


def _schema() -> dict[str, Any]:
    text = resources.files("questionnaires").joinpath("schema/questionnaire.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_and_load_give_the_same_questionnaire(fmt: str) -> None:
    q = from_dict(minimal())
    again = loads(dump(q, fmt), fmt)  # type: ignore[arg-type]
    assert again == q
    assert (
        to_dict(again)
        == to_dict(q)
        == minimal()
        | {
            "kind": "survey",
            "languages": ["zh", "en"],
        }
    )


def test_yaml_codes_yes_and_no_stay_text_and_duplicates_are_errors() -> None:
    text = dump(from_dict(minimal()), "yaml").replace("code: phone", "code: yes")
    assert loads(text, "yaml").item("channel").choices[0].code == "yes"
    with pytest.raises(QuestionnaireInvalid, match=r"line 2, column 1: not valid YAML: duplicate"):
        loads("code: a\ncode: b\n", "yaml", source="q.yaml")


def test_malformed_yaml_names_line_and_column() -> None:
    with pytest.raises(QuestionnaireInvalid) as caught:
        loads("code: x\ntitle: {zh: a, en: b\nversion: 1\n", "yaml", source="bad.yaml")
    [problem] = caught.value.problems
    assert problem.location.startswith("bad.yaml, line 3, column")
    assert "not valid YAML" in problem.message


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(QuestionnaireInvalid) as caught:
        loads('{"code": "x",\n "version": 1,,}', "json", source="bad.json")
    assert caught.value.problems[0].location == "bad.json, line 2, column 15"
    with pytest.raises(QuestionnaireInvalid, match="duplicate key 'code'"):
        loads('{"code": "x", "code": "y"}', "json")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text"])
def test_yaml_that_is_not_a_mapping(text: str) -> None:
    with pytest.raises(QuestionnaireInvalid, match="a questionnaire is a mapping"):
        loads(text, "yaml")


def test_unknown_format_names_accepted_ones() -> None:
    with pytest.raises(QuestionnaireError, match="accepted formats: yaml, json"):
        loads("{}", "toml")  # type: ignore[arg-type]


def test_load_chooses_format_by_suffix(tmp_path: Path) -> None:
    q = from_dict(minimal())
    for suffix, content in ((".yml", dump(q, "yaml")), (".json", dump(q, "json"))):
        path = tmp_path / f"q{suffix}"
        path.write_text(content, encoding="utf-8")
        assert questionnaires.load(path) == q
    with pytest.raises(
        QuestionnaireError, match=r"accepted suffixes are \.yaml, \.yml, \.json, \.xlsx"
    ):
        questionnaires.load(tmp_path / "q.txt")
    with pytest.raises(QuestionnaireError, match="cannot read"):
        questionnaires.load(tmp_path / "missing.yaml")


def test_canonical_sha256_ignores_layout_but_not_content() -> None:
    q = from_dict(minimal())
    same = loads(json.dumps(to_dict(q), indent=4, sort_keys=True), "json")
    assert questionnaires.canonical_sha256(q) == questionnaires.canonical_sha256(same)
    assert len(questionnaires.canonical_sha256(q)) == 64
    changed = minimal()
    changed["dimensions"][0]["items"][0]["text"]["zh"] = "改过的问题"
    assert questionnaires.canonical_sha256(from_dict(changed)) != questionnaires.canonical_sha256(q)


def test_to_dict_validates_against_the_json_schema() -> None:
    jsonschema.validate(to_dict(from_dict(minimal())), _schema())


texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s != "")
item_codes = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
        lambda c: c not in {"and", "or", "not", "in"}
    ),
    min_size=3,
    max_size=8,
    unique=True,
)


@st.composite
def questionnaire_dicts(draw: st.DrawFn) -> dict[str, Any]:
    codes = draw(item_codes)
    split = draw(st.integers(1, len(codes) - 1))
    items = []
    for n, code in enumerate(codes):
        item = likert(code)
        item["text"] = {"zh": draw(texts), "en": draw(texts)}
        if draw(st.booleans()):
            item["reverse"] = True
        if draw(st.booleans()):
            item["allow_na"] = True
        if n > 0 and draw(st.booleans()):
            item["show_if"] = f"{codes[n - 1]} >= {draw(st.integers(1, 5))}"
        if draw(st.booleans()):
            item["weight"] = draw(st.floats(0.1, 10, allow_nan=False))
        items.append(item)
    data = minimal()
    data["dimensions"] = [
        {"code": "dim_a_", "name": {"zh": draw(texts), "en": draw(texts)}, "items": items[:split]},
        {"code": "dim_b_", "name": {"zh": "乙", "en": "B"}, "items": items[split:]},
    ]
    data["general_items"] = []
    return data


@settings(max_examples=25, deadline=None)
@given(questionnaire_dicts())
def test_round_trips_of_generated_questionnaires(data: dict[str, Any]) -> None:
    q = from_dict(data)
    expected = to_dict(q)
    jsonschema.validate(expected, _schema())
    for fmt in ("yaml", "json"):
        assert to_dict(loads(dump(q, fmt), fmt)) == expected  # type: ignore[arg-type]
    assert to_dict(questionnaires.load_xlsform(questionnaires.dump_xlsform(q))) == expected
