"""The fast canonical-JSON path writes exactly what rfc8785 writes (app.canonical)."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from app.canonical import canonical_json

# Keys and strings from the whole of Unicode (controls, quotes, backslashes, astral planes
# whose UTF-16 order differs from code point order) and integers on both sides of 2**53.
_text = st.text(st.characters(codec="utf-8"), max_size=8)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


def _rfc8785(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        return type(exc)


def _ours(value: Any) -> bytes | type[Exception]:
    try:
        return canonical_json(value)
    except rfc8785.CanonicalizationError as exc:
        return type(exc)


@settings(max_examples=500)
@given(_json)
def test_same_bytes_or_same_refusal_as_rfc8785(value: Any) -> None:
    assert _ours(value) == _rfc8785(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\ue000": 1, "\U0001f600": 2},  # UTF-16 puts the emoji first, code points do not
        {"a": 2**53 - 1, "b": -(2**53) + 1},
        {"t": '\x00\x1f\x7f"\\/\u2028\b\f\n\r\t'},
        {"n": 1.5e300, "z": -0.0},
        ["\ud800"],  # a lone surrogate: refused by both
        {"x": 2**53},  # beyond the safe range: refused by both
    ],
)
def test_edge_cases_agree(value: Any) -> None:
    assert _ours(value) == _rfc8785(value)


def test_the_hot_paths_values_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(value: Any) -> bytes:
        raise AssertionError("fell back to rfc8785")

    monkeypatch.setattr(rfc8785, "dumps", fail)
    answers = {"q1": 5, "q2": None, "comment": "很好", "nps": 9}
    entry = {"seq": 12, "at": "2026-11-22T10:00:00.000001+00:00", "details": {"answers": 4}}
    assert (
        canonical_json(answers)
        == b'{"comment":"\xe5\xbe\x88\xe5\xa5\xbd","nps":9,"q1":5,"q2":null}'
    )
    assert canonical_json(entry).startswith(b'{"at":"2026-11-22T10:00:00.000001+00:00"')
