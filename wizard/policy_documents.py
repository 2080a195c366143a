"""AWS's documented "manage your own credentials, deny everything else without MFA" policy: the
document as shipped in assets/policies (made partition-aware), its canonical form, diffs, and the
plain-language reading of what it allows.

moto evaluates no policy condition, so what this module promises about the documents is tested
against the documented statements and the suite's evaluator, not against moto.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from wizard import asset
from wizard.errors import WizardError
from wizard.i18n import N_, _
from wizard.partition import in_partition

POLICY_FILE = "require-mfa.json"

SELF = "user/${aws:username}"
# Users with a path (user/engineering/alice) match neither AWS's documented `user/${aws:username}`
# nor anything else in the document: without this they could not manage their own credentials.
SELF_WITH_PATH = "user/*/${aws:username}"


def load_document(name: str = POLICY_FILE, partition: str = "aws") -> dict[str, Any]:
    """A policy document from assets/policies, for `partition` (aws, aws-cn, aws-us-gov).

    The assets hold AWS's documented text (in the aws partition); every ARN is rewritten for the
    partition, and each self-service `user/${aws:username}` also gets `user/*/${aws:username}`.
    """
    path = asset("policies", name)
    try:
        text = in_partition(path.read_text(encoding="utf-8"), partition)
        document = json.loads(text)
    except (OSError, ValueError) as exc:
        raise WizardError(
            _("the policy file {path} could not be read ({name})").format(
                path=path, name=type(exc).__name__
            ),
            _("reinstall mfa-wizard; the file ships with it"),
        ) from None
    for statement in document.get("Statement", []):
        resources = statement.get("Resource")
        own = f"arn:{partition}:iam::*:{SELF}"
        if resources == own or (isinstance(resources, list) and own in resources):
            listed = [resources] if isinstance(resources, str) else list(resources)
            statement["Resource"] = [*listed, f"arn:{partition}:iam::*:{SELF_WITH_PATH}"]
    return document


def canonical(document: dict[str, Any] | str) -> str:
    """A stable text form for comparing documents (key order and spacing ignored)."""
    if isinstance(document, str):
        document = json.loads(document)
    return json.dumps(document, sort_keys=True, indent=2)


def document_diff(
    old: dict[str, Any], new: dict[str, Any], old_name: str = N_("current default version")
) -> list[str]:
    """Unified diff lines between two documents (empty when they mean the same)."""
    return list(
        difflib.unified_diff(
            canonical(old).splitlines(),
            canonical(new).splitlines(),
            _(old_name),
            _("mfa-wizard's version"),
            lineterm="",
        )
    )


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


SID_WORDS = {
    "AllowViewAccountInfo": N_("see the account's password policy and MFA devices"),
    "AllowManageOwnPasswords": N_("change their own password"),
    "AllowManageOwnAccessKeys": N_("create, rotate and delete their own access keys"),
    "AllowManageOwnSigningCertificates": N_("manage their own signing certificates"),
    "AllowManageOwnSSHPublicKeys": N_("manage their own SSH public keys (CodeCommit)"),
    "AllowManageOwnGitCredentials": N_("manage their own Git credentials (CodeCommit)"),
    "AllowManageOwnVirtualMFADevice": N_("create a virtual MFA device"),
    "AllowManageOwnUserMFA": N_("enable, resync, list and deactivate their own MFA devices"),
}


def describe_policy(document: dict[str, Any]) -> list[str]:
    """The policy in plain words, one line per statement."""
    lines = [_("Every user in the group may:")]
    for statement in document.get("Statement", []):
        sid = statement.get("Sid", "")
        if statement.get("Effect") == "Allow":
            words = SID_WORDS.get(sid)
            lines.append(
                "  • " + (_(words) if words else ", ".join(_as_list(statement.get("Action"))))
            )
    for statement in document.get("Statement", []):
        if statement.get("Effect") == "Deny" and "NotAction" in statement:
            allowed = ", ".join(a.split(":", 1)[1] for a in _as_list(statement["NotAction"]))
            lines.append(_("Without MFA in the session, everything else is denied, except:"))
            lines.append(f"  {allowed}")
            condition = statement.get("Condition", {})
            for operator, pairs in condition.items():
                for key, value in pairs.items():
                    lines.append(
                        _("  (condition: {operator} {key} = {value})").format(
                            operator=operator, key=key, value=value
                        )
                    )
    lines.append(_("CLI and SDK calls need an MFA session (mfa-session / sts get-session-token)."))
    return lines
