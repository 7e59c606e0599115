"""The ``show_if`` skip-logic language: a tiny parser, a canonical printer and an evaluator.

Grammar (Python-like, nothing is ever ``eval``-ed)::

    condition  := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" condition ")" | comparison
    comparison := CODE ("==" | "!=" | "<" | "<=" | ">" | ">=") LITERAL
                | CODE ["not"] "in" "[" LITERAL ("," LITERAL)* "]"
    LITERAL    := integer | decimal | 'single-quoted' | "double-quoted"

A question that was not answered (or was skipped) makes every comparison on it false.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from questionnaires.errors import QuestionnaireError
from questionnaires.messages import Param, render

Operator = Literal["==", "!=", "<", "<=", ">", ">="]
Value: TypeAlias = int | float | str
KEYWORDS = frozenset({"and", "or", "not", "in"})
CODE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConditionSyntaxError(QuestionnaireError):
    """A ``show_if`` text that is not a condition of the documented language.

    ``code`` and ``params`` name the message of :mod:`questionnaires.messages` (empty for the
    XLSForm ``relevant`` translator's messages)."""

    def __init__(self, message: str, code: str = "", params: Mapping[str, Param] | None = None):
        super().__init__(message)
        self.code = code
        self.params: dict[str, Param] = dict(params or {})

    @classmethod
    def of(cls, message_id: str, /, **params: Param) -> ConditionSyntaxError:
        return cls(render(message_id, params), message_id, params)


@dataclass(frozen=True, slots=True)
class Compare:
    code: str
    op: Operator
    value: Value


@dataclass(frozen=True, slots=True)
class InList:
    code: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Condition, ...]


Condition: TypeAlias = Compare | InList | Not | And | Or

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op>==|!=|<=|>=|<|>)
    | (?P<punct>[()\[\],])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            start = len(text) - len(text[pos:].lstrip())
            raise ConditionSyntaxError.of(
                "condition.unexpected_character", char=text[start], position=start + 1
            )
        kind = match.lastgroup
        tokens.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def fail(self, expected: str) -> ConditionSyntaxError:
        if self.pos < len(self.tokens):
            _, value, at = self.tokens[self.pos]
            return ConditionSyntaxError.of(
                "condition.expected", expected=expected, token=value, position=at + 1
            )
        return ConditionSyntaxError.of("condition.expected_at_end", expected=expected)

    def peek(self) -> tuple[str, str] | None:
        if self.pos < len(self.tokens):
            kind, value, _ = self.tokens[self.pos]
            return kind, value
        return None

    def accept(self, kind: str, value: str | None = None) -> str | None:
        token = self.peek()
        if token and token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return token[1]
        return None

    def expect(self, kind: str, value: str, expected: str) -> None:
        if self.accept(kind, value) is None:
            raise self.fail(expected)

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionSyntaxError.of("condition.empty")
        node = self.or_expr()
        if self.pos != len(self.tokens):
            raise self.fail("'and', 'or' or the end of the condition")
        return node

    def or_expr(self) -> Condition:
        parts = [self.and_expr()]
        while self.accept("name", "or"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Condition:
        parts = [self.not_expr()]
        while self.accept("name", "and"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_expr(self) -> Condition:
        if self.accept("name", "not"):
            return Not(self.not_expr())
        if self.accept("punct", "("):
            node = self.or_expr()
            self.expect("punct", ")", "')'")
            return node
        return self.comparison()

    def comparison(self) -> Condition:
        code = self.accept("name")
        if code is None or code in KEYWORDS:
            if code is not None:
                self.pos -= 1
            raise self.fail("a question code")
        op = self.accept("op")
        if op is not None:
            return Compare(code, op, self.literal())  # type: ignore[arg-type]
        negated = self.accept("name", "not") is not None
        if self.accept("name", "in") is None:
            raise self.fail("a comparison operator (== != < <= > >=) or 'in'")
        self.expect("punct", "[", "'[' opening the list of values")
        values = [self.literal()]
        while self.accept("punct", ","):
            values.append(self.literal())
        self.expect("punct", "]", "',' or ']'")
        node = InList(code, tuple(values))
        return Not(node) if negated else node

    def literal(self) -> Value:
        token = self.peek()
        if token is None or token[0] not in ("number", "string"):
            raise self.fail("a number or a quoted text")
        self.pos += 1
        kind, raw = token
        if kind == "string":
            return raw[1:-1]
        return float(raw) if "." in raw else int(raw)


def parse_condition(text: str) -> Condition:
    """Parse a ``show_if`` text; raises :class:`ConditionSyntaxError` saying what was expected."""
    return _Parser(text).parse()


def render_literal(value: Value) -> str:
    if isinstance(value, str):
        return f'"{value}"' if "'" in value else f"'{value}'"
    return repr(value)


def render_condition(node: Condition) -> str:
    """The canonical text of a condition: parsing it again gives the same tree."""
    if isinstance(node, Compare):
        return f"{node.code} {node.op} {render_literal(node.value)}"
    if isinstance(node, InList):
        return f"{node.code} in [{', '.join(render_literal(v) for v in node.values)}]"
    if isinstance(node, Not):
        inner = node.operand
        if isinstance(inner, InList):
            return render_condition(inner).replace(" in [", " not in [", 1)
        text = render_condition(inner)
        return f"not ({text})" if isinstance(inner, And | Or) else f"not {text}"
    joiner = " and " if isinstance(node, And) else " or "
    # ``and`` binds tighter than ``or``, so only an ``or`` inside an ``and`` needs parentheses.
    parts = [
        f"({render_condition(p)})"
        if isinstance(node, And) and isinstance(p, Or)
        else render_condition(p)
        for p in node.operands
    ]
    return joiner.join(parts)


def normalize_condition(text: str) -> str:
    return render_condition(parse_condition(text))


def referenced_codes(node: Condition) -> tuple[str, ...]:
    """Question codes the condition reads, in order of first appearance."""
    if isinstance(node, Compare | InList):
        return (node.code,)
    if isinstance(node, Not):
        return referenced_codes(node.operand)
    seen: dict[str, None] = {}
    for part in node.operands:
        seen.update(dict.fromkeys(referenced_codes(part)))
    return tuple(seen)


def comparisons(node: Condition) -> tuple[Compare | InList, ...]:
    if isinstance(node, Compare | InList):
        return (node,)
    if isinstance(node, Not):
        return comparisons(node.operand)
    return tuple(c for part in node.operands for c in comparisons(part))


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _compare(answer: object, op: Operator, value: Value) -> bool:
    both_text = isinstance(answer, str) and isinstance(value, str)
    both_numbers = (
        isinstance(answer, int | float)
        and not isinstance(answer, bool)
        and not isinstance(value, str)
    )
    if not (both_text or both_numbers):
        # An answer of one kind never equals a literal of the other; order is undefined.
        return op == "!="
    return bool(_OPERATORS[op](answer, value))


def evaluate(node: Condition, answers: Mapping[str, object]) -> bool:
    """Whether the condition holds (an unanswered question makes its comparisons false)."""
    if isinstance(node, Compare):
        answer = answers.get(node.code)
        if answer is None:
            return False
        return _compare(answer, node.op, node.value)
    if isinstance(node, InList):
        answer = answers.get(node.code)
        return answer is not None and any(_compare(answer, "==", v) for v in node.values)
    if isinstance(node, Not):
        return not evaluate(node.operand, answers)
    if isinstance(node, And):
        return all(evaluate(p, answers) for p in node.operands)
    return any(evaluate(p, answers) for p in node.operands)
