"""The organization-wide SCP: IAM users without MFA are denied everything but enrolment, in every
member account (management account: AWS does not apply SCPs to it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wizard.aws import Services
from wizard.errors import UsageError, aws_errors
from wizard.journal import record
from wizard.organization import management_organization
from wizard.partition import partition_of_arn
from wizard.policy_documents import load_document


def _organizations(services: Services) -> Any:
    return services.client("organizations")


def check_scp_allowed(services: Services) -> str:
    """The root id when the caller is in the management account with SCPs enabled; else a clear error."""
    org = _organizations(services)
    management_organization(
        services,
        outside="use the IAM policy (mfa-wizard enforce) instead",
        member="run `mfa-wizard scp --apply` with management-account credentials",
    )
    with aws_errors("ListRoots"):
        root = org.list_roots()["Roots"][0]
    enabled = any(
        t["Type"] == "SERVICE_CONTROL_POLICY" and t["Status"] == "ENABLED"
        for t in root.get("PolicyTypes", [])
    )
    if not enabled:
        raise UsageError(
            "service control policies are not enabled in this organization",
            f"enable them first: aws organizations enable-policy-type --root-id {root['Id']} --policy-type SERVICE_CONTROL_POLICY",
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
        f"Denies IAM users (aws:PrincipalArn like arn:{partition}:iam::*:user/*) everything without MFA,",
        "except enrolling and using MFA (the same calls the IAM policy exempts).",
        "Role sessions never match, so services and federated/SSO users keep working.",
        "SCPs do not apply to the management account itself.",
    ]


@dataclass
class ScpPlan:
    """What `scp --apply` would do."""

    policy_id: str | None
    target: str
    attached: bool
    document: dict[str, Any]


def plan_scp(services: Services, target: str) -> ScpPlan:
    """Find an existing mfa-wizard SCP by name and whether it is attached to `target`."""
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
    document = scp_document(partition_of_arn(services.identity().arn))
    return ScpPlan(policy_id=policy_id, target=target, attached=attached, document=document)


def apply_scp(services: Services, plan: ScpPlan) -> list[str]:
    """Create (if needed) and attach the SCP; journaled, undo detaches it."""
    org = _organizations(services)
    done = []
    policy_id = plan.policy_id
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
        done.append(f"created SCP {SCP_NAME} ({policy_id})")
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
        done.append(f"attached {SCP_NAME} to {plan.target}")
    return done
