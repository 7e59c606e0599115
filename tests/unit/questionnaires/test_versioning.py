"""diff between versions, and when scores stay comparable."""

from __future__ import annotations

from typing import Any

from questionnaires import diff, from_dict
from questionnaires.versioning import Moved, Rescaled, Reworded
from tests.unit.questionnaires.helpers import likert, minimal


def _pair(change: Any) -> tuple[Any, Any]:
    old = minimal()
    new = minimal()
    new["version"] = 2
    change(new)
    return from_dict(old), from_dict(new)


def test_identical_versions_are_comparable() -> None:
    result = diff(*_pair(lambda d: None))
    assert result.comparable
    assert not result.changed
    assert result.reasons == ()


def test_rewording_is_a_warning_only() -> None:
    result = diff(*_pair(lambda d: d["dimensions"][0]["items"][0]["text"].update(en="New words")))
    assert result.reworded == (Reworded("a1", ("en",)),)
    assert result.comparable
    assert "a1 was reworded (en)" in result.warnings[0]


def test_rescaled_item_breaks_comparability() -> None:
    seven = {"points": 7, "labels": {"zh": list("1234567"), "en": list("1234567")}}
    result = diff(*_pair(lambda d: d["dimensions"][0]["items"][1].update(scale=seven)))
    assert result.rescaled == (Rescaled("a2", 5, 7),)
    assert not result.comparable
    assert result.reasons == ("item a2 changed from 5 to 7 points",)


def test_reverse_flip_and_move_break_comparability() -> None:
    def change(d: dict[str, Any]) -> None:
        d["dimensions"][0]["items"][2]["reverse"] = False
        d["dimensions"][1]["items"].append(d["dimensions"][0]["items"].pop(0))

    result = diff(*_pair(change))
    assert result.reverse_flipped == ("a3",)
    assert result.moved == (Moved("a1", "attitude", "speed"),)
    assert len(result.reasons) == 2
    assert not result.comparable


def test_added_and_removed_items_and_dimensions() -> None:
    def change(d: dict[str, Any]) -> None:
        d["dimensions"][1]["items"].pop()
        d["dimensions"].append(
            {
                "code": "env",
                "name": {"zh": "环境", "en": "Env"},
                "items": [likert("e1"), likert("e2")],
            }
        )
        d["general_items"].pop()

    result = diff(*_pair(change))
    assert result.items_added == ("e1", "e2")
    assert result.items_removed == ("s2", "comment")
    assert result.dimensions_added == ("env",)
    assert result.dimensions_removed == ()
    assert "scored item s2 was removed from dimension speed" in result.reasons
    assert "dimension env was added" in result.reasons


def test_changes_to_general_items_keep_comparability() -> None:
    def change(d: dict[str, Any]) -> None:
        d["general_items"].pop()
        d["general_items"].append(likert("overall"))

    result = diff(*_pair(change))
    assert result.comparable
    assert result.items_added == ("overall",)
