"""AWS's policy simulator, asked what it would decide for one user without MFA, and the
narrower reading of the policies where it cannot be asked (wizard/verify/deny.py).

Needs: iam:SimulatePrincipalPolicy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wizard.aws import Services
from wizard.errors import is_denied, is_missing_operation, translate
from wizard.i18n import N_
from wizard.models import UserFinding
from wizard.partition import partition_of_arn
from wizard.verify.deny import explicitly_denied

SIMULATOR = "iam:SimulatePrincipalPolicy"
DETAILS = N_("iam:GetAccountAuthorizationDetails (explicit Deny only)")
# A read, a write, IAM and STS: what an attacker with a password or a key would try first.
ENFORCED_ACTIONS = (
    "s3:ListAllMyBuckets",
    "ec2:DescribeInstances",
    "s3:PutObject",
    "iam:CreateUser",
    "sts:AssumeRole",
)
# What a user without MFA must still be allowed, on their own user, to set MFA up.
SELF_SERVICE = ("iam:EnableMFADevice", "iam:ListMFADevices", "iam:GetUser")
CREATE_DEVICE = "iam:CreateVirtualMFADevice"
CHANGE_PASSWORD = "iam:ChangePassword"
# Needs no Allow (AWS lets every IAM user call it), so only an explicit Deny breaks mfa-session.
SESSION_TOKEN = "sts:GetSessionToken"
# The console session an admin signs in with MFA is usually younger than this (seconds).
MFA_AGE = "300"


@dataclass
class Outcome:
    """What AWS would decide for one simulated (or read) principal without MFA."""

    allowed_without_mfa: list[str] = field(default_factory=list)  # console, MFA key "false"
    allowed_with_keys: list[str] = field(default_factory=list)  # long-term keys: key absent
    self_service_denied: list[str] = field(default_factory=list)
    change_password_denied: bool = False
    session_token_denied: bool = False
    allowed_with_mfa: int | None = None  # of ENFORCED_ACTIONS (simulator only)


@dataclass
class Principal:
    """A user whose enforcement is proven, and what its outcome depends on."""

    user: UserFinding
    groups: tuple[str, ...] = ()
    own_policies: bool = True  # unknown counts as its own (it is simulated alone)
    documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def share_key(self) -> tuple[str, ...] | None:
        """Users with the same key share one simulation (None: simulated alone)."""
        return None if self.own_policies else self.groups


class SimulatorUnavailable(Exception):
    """The simulator is not there (emulator) or may not be called (AccessDenied)."""

    def __init__(self, reason: str, emulator: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.emulator = emulator


def _context(mfa: bool | None) -> list[dict[str, Any]]:
    if mfa is None:
        return []  # long-term access keys: AWS puts no MFA key in the request at all
    entries = [
        {
            "ContextKeyName": "aws:MultiFactorAuthPresent",
            "ContextKeyValues": ["true" if mfa else "false"],
            "ContextKeyType": "boolean",
        }
    ]
    if mfa:
        entries.append(
            {
                "ContextKeyName": "aws:MultiFactorAuthAge",
                "ContextKeyValues": [MFA_AGE],
                "ContextKeyType": "numeric",
            }
        )
    return entries


def _allowed(result: dict[str, Any]) -> bool:
    """AWS's decision, the organization's SCPs included."""
    organizations = result.get("OrganizationsDecisionDetail") or {}
    if organizations.get("AllowedByOrganizations") is False:
        return False
    return result.get("EvalDecision") == "allowed"


class Simulator:
    """SimulatePrincipalPolicy for one user ARN at a time; every page read."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # The first call is made once, without retries: an emulator without the operation
        # answers 500, which botocore would otherwise retry for seconds.
        self.client = services.client_with_attempts("iam", 1)
        self.probed = False
        self.calls = 0  # SimulatePrincipalPolicy requests (pages), from every thread
        self._lock = threading.Lock()

    def decisions(
        self, arn: str, actions: Iterable[str], resources: list[str], mfa: bool | None
    ) -> dict[str, dict[str, Any]]:
        """Each action's evaluation result."""
        kwargs: dict[str, Any] = {
            "PolicySourceArn": arn,
            "ActionNames": list(actions),
            "ContextEntries": _context(mfa),
        }
        if resources:
            kwargs["ResourceArns"] = resources
        client = self.client if not self.probed else self.services.iam
        results: dict[str, dict[str, Any]] = {}
        try:
            for page in client.get_paginator("simulate_principal_policy").paginate(**kwargs):
                with self._lock:
                    self.calls += 1
                for result in page["EvaluationResults"]:
                    results[result["EvalActionName"]] = result
        except Exception as exc:
            if self.probed:
                # One user's simulation failed (throttled past retries, or denied for that
                # user's ARN only): that user is "not proven"; the others go on.
                raise translate(exc, "SimulatePrincipalPolicy") from None
            if is_missing_operation(exc):
                raise SimulatorUnavailable(
                    N_("this endpoint has no iam:SimulatePrincipalPolicy"), emulator=True
                ) from None
            if is_denied(exc):
                raise SimulatorUnavailable(
                    N_("the caller may not call iam:SimulatePrincipalPolicy"), emulator=False
                ) from None
            # Throttled (or any other error) on the probe: it is there; ask again with
            # botocore's retries, as every later call is.
            self.probed = True
            return self.decisions(arn, actions, resources, mfa)
        self.probed = True
        return results

    def outcome(self, principal: Principal, with_keys: bool) -> Outcome:
        user = principal.user
        partition = partition_of_arn(user.arn)
        account = user.arn.split(":")[4]
        device = f"arn:{partition}:iam::{account}:mfa/{user.user_name}"
        out = Outcome()
        plain = self.decisions(user.arn, ENFORCED_ACTIONS, [], mfa=False)
        out.allowed_without_mfa = [a for a in ENFORCED_ACTIONS if _allowed(plain.get(a, {}))]
        if with_keys:
            keys = self.decisions(user.arn, ENFORCED_ACTIONS, [], mfa=None)
            out.allowed_with_keys = [a for a in ENFORCED_ACTIONS if _allowed(keys.get(a, {}))]
        own = self.decisions(
            user.arn, [*SELF_SERVICE, CHANGE_PASSWORD, SESSION_TOKEN], [user.arn], mfa=False
        )
        create = self.decisions(user.arn, [CREATE_DEVICE], [device], mfa=False)
        out.self_service_denied = [a for a in SELF_SERVICE if not _allowed(own.get(a, {}))]
        if not _allowed(create.get(CREATE_DEVICE, {})):
            out.self_service_denied.insert(0, CREATE_DEVICE)
        out.change_password_denied = not _allowed(own.get(CHANGE_PASSWORD, {}))
        out.session_token_denied = (own.get(SESSION_TOKEN) or {}).get(
            "EvalDecision"
        ) == "explicitDeny"
        with_mfa = self.decisions(user.arn, ENFORCED_ACTIONS, [], mfa=True)
        out.allowed_with_mfa = sum(1 for a in ENFORCED_ACTIONS if _allowed(with_mfa.get(a, {})))
        return out


def read_outcome(principal: Principal) -> Outcome:
    """The narrow answer from the authorization details: explicit Denies only."""
    user = principal.user
    docs = principal.documents
    name = user.user_name
    partition = partition_of_arn(user.arn)
    device = f"arn:{partition}:iam::{user.arn.split(':')[4]}:mfa/{name}"
    out = Outcome()
    out.allowed_without_mfa = [
        a for a in ENFORCED_ACTIONS if not explicitly_denied(docs, a, "*", name, mfa=False)
    ]
    out.allowed_with_keys = [
        a for a in ENFORCED_ACTIONS if not explicitly_denied(docs, a, "*", name, mfa=None)
    ]
    out.self_service_denied = [
        a for a in SELF_SERVICE if explicitly_denied(docs, a, user.arn, name, mfa=False)
    ]
    if explicitly_denied(docs, CREATE_DEVICE, device, name, mfa=False):
        out.self_service_denied.insert(0, CREATE_DEVICE)
    out.change_password_denied = explicitly_denied(docs, CHANGE_PASSWORD, user.arn, name, False)
    out.session_token_denied = explicitly_denied(docs, SESSION_TOKEN, "*", name, mfa=None)
    return out
