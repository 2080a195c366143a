"""Which AWS the wizard talks to: the standard environment, explicit options, or the embedded demo.

The command line and the TUI both open a target here, so neither needs the other to find AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.aws import Services
    from wizard.demo import DemoAccount


@dataclass(frozen=True)
class Target:
    """Where to point boto3; unset fields fall back to AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    demo: bool = False
    demo_users: int = 0
    # A member account of the organization, reached through its organization role.
    account: str | None = None
    org_role: str = "OrganizationAccountAccessRole"
    external_id: str | None = None


@contextmanager
def open_target(target: Target) -> Iterator[tuple[Services, DemoAccount | None]]:
    """The Services for `target`; with demo, a seeded embedded server that lives for the block."""
    if target.demo:
        from wizard.demo import start_demo

        account = start_demo(extra_users=target.demo_users)
        try:
            yield in_account(account.services(), target), account
        finally:
            account.stop()
        return
    from wizard.aws import make_services

    yield (
        in_account(make_services(target.profile, target.region, target.endpoint_url), target),
        None,
    )


def in_account(services: Services, target: Target) -> Services:
    """`services`, or the same signed as the organization role in `target.account`."""
    if not target.account or target.account == services.identity().account_id:
        return services
    from wizard.organization import member_services

    return member_services(services, target.account, target.org_role, target.external_id)
