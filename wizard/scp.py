"""The organization-wide SCP: IAM users without MFA are denied everything but enrolment, in every
member account (management account: AWS does not apply SCPs to it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from wizard.aws import Services
from wizard.errors import UsageError, aws_errors
from wizard.i18n import N_, _
from wizard.journal import record
from wizard.organization import management_organization
from wizard.partition import partition_of_arn
from wizard.policy_documents import document_diff, load_document


def _organizations(services: Services) -> Any:
    return services.client("organizations")


def check_scp_allowed(services: Services) -> str:
    """The root id when the caller is in the management account with SCPs enabled; else a clear error."""
    org = _organizations(services)
    management_organization(
        services,
        outside=_("use the IAM policy (mfa-wizard enforce) instead"),
        member=_("run `mfa-wizard scp --apply` with management-account credentials"),
    )
    with aws_errors("ListRoots"):
        root = org.list_roots()["Roots"][0]
    enabled = any(
        t["Type"] == "SERVICE_CONTROL_POLICY" and t["Status"] == "ENABLED"
        for t in root.get("PolicyTypes", [])
    )
    if not enabled:
        raise UsageError(
            _("service control policies are not enabled in this organization"),
            _(
                "enable them first: aws organizations enable-policy-type --root-id {root} "
                "--policy-type SERVICE_CONTROL_POLICY"
            ).format(root=root["Id"]),
        )
    return root["Id"]


SCP_FILE = "scp-require-mfa-iam-users.json"


SCP_NAME = "RequireMFAForIAMUsers"


def scp_document(partition: str = "aws") -> dict[str, Any]:
    """The organization-wide SCP: IAM-user principals only, enrollment calls exempt."""
    return load_document(SCP_FILE, partition=partition)


def scp_explanation(partition: str = "aws") -> list[str]:
    """Why the SCP is shaped the way it is."""
    return [
        _("Denies IAM users (aws:PrincipalArn like {arn}) everything without MFA,").format(
            arn=f"arn:{partition}:iam::*:user/*"
        ),
        _("except enrolling and using MFA (the same calls the IAM policy exempts)."),
        _("Role sessions never match, so services and federated/SSO users keep working."),
        _("SCPs do not apply to the management account itself."),
    ]


@dataclass
class ScpPlan:
    """What `scp --apply` would do."""

    policy_id: str | None
    target: str
    attached: bool
    document: dict[str, Any]
    # An existing policy with the wizard's name whose content differs: the unified diff from
    # its content to the wizard's, its content (kept for undo), and every target it is on.
    diff: list[str] = field(default_factory=list)
    current: str = ""
    targets: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.diff)

    def difference(self) -> str:
        """The difference in a few words, for the confirmation that names it."""
        removed = sum(
            1 for line in self.diff if line.startswith("-") and not line.startswith("---")
        )
        added = sum(1 for line in self.diff if line.startswith("+") and not line.startswith("+++"))
        on = ", ".join(self.targets) or _("no target")
        return _(
            "its content differs from the wizard's ({removed} line(s) removed, {added} added, "
            "shown above), and it is attached to {targets}"
        ).format(removed=removed, added=added, targets=on)


def plan_scp(services: Services, target: str) -> ScpPlan:
    """Find an existing mfa-wizard SCP by name, read its content and its targets: the same
    content is reused, a different one is shown as a diff (never replaced without asking)."""
    check_scp_allowed(services)
    org = _organizations(services)
    with aws_errors("ListPolicies"):
        policies = [
            p
            for page in org.get_paginator("list_policies").paginate(Filter="SERVICE_CONTROL_POLICY")
            for p in page["Policies"]
            if p["Name"] == SCP_NAME
        ]
    policy_id = policies[0]["Id"] if policies else None
    attached = False
    targets: list[str] = []
    document = scp_document(partition_of_arn(services.identity().arn))
    diff: list[str] = []
    current = ""
    if policy_id:
        with aws_errors("ListTargetsForPolicy"):
            targets = [
                t["TargetId"]
                for page in org.get_paginator("list_targets_for_policy").paginate(
                    PolicyId=policy_id
                )
                for t in page["Targets"]
            ]
        attached = target in targets
        with aws_errors("DescribePolicy"):
            current = org.describe_policy(PolicyId=policy_id)["Policy"]["Content"]
        try:
            diff = document_diff(json.loads(current), document, N_("its current content"))
        except ValueError:
            diff = [
                "--- " + _("its current content (not JSON)"),
                "+++ " + _("mfa-wizard's version"),
            ]
    return ScpPlan(
        policy_id=policy_id,
        target=target,
        attached=attached,
        document=document,
        diff=diff,
        current=current,
        targets=targets,
    )


def apply_scp(services: Services, plan: ScpPlan, replace: bool = False) -> list[str]:
    """Create (if needed) and attach the SCP; journaled, undo detaches it. An existing policy of
    that name whose content differs is replaced only with `replace` (the caller asked, naming
    the difference); undo puts its old content back."""
    org = _organizations(services)
    done = []
    policy_id = plan.policy_id
    if policy_id and plan.differs:
        if not replace:
            raise UsageError(
                _("the existing SCP {name} ({id}) differs from the wizard's: {difference}").format(
                    name=SCP_NAME, id=policy_id, difference=plan.difference()
                ),
                _(
                    "read the diff; pass --replace-existing to put the wizard's content in it (undo "
                    "puts the old content back), or rename or delete that policy first"
                ),
            )
        with aws_errors("UpdatePolicy"):
            org.update_policy(PolicyId=policy_id, Content=json.dumps(plan.document))
        record(
            services,
            "scp",
            "update_scp",
            policy_id,
            undo={"op": "restore_scp", "policy_id": policy_id, "content": plan.current},
        )
        done.append(
            _("replaced the content of SCP {name} ({id})").format(name=SCP_NAME, id=policy_id)
        )
    if policy_id is None:
        with aws_errors("CreatePolicy"):
            policy_id = org.create_policy(
                Content=json.dumps(plan.document),
                Description="Deny IAM users without MFA (mfa-wizard)",
                Name=SCP_NAME,
                Type="SERVICE_CONTROL_POLICY",
            )["Policy"]["PolicySummary"]["Id"]
        # Its own step: `enforce --undo` never reaches the organization's SCP (`undo --step scp`).
        record(services, "scp", "create_scp", policy_id)
        done.append(_("created SCP {name} ({id})").format(name=SCP_NAME, id=policy_id))
    if not plan.attached:
        with aws_errors("AttachPolicy"):
            org.attach_policy(PolicyId=policy_id, TargetId=plan.target)
        record(
            services,
            "scp",
            "attach_scp",
            f"{policy_id} -> {plan.target}",
            undo={"op": "detach_scp", "policy_id": policy_id, "target": plan.target},
        )
        done.append(_("attached {name} to {target}").format(name=SCP_NAME, target=plan.target))
    return done
