"""Translate ``show_if`` conditions to and from XLSForm ``relevant`` expressions (XPath).

==============================  =====================================
show_if                         relevant
==============================  =====================================
``att1 >= 4``                   ``${att1} >= 4``
``q2 == 'yes'``                 ``${q2} = 'yes'``
``q3 in ['a', 'b']``            ``selected('a b', ${q3})``
``not q1 == 1``                 ``not(${q1} = 1)``
==============================  =====================================

On import ``selected(${q}, 'a')`` (the usual select_one idiom) becomes ``q == 'a'``, and
literals take the type of the question they compare with (``'4'`` for a Likert item is 4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from questionnaires.conditions import (
    And,
    Compare,
    Condition,
    ConditionSyntaxError,
    InList,
    Not,
    Operator,
    Or,
    Value,
    parse_condition,
    render_condition,
)
from questionnaires.model import ItemType

_NUMERIC_TYPES = ("likert", "nps")


def _xpath_literal(value: Value) -> str:
    if isinstance(value, str):
        return f'"{value}"' if "'" in value else f"'{value}'"
    return repr(value)


def _to_xpath(node: Condition) -> str:
    if isinstance(node, Compare):
        op = "=" if node.op == "==" else node.op
        return f"${{{node.code}}} {op} {_xpath_literal(node.value)}"
    if isinstance(node, InList):
        words = [str(v) for v in node.values]
        if all(w and not re.search(r"[\s'\"]", w) for w in words):
            return f"selected('{' '.join(words)}', ${{{node.code}}})"
        return "(" + " or ".join(_to_xpath(Compare(node.code, "==", v)) for v in node.values) + ")"
    if isinstance(node, Not):
        return f"not({_to_xpath(node.operand)})"
    joiner = " and " if isinstance(node, And) else " or "
    return joiner.join(
        f"({_to_xpath(p)})" if isinstance(node, And) and isinstance(p, Or) else _to_xpath(p)
        for p in node.operands
    )


def show_if_to_relevant(show_if: str) -> str:
    return _to_xpath(parse_condition(show_if))


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_]*\})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)
_FLIPPED: dict[str, Operator] = {"=": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SAME: dict[str, Operator] = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _XPathReader:
    def __init__(self, text: str, types: Mapping[str, ItemType]) -> None:
        self.types = types
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while text[pos:].strip():
            match = _TOKEN.match(text, pos)
            if match is None or match.lastgroup is None:
                raise ConditionSyntaxError(
                    f"cannot read {text[pos:].strip()[:20]!r}; supported: ${{q}} = 'a', "
                    "${q} >= 4, selected(...), and, or, not(...)"
                )
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            pos = match.end()
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str | None:
        token = self.peek()
        if token and token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return token[1]
        return None

    def need(self, kind: str, value: str | None, expected: str) -> str:
        found = self.take(kind, value)
        if found is None:
            token = self.peek()
            raise ConditionSyntaxError(
                f"expected {expected} but found {token[1] if token else 'the end'!r}"
            )
        return found

    def read(self) -> Condition:
        node = self.or_expr()
        if self.peek() is not None:
            raise ConditionSyntaxError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def or_expr(self) -> Condition:
        parts = [self.and_expr()]
        while self.take("name", "or"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Condition:
        parts = [self.unary()]
        while self.take("name", "and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Condition:
        if self.take("name", "not"):
            self.need("punct", "(", "'(' after not")
            node = self.or_expr()
            self.need("punct", ")", "')'")
            return Not(node)
        if self.take("name", "selected"):
            return self.selected()
        if self.take("punct", "("):
            node = self.or_expr()
            self.need("punct", ")", "')'")
            return node
        return self.comparison()

    def operand(self) -> tuple[str, str]:
        token = self.peek()
        if token is None or token[0] not in ("ref", "number", "string"):
            raise ConditionSyntaxError(
                f"expected ${{question}}, a number or a quoted text but found "
                f"{token[1] if token else 'the end'!r}"
            )
        self.pos += 1
        return token

    def comparison(self) -> Condition:
        left = self.operand()
        op = self.need("op", None, "a comparison operator (= != < <= > >=)")
        right = self.operand()
        if left[0] == "ref" and right[0] != "ref":
            code = left[1][2:-1]
            return Compare(code, _SAME[op], self.literal(code, right))
        if right[0] == "ref" and left[0] != "ref":
            code = right[1][2:-1]
            return Compare(code, _FLIPPED[op], self.literal(code, left))
        raise ConditionSyntaxError("compare one ${question} with a number or a quoted text")

    def selected(self) -> Condition:
        self.need("punct", "(", "'(' after selected")
        first = self.operand()
        self.need("punct", ",", "','")
        second = self.operand()
        self.need("punct", ")", "')'")
        if first[0] == "ref" and second[0] == "string":
            code = first[1][2:-1]
            return Compare(code, "==", self.literal(code, second))
        if second[0] == "ref" and first[0] == "string":
            code = second[1][2:-1]
            words = first[1][1:-1].split()
            return InList(code, tuple(self.literal(code, ("string", f"'{w}'")) for w in words))
        raise ConditionSyntaxError("write selected(${question}, 'code')")

    def literal(self, code: str, token: tuple[str, str]) -> Value:
        kind, raw = token
        text = raw[1:-1] if kind == "string" else raw
        if self.types.get(code) in _NUMERIC_TYPES:
            if re.fullmatch(r"-?\d+", text):
                return int(text)
            if re.fullmatch(r"-?\d+\.\d+", text):
                return float(text)
        elif kind == "number" and code in self.types:
            return text  # choice codes are texts even when they look like numbers
        if kind == "number":
            return float(text) if "." in text else int(text)
        return text


def relevant_to_show_if(relevant: str, types: Mapping[str, ItemType]) -> str:
    """Our canonical ``show_if`` for an XLSForm ``relevant`` (``types``: earlier questions)."""
    return render_condition(_XPathReader(relevant, types).read())
