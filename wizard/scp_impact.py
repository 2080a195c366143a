"""Who the organization SCP would stop, per member account, before it is attached.

The SCP denies IAM users everything without an MFA session. People at the console enrol on their
next sign-in; what breaks silently is automation: scripts and CI jobs signing with an IAM user's
long-term access keys. For each member account under the target (a root, an OU or one account),
list the IAM users with an active access key used in the last 30 days: each of those calls would
be denied the moment the SCP is attached. The management account is listed apart: SCPs never
apply to it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.aws import Services
from wizard.errors import UsageError, aws_errors, translate
from wizard.models import AuditResult

RECENT_DAYS = 30


@dataclass
class AccountImpact:
    """One account under the target: the users the SCP would stop, or why it was not read."""

    account_id: str
    account_name: str
    users: list[str] = field(default_factory=list)
    note: str = ""
    read: bool = True

    def line(self) -> str:
        """One line for people."""
        head = f"{self.account_id}  {self.account_name[:28]:<28}"
        if self.note:
            return f"{head}  {self.note}"
        if not self.users:
            return f"{head}  no IAM user signs calls with a recently used access key"
        return f"{head}  would stop {len(self.users)}: {', '.join(self.users)}"


def accounts_under(services: Services, target: str) -> list[dict[str, Any]]:
    """The accounts under a root (r-...), an OU (ou-..., recursively) or one account id."""
    org = services.client("organizations")
    with aws_errors("ListAccounts"):
        if target.startswith("r-"):
            return [a for p in org.get_paginator("list_accounts").paginate() for a in p["Accounts"]]
        if target.isdigit() and len(target) == 12:
            return [org.describe_account(AccountId=target)["Account"]]
        if not target.startswith("ou-"):
            raise UsageError(
                f"{target!r} is not a root, OU or account id",
                "pass r-..., ou-... or a 12-digit account id (see `aws organizations list-roots`)",
            )
        found: list[dict[str, Any]] = []
        parents = [target]
        while parents:
            parent = parents.pop()
            for page in org.get_paginator("list_accounts_for_parent").paginate(ParentId=parent):
                found.extend(page["Accounts"])
            for page in org.get_paginator("list_organizational_units_for_parent").paginate(
                ParentId=parent
            ):
                parents.extend(ou["Id"] for ou in page["OrganizationalUnits"])
        return found


def stopped_users(result: AuditResult, now: datetime) -> list[str]:
    """IAM users with an active access key used within RECENT_DAYS: the SCP would deny them."""
    since = now - timedelta(days=RECENT_DAYS)
    return sorted(
        u.user_name
        for u in result.users
        if any(k.active and k.last_used and k.last_used >= since for k in u.access_keys)
    )


def preview_impact(
    services: Services,
    target: str,
    *,
    role: str,
    external_id: str | None = None,
    parallel: int = 8,
    audit_one: Callable[[Services], AuditResult] | None = None,
) -> list[AccountImpact]:
    """Per account under `target`: who the SCP would stop (the management account apart)."""
    from wizard.audit import run_audit
    from wizard.organization import SKIPPED_STATES, list_accounts, member_services

    run = audit_one or (lambda s: run_audit(s))
    management, _ = list_accounts(services)
    accounts = accounts_under(services, target)
    now = datetime.now(UTC)

    def one(account: dict[str, Any]) -> AccountImpact:
        account_id, name = str(account["Id"]), str(account.get("Name", ""))
        if account_id == management:
            return AccountImpact(account_id, name, note="management account: SCPs never apply")
        state = str(account.get("State") or account.get("Status") or "ACTIVE")
        if state in SKIPPED_STATES:
            return AccountImpact(account_id, name, note=f"skipped: the account is {state}")
        try:
            result = run(member_services(services, account_id, role, external_id))
        except Exception as exc:  # this account not read; the others still are
            return AccountImpact(
                account_id, name, note=f"not read: {translate(exc).message}", read=False
            )
        return AccountImpact(account_id, name, stopped_users(result, now))

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return sorted(pool.map(one, accounts), key=lambda a: a.account_id)
