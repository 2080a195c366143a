"""An Organizations-wide MFA audit: every ACTIVE member account through the organization role.

From the management account (or a delegated administrator): list the accounts, assume
`--org-role` (default OrganizationAccountAccessRole) in each ACTIVE one and run the same audit as
for one account, a bounded number at a time. SUSPENDED and PENDING_CLOSURE accounts are listed as
skipped; an account whose role cannot be assumed, or whose audit fails, is listed as unreachable
with the reason: never silently passed (Prowler's credential-report code returns an empty list on
LimitExceeded, so its MFA checks can report nothing and look clean). An account that AWS throttles
is tried again a few times, with exponential backoff and jitter, before it is called unreachable.

Root users under centralized root access are read by `wizard.root_access` (AssumeRoot, read-only);
what to do about them is printed here (`root_access_advice`) for a person to run.

Needs: organizations:DescribeOrganization, organizations:ListAccounts, sts:AssumeRole on the
role in each member; iam:ListOrganizationsFeatures and sts:AssumeRoot for the root-credentials
check.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wizard import clock as timing
from wizard.aws import RoleSession, Services
from wizard.errors import UsageError, WizardError, aws_errors, error_code, translate
from wizard.i18n import N_, _
from wizard.models import AuditResult, CallerIdentity
from wizard.partition import partition_of_arn
from wizard.root_access import (
    NOT_READ,
    ROOT_DELETE_TASK,
    RootAccess,
    RootCredentials,
    management_state,
    organization_features,
    root_checker,
)

DEFAULT_ROLE = "OrganizationAccountAccessRole"
DEFAULT_PARALLEL = 8
SKIPPED_STATES = {"SUSPENDED", "PENDING_CLOSURE", "CLOSED"}

# An account whose audit AWS throttles (botocore's own retries exhausted) or whose credential
# report is still being built is tried again: at most BACKOFF_ATTEMPTS times, the waits growing
# from BACKOFF_FIRST_SECONDS, doubled each time with jitter, never more than BACKOFF_BUDGET_SECONDS
# in all. Eight accounts throttled at once would retry in lockstep without the jitter.
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceeded",
        "LimitExceededException",
        "ReportInProgress",
    }
)
BACKOFF_ATTEMPTS = 5
BACKOFF_FIRST_SECONDS = 3.0
BACKOFF_BUDGET_SECONDS = 60.0


class OrganizationUnreadable(WizardError):
    """The organization itself could not be read: exit 2."""

    exit_code = 2


# An account's status, as the summary line says it (the JSON keeps these English words).
STATUS_WORDS = (N_("audited"), N_("skipped"), N_("unreachable"))


@dataclass
class AccountAudit:
    """One member account's outcome."""

    account_id: str
    account_name: str
    status: str  # audited | skipped | unreachable
    reason: str | None = None
    audit: AuditResult | None = None
    root_credentials: RootCredentials | None = None

    @property
    def root_finding(self) -> bool:
        """Root MFA off and the root user can sign in (or we could not tell that it cannot).

        AuditResult.compliant counts root MFA off as a finding; an account without root
        credentials (centralized root access) has no root sign-in to protect.
        """
        if self.audit is None or self.audit.root_mfa_active:
            return False
        return not (self.root_credentials is not None and self.root_credentials.absent)

    @property
    def clean(self) -> bool:
        """Audited and compliant (skipped accounts count as clean: nothing to audit there)."""
        if self.status == "skipped":
            return True
        if self.status != "audited" or self.audit is None:
            return False
        return not self.audit.console_users_without_mfa and not self.root_finding

    def root_label(self) -> str:
        """What the summary line says about the root user."""
        assert self.audit is not None
        creds = self.root_credentials
        if creds is not None and creds.absent:
            return _("no root credentials")
        label = _("root MFA on") if self.audit.root_mfa_active else _("root MFA OFF")
        if creds is not None and creds.state == "present":
            return _("{label}, root credentials present ({detail})").format(
                label=label, detail=creds.detail
            )
        if creds is not None and creds.state == "unknown":
            return _("{label} (root credentials unknown)").format(label=label)
        return label

    def findings(self) -> str:
        """What the account's summary line says after its id and name."""
        if self.audit is None:
            return f"{_(self.status)}: {self.reason}"
        missing = len(self.audit.console_users_without_mfa)
        console = self.audit.console_user_count
        return _("{root}; {missing} of {console} console users without MFA").format(
            root=self.root_label(), missing=missing, console=console
        )

    def summary_line(self) -> str:
        """One line per account for the table's head."""
        return f"{self.account_id}  {self.account_name[:28]:<28}  {self.findings()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "account_name": self.account_name,
            "status": self.status,
            "reason": self.reason,
            "audit": self.audit.to_json() if self.audit else None,
            "root_credentials": self.root_credentials.to_json() if self.root_credentials else None,
        }


@dataclass
class OrganizationAudit:
    """The whole organization."""

    management_account_id: str
    root_credentials_management: str  # enabled | disabled | unknown
    accounts: list[AccountAudit]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    region: str = "us-east-1"
    partition: str = "aws"

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


def management_organization(services: Services, *, outside: str, member: str) -> dict[str, Any]:
    """DescribeOrganization's answer, when `services` signs in the organization's management
    account; else a UsageError whose fix is `outside` (no organization) or `member` (another
    account of it)."""
    try:
        organization = services.client("organizations").describe_organization()["Organization"]
    except Exception as exc:
        if error_code(exc) == "AWSOrganizationsNotInUseException":
            raise UsageError(_("this account is not in an AWS Organization"), outside) from None
        raise translate(exc, "DescribeOrganization") from None
    account = services.identity().account_id
    if organization.get("MasterAccountId") != account:
        raise UsageError(
            _("account {account} is not the organization's management account ({get})").format(
                account=account, get=organization.get("MasterAccountId")
            ),
            member,
        )
    return dict(organization)


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
                _("this account is not in an AWS Organization"),
                _("run `mfa-wizard audit` without --org for this account alone"),
                code="AWSOrganizationsNotInUseException",
            ) from None
        error = translate(exc, "ListAccounts")
        raise OrganizationUnreadable(
            _("the organization could not be read: {cause}").format(cause=error.cause),
            _(
                "run from the management account or a delegated administrator, with "
                "organizations:ListAccounts"
            ),
        ) from None
    return management, accounts


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
        answer = services.sts.assume_role(**request)
    member = Services(
        session=RoleSession(services.session, answer["Credentials"], services.region),
        region=services.region,
        endpoint_url=services.endpoint_url,
        max_attempts=services.max_attempts,
        demo=services.demo,
    )
    # AssumeRole already said who these credentials are: GetCallerIdentity (and the STS client
    # it needs, ~50 ms to build) would only repeat it, once per member account.
    assumed = answer.get("AssumedRoleUser") or {}
    if assumed.get("Arn") and assumed.get("AssumedRoleId"):
        member._identity = CallerIdentity(
            account_id=account_id, arn=assumed["Arn"], user_id=assumed["AssumedRoleId"]
        )
    return member


def root_access_advice(result: OrganizationAudit) -> list[str]:
    """What a person can do about the root users the audit found, as commands to read and run
    by hand: mfa-wizard never enables a feature nor deletes a credential itself."""
    region, partition = result.region, result.partition
    lines: list[str] = []
    present = [
        a
        for a in result.accounts
        if a.root_credentials is not None and a.root_credentials.state == "present"
    ]
    if present:
        task = f"arn:{partition}:iam::aws:policy/root-task/{ROOT_DELETE_TASK}"
        lines += [
            _(
                "Member root credentials can be deleted centrally (mfa-wizard never does it). For "
                "each account below, from the management account:"
            ),
            f"  aws sts assume-root --region {region} --target-principal ACCOUNT "
            f"--task-policy-arn arn={task}",
            _(
                "  then, with the credentials it returns (AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN):"
            ),
        ]
        for account in present:
            creds = account.root_credentials
            assert creds is not None
            lines.append(f"  # {account.account_id} {account.account_name}: {creds.detail}")
            if creds.password:
                lines.append("  aws iam delete-login-profile")
            lines += [
                f"  aws iam delete-access-key --access-key-id {k}" for k in creds.access_key_ids
            ]
            lines += [
                f"  aws iam delete-signing-certificate --certificate-id {c}"
                for c in creds.certificate_ids
            ]
            lines += [
                f"  aws iam deactivate-mfa-device --serial-number {s}" for s in creds.mfa_serials
            ]
    checked = [
        a
        for a in result.accounts
        if a.root_credentials is not None and a.root_credentials.state in {"present", "absent"}
    ]
    if checked:
        lines.append(
            _(
                "Reading the root credentials of {count} member account(s) went through "
                "sts:AssumeRoot: CloudTrail records those reads as root activity, so a root-usage "
                "alarm watching a member (mfa-wizard's included) fires once for this audit."
            ).format(count=len(checked))
        )
    unread = [
        a
        for a in result.accounts
        if a.root_credentials is not None and a.root_credentials.detail == _(NOT_READ)
    ]
    if unread:
        lines.append(
            _(
                "The root credentials of {count} member account(s) were not read: that read goes "
                "through sts:AssumeRoot, which CloudTrail records as root activity in each member "
                "(root-usage alarms and GuardDuty fire). Tell whoever watches them, then run "
                "`mfa-wizard audit --org --root-credentials`."
            ).format(count=len(unread))
        )
    moot = [
        a
        for a in result.accounts
        if a.root_finding and a.account_id != result.management_account_id
    ]
    if result.root_credentials_management != "enabled" and moot:
        lines += [
            _(
                "Member accounts report root MFA off. With centralized root access their root "
                "credentials can be removed, and root MFA is then moot (mfa-wizard never enables "
                "it):"
            ),
            "  aws organizations enable-aws-service-access --service-principal iam.amazonaws.com",
            "  aws iam enable-organizations-root-credentials-management",
            "  aws iam enable-organizations-root-sessions",
            _(
                "  then `mfa-wizard audit --org` says which member accounts still have root "
                "credentials."
            ),
        ]
    return lines


# ----------------------------------------------------------------------------- the audit


def audit_organization(
    services: Services,
    *,
    role: str = DEFAULT_ROLE,
    external_id: str | None = None,
    parallel: int = DEFAULT_PARALLEL,
    on_progress: Callable[[str], None] | None = None,
    audit_one: Callable[[Services], AuditResult] | None = None,
    access: RootAccess | None = None,
    sleep: Callable[[float], None] = timing.sleep,
    root_credentials: bool = False,
) -> OrganizationAudit:
    """Audit every ACTIVE account, `parallel` at a time; every account gets a status.

    `root_credentials` reads each member's root credentials through sts:AssumeRoot (opt-in: that
    read is root activity in every member). `access` replaces the clients of that check (tests
    stub them).
    """
    # ListOrganizationsFeatures beside DescribeOrganization + ListAccounts: one round trip fewer.
    with ThreadPoolExecutor(max_workers=1) as side:
        pending = side.submit(
            organization_features, access.features_iam if access else services.iam
        )
        management, accounts = list_accounts(services)
        features = pending.result()
    results = audit_accounts(
        services,
        accounts,
        role=role,
        external_id=external_id,
        parallel=parallel,
        on_progress=on_progress,
        audit_one=audit_one,
        check_root=root_checker(services, management, features, access, read=root_credentials),
        sleep=sleep,
    )
    results.sort(key=lambda a: (a.status != "audited", a.account_id))
    return OrganizationAudit(
        management,
        management_state(features),
        results,
        region=services.region,
        partition=partition_of_arn(services.identity().arn),
    )


def backoff_delay(attempt: int, rng: random.Random | None = None) -> float:
    """The wait before try `attempt + 1`: doubling from BACKOFF_FIRST_SECONDS, with "equal
    jitter" (half fixed, half random) so throttled accounts do not come back together."""
    base = BACKOFF_FIRST_SECONDS * 2 ** (attempt - 1)
    return base / 2 + (rng or random).uniform(0, base / 2)


def audit_accounts(
    services: Services,
    accounts: list[dict[str, Any]],
    *,
    role: str = DEFAULT_ROLE,
    external_id: str | None = None,
    parallel: int = DEFAULT_PARALLEL,
    on_progress: Callable[[str], None] | None = None,
    audit_one: Callable[[Services], AuditResult] | None = None,
    check_root: Callable[[str], RootCredentials] | None = None,
    sleep: Callable[[float], None] = timing.sleep,
) -> list[AccountAudit]:
    """Audit `accounts` (ListAccounts entries), `parallel` at a time, each through the role
    (this account with its own credentials); a throttled account is tried again with backoff,
    any other failure makes that account unreachable at once."""
    from wizard.audit import run_audit

    run = audit_one or (lambda s: run_audit(s))
    me = services.identity().account_id

    def audited(account_id: str) -> AuditResult:
        """The account's audit, tried again while AWS throttles it."""
        target: Services | None = None
        waited = 0.0
        for attempt in range(1, BACKOFF_ATTEMPTS + 1):
            try:
                if target is None:
                    target = (
                        services
                        if account_id == me
                        else member_services(services, account_id, role, external_id)
                    )
                return run(target)
            except Exception as exc:
                code = error_code(exc)
                if code not in THROTTLE_CODES:
                    raise
                delay = backoff_delay(attempt)
                if attempt == BACKOFF_ATTEMPTS or waited + delay > BACKOFF_BUDGET_SECONDS:
                    error = translate(exc)
                    raise WizardError(
                        _(
                            "AWS kept throttling this account ({code}) through {attempt} attempts over "
                            "{waited:.0f} s; the last: {cause}"
                        ).format(code=code, attempt=attempt, waited=waited, cause=error.cause),
                        _("run the audit again later, or with a lower --parallel"),
                        code=code,
                    ) from None
            sleep(delay)
            waited += delay
        raise AssertionError(_("unreachable: the loop returns or raises"))

    def one(account: dict[str, Any]) -> AccountAudit:
        account_id, name = str(account["Id"]), str(account.get("Name", ""))
        state = str(account.get("State") or account.get("Status") or "ACTIVE")
        if state in SKIPPED_STATES:
            return AccountAudit(
                account_id, name, "skipped", _("the account is {state}").format(state=state)
            )
        try:
            result = audited(account_id)
        except Exception as exc:  # any failure: this account unreachable, the others go on
            error = translate(exc)  # a WizardError names the call (AssumeRole, an audit read)
            return AccountAudit(account_id, name, "unreachable", error.message)
        root = check_root(account_id) if check_root else None
        if on_progress:
            on_progress(f"audited {account_id} {name}")
        return AccountAudit(account_id, name, "audited", None, result, root)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(one, accounts))
