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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.aws import Services
from wizard.errors import UsageError, aws_errors
from wizard.i18n import _
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
            return head + _("  no IAM user signs calls with a recently used access key")
        return head + _("  would stop {count}: {users}").format(
            count=len(self.users), users=", ".join(self.users)
        )


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
                _("{target!r} is not a root, OU or account id").format(target=target),
                _(
                    "pass r-..., ou-... or a 12-digit account id (see `aws organizations list-roots`)"
                ),
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
    from wizard.organization import audit_accounts, list_accounts

    management, _unused = list_accounts(services)
    accounts = accounts_under(services, target)
    now = datetime.now(UTC)
    impact = [
        AccountImpact(
            str(a["Id"]), str(a.get("Name", "")), note=_("management account: SCPs never apply")
        )
        for a in accounts
        if str(a["Id"]) == management
    ]
    members = [a for a in accounts if str(a["Id"]) != management]
    for audited in audit_accounts(
        services,
        members,
        role=role,
        external_id=external_id,
        parallel=parallel,
        audit_one=audit_one,
    ):
        if audited.status == "skipped":
            note, read = _("skipped: {reason}").format(reason=audited.reason), True
        elif audited.status == "unreachable":
            note, read = _("not read: {reason}").format(reason=audited.reason), False
        else:
            note, read = "", True
        users = stopped_users(audited.audit, now) if audited.audit else []
        impact.append(AccountImpact(audited.account_id, audited.account_name, users, note, read))
    return sorted(impact, key=lambda a: a.account_id)
