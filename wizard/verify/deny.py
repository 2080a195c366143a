"""The narrow question answered from GetAccountAuthorizationDetails when AWS's simulator is not
there: does an explicit Deny apply to this request made without MFA?

Only what can be read for certain counts: a Deny statement whose Action/NotAction and
Resource/NotResource match, and whose every condition is one of the MFA conditions below. A
statement with any other condition (a region, an IP, a tag) is not counted, so a user it would
cover is reported as not proven enforced, never as enforced. Allows, permissions boundaries and
SCPs are not weighed here: that is the simulator's proof (iam:SimulatePrincipalPolicy).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote

MFA_PRESENT = "aws:multifactorauthpresent"
MFA_AGE = "aws:multifactorauthage"


def as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str | dict) else list(value)


def document(value: Any) -> dict[str, Any]:
    """A policy document as GetAccountAuthorizationDetails gives it (a dict, or URL-encoded
    JSON text from some endpoints)."""
    if isinstance(value, dict):
        return value
    import json

    text = str(value)
    return json.loads(text if text.lstrip().startswith("{") else unquote(text))


def _matches_action(patterns: list[str], action: str) -> bool:
    return any(fnmatchcase(action.lower(), str(p).lower()) for p in patterns)


def _matches_resource(patterns: list[str], resource: str, user: str) -> bool:
    expanded = [str(p).replace("${aws:username}", user) for p in patterns]
    return any(fnmatchcase(resource, p) for p in expanded)


def _condition(operator: str, key: str, expected: Any, mfa: bool | None) -> bool | None:
    """Whether one condition holds for a request with MFA `mfa` (None: the key is absent, as
    with long-term access keys); None when it is not an MFA condition we can read."""
    key = key.lower()
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    values = {str(v).lower() for v in as_list(expected)}
    if key == MFA_PRESENT and base == "Bool":
        if mfa is None:
            return if_exists
        return ("true" if mfa else "false") in values
    if key == MFA_AGE and base == "Null":
        # Null true: the age key is absent, which it is exactly when no MFA was used.
        absent = not mfa
        return ("true" in values) == absent
    if key == MFA_AGE and base in {"NumericGreaterThan", "NumericGreaterThanEquals"}:
        if not mfa:
            return if_exists
        return None  # depends on the session's age: not a question of "without MFA"
    return None


def applies(
    statement: dict[str, Any], action: str, resource: str, user: str, mfa: bool | None
) -> bool:
    """True when `statement` is a Deny that certainly applies to this request."""
    if statement.get("Effect") != "Deny":
        return False
    if "Action" in statement and not _matches_action(as_list(statement["Action"]), action):
        return False
    if "NotAction" in statement and _matches_action(as_list(statement["NotAction"]), action):
        return False
    if "Resource" in statement and not _matches_resource(
        as_list(statement["Resource"]), resource, user
    ):
        return False
    if "NotResource" in statement and _matches_resource(
        as_list(statement["NotResource"]), resource, user
    ):
        return False
    for operator, pairs in (statement.get("Condition") or {}).items():
        for key, expected in pairs.items():
            if _condition(operator, key, expected, mfa) is not True:
                return False
    return True


def explicitly_denied(
    documents: list[dict[str, Any]], action: str, resource: str, user: str, mfa: bool | None
) -> bool:
    """Whether any statement of `documents` certainly denies the request."""
    return any(
        applies(s, action, resource, user, mfa)
        for d in documents
        for s in as_list(d.get("Statement"))
    )
