"""A small evaluator of the CloudWatch Logs JSON filter-pattern syntax our patterns use.

Grammar: '{' expr '}' where expr joins comparisons with && and || (&& binds tighter, parentheses
group), and a comparison is `$.a.b op value` with op '=' or '!=', value a "quoted string" or a bare
word, '*' a wildcard; `$.a NOT EXISTS` / `$.a EXISTS` test for a property. String comparison is exact and case-sensitive. A comparison on a property the
event does not have does not match, for '=' and '!=' alike (the documented behaviour is to match
only properties that exist; IS NULL / NOT EXISTS are the ways to test for absence).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

TOKEN = re.compile(r'\s*(\{|\}|\(|\)|&&|\|\||!=|=|"(?:[^"\\]|\\.)*"|\$[\w.\[\]]+|[^\s(){}=!&|"]+)')
_MISSING = object()


def tokenize(pattern: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(pattern):
        if pattern[pos:].strip() == "":
            break
        match = TOKEN.match(pattern, pos)
        if not match:
            raise ValueError(f"cannot parse the pattern at {pattern[pos : pos + 20]!r}")
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def lookup(event: dict[str, Any], selector: str) -> Any:
    value: Any = event
    for part in selector[2:].split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


class Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.i]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, found {token!r}")
        self.i += 1
        return token

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self):  # noqa: ANN201
        self.take("{")
        node = self.disjunction()
        self.take("}")
        if self.peek() is not None:
            raise ValueError("trailing tokens")
        return node

    def disjunction(self):  # noqa: ANN201
        nodes = [self.conjunction()]
        while self.peek() == "||":
            self.take()
            nodes.append(self.conjunction())
        return ("or", nodes) if len(nodes) > 1 else nodes[0]

    def conjunction(self):  # noqa: ANN201
        nodes = [self.atom()]
        while self.peek() == "&&":
            self.take()
            nodes.append(self.atom())
        return ("and", nodes) if len(nodes) > 1 else nodes[0]

    def atom(self):  # noqa: ANN201
        if self.peek() == "(":
            self.take("(")
            node = self.disjunction()
            self.take(")")
            return node
        selector = self.take()
        if not selector.startswith("$."):
            raise ValueError(f"expected a $.selector, found {selector!r}")
        op = self.take()
        if op == "NOT" and self.peek() == "EXISTS":
            self.take("EXISTS")
            return ("absent", selector)
        if op == "EXISTS":
            return ("present", selector)
        if op not in {"=", "!="}:
            raise ValueError(f"unsupported operator {op!r}")
        value = self.take()
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        return ("cmp", selector, op, value)


def evaluate(node, event: dict[str, Any]) -> bool:  # noqa: ANN001
    kind = node[0]
    if kind == "and":
        return all(evaluate(n, event) for n in node[1])
    if kind == "or":
        return any(evaluate(n, event) for n in node[1])
    if kind in {"absent", "present"}:
        return (lookup(event, node[1]) is _MISSING) == (kind == "absent")
    _, selector, op, expected = node
    actual = lookup(event, selector)
    if actual is _MISSING:
        return False
    text = (
        "null"
        if actual is None
        else str(actual).lower()
        if isinstance(actual, bool)
        else str(actual)
    )
    equal = fnmatchcase(text, expected) if "*" in expected else text == expected
    return equal if op == "=" else not equal


def matches(pattern: str, event: dict[str, Any]) -> bool:
    """Whether the filter pattern matches the (parsed JSON) log event."""
    return evaluate(Parser(tokenize(pattern)).parse(), event)
