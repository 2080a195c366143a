"""An Organizations-wide MFA audit: every ACTIVE member account through the organization role.

From the management account (or a delegated administrator): list the accounts, assume
`--org-role` (default OrganizationAccountAccessRole) in each ACTIVE one and run the same audit as
for one account, a bounded number at a time. SUSPENDED and PENDING_CLOSURE accounts are listed as
skipped; an account whose role cannot be assumed, or whose audit fails, is listed as unreachable
with the reason: never silently passed (Prowler's credential-report code returns an empty list on
LimitExceeded, so its MFA checks can report nothing and look clean).

Needs: organizations:DescribeOrganization, organizations:ListAccounts, sts:AssumeRole on the
role in each member; iam:ListOrganizationsFeatures for the root-credentials line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wizard.aws import Services, new_boto3_session
from wizard.errors import WizardError, aws_errors, error_code, translate
from wizard.models import AuditResult
from wizard.partition import partition_of_arn

DEFAULT_ROLE = "OrganizationAccountAccessRole"
DEFAULT_PARALLEL = 8
SKIPPED_STATES = {"SUSPENDED", "PENDING_CLOSURE", "CLOSED"}


class OrganizationUnreadable(WizardError):
    """The organization itself could not be read: exit 2."""

    exit_code = 2


@dataclass
class AccountAudit:
    """One member account's outcome."""

    account_id: str
    account_name: str
    status: str  # audited | skipped | unreachable
    reason: str | None = None
    audit: AuditResult | None = None

    @property
    def clean(self) -> bool:
        """Audited and compliant (skipped accounts count as clean: nothing to audit there)."""
        if self.status == "skipped":
            return True
        return self.status == "audited" and self.audit is not None and self.audit.compliant

    def summary_line(self) -> str:
        """One line per account for the table's head."""
        head = f"{self.account_id}  {self.account_name[:28]:<28}"
        if self.audit is None:
            return f"{head}  {self.status}: {self.reason}"
        missing = len(self.audit.console_users_without_mfa)
        console = sum(1 for u in self.audit.users if u.console_access)
        root = "on" if self.audit.root_mfa_active else "OFF"
        return f"{head}  root MFA {root}; {missing} of {console} console users without MFA"

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "account_name": self.account_name,
            "status": self.status,
            "reason": self.reason,
            "audit": self.audit.to_json() if self.audit else None,
        }


@dataclass
class OrganizationAudit:
    """The whole organization."""

    management_account_id: str
    root_credentials_management: str  # enabled | disabled | unknown
    accounts: list[AccountAudit]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def clean(self) -> bool:
        return all(a.clean for a in self.accounts)

    def to_json(self) -> str:
        return json.dumps(
            {
                "generated_at": self.generated_at.isoformat(),
                "management_account_id": self.management_account_id,
                "root_credentials_management": self.root_credentials_management,
                "accounts": [a.to_json() for a in self.accounts],
            },
            indent=2,
        )


def list_accounts(services: Services) -> tuple[str, list[dict[str, Any]]]:
    """(the management account id, every account of the organization)."""
    org = services.client("organizations")
    try:
        management = org.describe_organization()["Organization"]["MasterAccountId"]
        accounts = [
            a for page in org.get_paginator("list_accounts").paginate() for a in page["Accounts"]
        ]
    except Exception as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            raise OrganizationUnreadable(
                "this account is not in an AWS Organization",
                "run `mfa-wizard audit` without --org for this account alone",
            ) from None
        error = translate(exc, "ListAccounts")
        raise OrganizationUnreadable(
            f"the organization could not be read: {error.cause}",
            "run from the management account or a delegated administrator, with "
            "organizations:ListAccounts",
        ) from None
    return management, accounts


def root_credentials_management(services: Services) -> str:
    """enabled / disabled from iam:ListOrganizationsFeatures, unknown when it cannot be read."""
    try:
        features = services.iam.list_organizations_features().get("EnabledFeatures", [])
    except Exception:
        return "unknown"
    return "enabled" if "RootCredentialsManagement" in features else "disabled"


def member_services(
    services: Services, account_id: str, role: str, external_id: str | None
) -> Services:
    """Services signed as `role` in `account_id` (same region and endpoint)."""
    partition = partition_of_arn(services.identity().arn)
    request: dict[str, Any] = {
        "RoleArn": f"arn:{partition}:iam::{account_id}:role/{role}",
        "RoleSessionName": "mfa-wizard-org-audit",
    }
    if external_id:
        request["ExternalId"] = external_id
    with aws_errors("AssumeRole"):
        creds = services.sts.assume_role(**request)["Credentials"]
    session = new_boto3_session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=services.region,
    )
    return Services(
        session=session,
        region=services.region,
        endpoint_url=services.endpoint_url,
        max_attempts=services.max_attempts,
        demo=services.demo,
    )


def audit_organization(
    services: Services,
    *,
    role: str = DEFAULT_ROLE,
    external_id: str | None = None,
    parallel: int = DEFAULT_PARALLEL,
    on_progress: Callable[[str], None] | None = None,
    audit_one: Callable[[Services], AuditResult] | None = None,
) -> OrganizationAudit:
    """Audit every ACTIVE account, `parallel` at a time; every account gets a status."""
    management, accounts = list_accounts(services)
    results = audit_accounts(
        services,
        accounts,
        role=role,
        external_id=external_id,
        parallel=parallel,
        on_progress=on_progress,
        audit_one=audit_one,
    )
    results.sort(key=lambda a: (a.status != "audited", a.account_id))
    return OrganizationAudit(management, root_credentials_management(services), results)


def audit_accounts(
    services: Services,
    accounts: list[dict[str, Any]],
    *,
    role: str = DEFAULT_ROLE,
    external_id: str | None = None,
    parallel: int = DEFAULT_PARALLEL,
    on_progress: Callable[[str], None] | None = None,
    audit_one: Callable[[Services], AuditResult] | None = None,
) -> list[AccountAudit]:
    """Audit `accounts` (ListAccounts entries), `parallel` at a time, each through the role
    (this account with its own credentials); a failure makes that account unreachable."""
    from wizard.audit import run_audit

    run = audit_one or (lambda s: run_audit(s))
    me = services.identity().account_id

    def one(account: dict[str, Any]) -> AccountAudit:
        account_id, name = str(account["Id"]), str(account.get("Name", ""))
        state = str(account.get("State") or account.get("Status") or "ACTIVE")
        if state in SKIPPED_STATES:
            return AccountAudit(account_id, name, "skipped", f"the account is {state}")
        try:
            target = (
                services
                if account_id == me
                else member_services(services, account_id, role, external_id)
            )
            result = run(target)
        except Exception as exc:  # any failure: this account unreachable, the others go on
            error = translate(exc)  # a WizardError names the call (AssumeRole, an audit read)
            return AccountAudit(account_id, name, "unreachable", error.message)
        if on_progress:
            on_progress(f"audited {account_id} {name}")
        return AccountAudit(account_id, name, "audited", None, result)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(one, accounts))
