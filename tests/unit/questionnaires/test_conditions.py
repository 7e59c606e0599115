"""The show_if language: what it accepts, rejects, prints and how it evaluates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questionnaires.conditions import (
    ConditionSyntaxError,
    evaluate,
    normalize_condition,
    parse_condition,
    referenced_codes,
)
from questionnaires.relevant import relevant_to_show_if, show_if_to_relevant


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("att1 >= 4", "att1 >= 4"),
        ("q2=='yes' and q3 in ['a',\"b\"]", "q2 == 'yes' and q3 in ['a', 'b']"),
        ("not (a == 1 or b != 2)", "not (a == 1 or b != 2)"),
        ("a == 1 and (b < 2 or c > 3)", "a == 1 and (b < 2 or c > 3)"),
        ("(a <= 1 and b >= 2) or c == 3", "a <= 1 and b >= 2 or c == 3"),
        ("x not in [1, 2]", "x not in [1, 2]"),
        ("not x in [1, 2]", "x not in [1, 2]"),
        ("score == -1.5", "score == -1.5"),
        ('q == "it\'s"', 'q == "it\'s"'),
    ],
)
def test_accepts_and_prints_canonically(text: str, canonical: str) -> None:
    assert normalize_condition(text) == canonical
    assert normalize_condition(canonical) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the condition is empty"),
        ("att1 >", "expected a number or a quoted text but found the end"),
        ("and == 1", "expected a question code but found 'and'"),
        ("__import__('os').system('x')", "unexpected character '.' at position 17"),
        ("a = 1", "unexpected character '='"),
        ("a == 1 b == 2", "expected 'and', 'or' or the end"),
        ("1 == a", "expected a question code but found '1'"),
        ("a in []", "expected a number or a quoted text but found ']'"),
        ("(a == 1", "expected ')'"),
        ("a == b", "expected a number or a quoted text but found 'b'"),
        ("a.b == 1", "unexpected character '.'"),
    ],
)
def test_rejects_with_a_helpful_message(text: str, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(text)
    assert str(caught.value).startswith(message)


def test_evaluation_and_missing_answers() -> None:
    condition = parse_condition("q2 == 'yes' and (att1 >= 4 or q3 in ['a', 'b'])")
    assert referenced_codes(condition) == ("q2", "att1", "q3")
    assert evaluate(condition, {"q2": "yes", "att1": 5})
    assert evaluate(condition, {"q2": "yes", "att1": 2, "q3": "b"})
    assert not evaluate(condition, {"q2": "yes", "att1": 2, "q3": "c"})
    assert not evaluate(condition, {"att1": 5})  # unanswered q2
    assert not evaluate(parse_condition("att1 >= 4"), {"att1": "5"})  # wrong kind never matches
    assert evaluate(parse_condition("att1 != 'x'"), {"att1": 5})
    assert evaluate(parse_condition("x not in [1]"), {})


@pytest.mark.parametrize(
    ("show_if", "relevant"),
    [
        ("att1 >= 4", "${att1} >= 4"),
        ("q2 == 'yes' and q3 in ['a', 'b']", "${q2} = 'yes' and selected('a b', ${q3})"),
        ("not (att1 == 1 or q2 != 'no')", "not(${att1} = 1 or ${q2} != 'no')"),
        ("att1 not in [1, 2]", "not(selected('1 2', ${att1}))"),
    ],
)
def test_relevant_round_trip(show_if: str, relevant: str) -> None:
    types = {"att1": "likert", "q2": "yes_no", "q3": "single_choice"}
    assert show_if_to_relevant(show_if) == relevant
    assert relevant_to_show_if(relevant, types) == show_if  # type: ignore[arg-type]


def test_relevant_written_by_hand() -> None:
    types = {"att1": "likert", "q3": "single_choice"}
    hand = "selected(${q3}, '2') and ${att1} >= '4' or 3 < ${att1}"
    assert relevant_to_show_if(hand, types) == "q3 == '2' and att1 >= 4 or att1 > 3"  # type: ignore[arg-type]
    with pytest.raises(ConditionSyntaxError):
        relevant_to_show_if("string-length(${q3}) > 0", types)  # type: ignore[arg-type]


codes = st.sampled_from(["a", "b1", "q_3"])
literals = st.one_of(
    st.integers(-5, 20), st.sampled_from(["yes", "no", "x y", "it's"]), st.just(2.5)
)
comparisons = st.one_of(
    st.builds(
        lambda c, o, v: f"{c} {o} {v!r}", codes, st.sampled_from(["==", "!=", "<", ">="]), literals
    ),
    st.builds(
        lambda c, vs: f"{c} in [{', '.join(map(repr, vs))}]",
        codes,
        st.lists(literals, min_size=1, max_size=3),
    ),
)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=6,
)


@given(conditions)
def test_normalizing_is_idempotent_and_keeps_meaning(text: str) -> None:
    canonical = normalize_condition(text)
    assert normalize_condition(canonical) == canonical
    answers = {"a": 3, "b1": "yes", "q_3": 2.5}
    assert evaluate(parse_condition(canonical), answers) == evaluate(parse_condition(text), answers)
