"""A small evaluator of the policy grammar our documents use (enough to test them; moto has none).

Supports Effect, Action/NotAction with * and ? wildcards (case-insensitive, as IAM),
Resource/NotResource with * and ? (case-sensitive) and the ${aws:username} policy variable taken
from the request context, and the condition operators Bool, ArnLike, ArnEquals, StringLike and
StringEquals (each also as ...IfExists) and NumericLessThan/NumericGreaterThan; operators and keys in one Condition block are ANDed, values of one key ORed, as IAM documents.
`decide` gives a principal's decision over its identity policies and permissions boundary
(Deny over Allow; the boundary only narrows), the answer of the realism layer's
SimulatePrincipalPolicy.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A document's statements (IAM allows a single statement object too)."""
    found = document.get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def _action_matches(patterns: list[str], action: str) -> bool:
    return any(fnmatchcase(action.lower(), p.lower()) for p in patterns)


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, Any]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if key not in context or context[key] is None:
        # ...IfExists: a missing key makes the condition true; otherwise false.
        return if_exists
    actual = context[key]
    values = _list(expected)
    if base == "Bool":
        return str(actual).lower() in {str(v).lower() for v in values}
    if base in {"ArnLike", "StringLike"}:
        return any(fnmatchcase(str(actual), v) for v in values)
    if base in {"ArnEquals", "StringEquals"}:
        return str(actual) in {str(v) for v in values}
    if base in {"NumericLessThan", "NumericGreaterThan"}:
        less = base == "NumericLessThan"
        return any(
            (float(actual) < float(v)) if less else (float(actual) > float(v)) for v in values
        )
    raise NotImplementedError(operator)


def _resource_matches(patterns: list[str], resource: str, context: dict[str, Any]) -> bool:
    def expand(pattern: str) -> str | None:
        if "${aws:username}" in pattern:
            if "aws:username" not in context:
                return None  # an unresolvable variable matches nothing, as in IAM
            pattern = pattern.replace("${aws:username}", str(context["aws:username"]))
        return pattern

    expanded = [e for e in (expand(p) for p in patterns) if e is not None]
    return any(fnmatchcase(resource, p) for p in expanded)


def statement_applies(
    statement: dict[str, Any], action: str, context: dict[str, Any], resource: str = "*"
) -> bool:
    """Whether the statement matches this request on `resource` (its Effect then decides)."""
    if "Action" in statement and not _action_matches(_list(statement["Action"]), action):
        return False
    if "NotAction" in statement and _action_matches(_list(statement["NotAction"]), action):
        return False
    if "Resource" in statement and not _resource_matches(
        _list(statement["Resource"]), resource, context
    ):
        return False
    if "NotResource" in statement and _resource_matches(
        _list(statement["NotResource"]), resource, context
    ):
        return False
    for operator, pairs in statement.get("Condition", {}).items():
        for key, expected in pairs.items():
            if not _condition_holds(operator, key, expected, context):
                return False
    return True


def denied(
    document: dict[str, Any], action: str, context: dict[str, Any], resource: str = "*"
) -> bool:
    """True when an explicit Deny in the document matches the request."""
    return any(
        s["Effect"] == "Deny" and statement_applies(s, action, context, resource)
        for s in statements(document)
    )


def allowed_by(
    document: dict[str, Any], action: str, context: dict[str, Any], resource: str = "*"
) -> bool:
    """True when an Allow matches and no Deny does."""
    if denied(document, action, context, resource):
        return False
    return any(
        s["Effect"] == "Allow" and statement_applies(s, action, context, resource)
        for s in statements(document)
    )


def decide(
    identity: list[dict[str, Any]],
    boundaries: list[dict[str, Any]],
    action: str,
    context: dict[str, Any],
    resource: str = "*",
) -> str:
    """IAM's decision for one principal, as SimulatePrincipalPolicy names it: "explicitDeny"
    when any policy (identity or boundary) denies; "allowed" when an identity policy allows and,
    with a permissions boundary, the boundary allows too; else "implicitDeny"."""
    every = [*identity, *boundaries]
    if any(denied(d, action, context, resource) for d in every):
        return "explicitDeny"
    allows = any(
        s["Effect"] == "Allow" and statement_applies(s, action, context, resource)
        for d in identity
        for s in statements(d)
    )
    bounded = not boundaries or any(
        s["Effect"] == "Allow" and statement_applies(s, action, context, resource)
        for d in boundaries
        for s in statements(d)
    )
    return "allowed" if allows and bounded else "implicitDeny"
