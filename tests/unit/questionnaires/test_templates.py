"""The bundled templates: valid, well-formed against the schema, lossless through XLSForm."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml

import questionnaires
from questionnaires import QuestionnaireError, to_dict, validate
from questionnaires.templates import list_templates, load_template, template_text

NAMES = ("after-sales", "onsite-observation", "servqual")


def test_list_templates() -> None:
    assert list_templates() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_template_is_valid_and_matches_the_schema(name: str) -> None:
    q = load_template(name)
    assert [p for p in validate(q) if p.severity == "error"] == []
    assert set(q.languages) == {"zh", "en"}
    schema_text = resources.files("questionnaires").joinpath("schema/questionnaire.schema.json")
    schema = json.loads(schema_text.read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(template_text(name)), schema)
    jsonschema.validate(to_dict(q), schema)


@pytest.mark.parametrize("name", NAMES)
def test_template_round_trips_through_xlsform(name: str) -> None:
    q = load_template(name)
    again = questionnaires.load_xlsform(questionnaires.dump_xlsform(q))
    assert to_dict(again) == to_dict(q)
    assert questionnaires.canonical_sha256(again) == questionnaires.canonical_sha256(q)


def test_after_sales_structure() -> None:
    q = load_template("after-sales")
    assert [d.code for d in q.dimensions] == [
        "attitude", "efficiency", "content", "environment", "responsiveness",
    ]  # fmt: skip
    for dim in q.dimensions:
        assert 4 <= len(dim.likert_items) <= 5
        assert {i.points for i in dim.items} == {5}
        assert sum(i.reverse for i in dim.items) == 1
    overall, nps, comment = q.general_items
    assert (overall.code, overall.type, nps.type, comment.type) == (
        "overall",
        "likert",
        "nps",
        "text",
    )
    assert not comment.required


def test_servqual_structure() -> None:
    q = load_template("servqual")
    assert [d.code for d in q.dimensions] == [
        "tangibles", "reliability", "responsiveness", "assurance", "empathy",
    ]  # fmt: skip
    scored = [i for d in q.dimensions for i in d.likert_items]
    assert len(scored) == 22
    assert {i.points for i in scored} == {7}


def test_observation_checklist() -> None:
    q = load_template("onsite-observation")
    assert q.kind == "observation"
    assert [d.code for d in q.dimensions] == [
        "environment", "staff_conduct", "information", "compliance",
    ]  # fmt: skip
    assert {i.type for i in q.all_items()} >= {"yes_no", "likert"}


def test_unknown_template_names_the_bundled_ones() -> None:
    with pytest.raises(QuestionnaireError, match="after-sales, onsite-observation, servqual"):
        load_template("nope")
