"""The organization's accounts from the Audit step (g): summary per account, Enter opens one,
and the later steps then act in that member account (header and AWS state say so)."""

from __future__ import annotations

from textual.widgets import DataTable

from screens.audit import AuditScreen
from screens.organization import AccountsScreen
from tests.support.aws import good_codes, member_with_console_user
from tests.support.pilot import settle


async def test_pick_a_member_account_and_enforce_there(demo, services, demo_app):
    member, iam = member_with_console_user(demo, services, "workloads")

    async with demo_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AccountsScreen)
        table = screen.query_one("#accounts-table", DataTable)
        assert {str(k.value) for k in table.rows} == {"123456789012", member}
        row = table.get_row(member)
        assert row[1].plain == "workloads" and row[3].plain == "root MFA OFF · 1/1 users no MFA"
        table.move_cursor(row=table.get_row_index(member))
        await pilot.press("enter")
        await settle(pilot)
        audit = pilot.app.screen
        assert isinstance(audit, AuditScreen)
        # The header names the member account, by id and name; its users are shown.
        assert f"{member} workloads" in str(audit.query_one("#identity-bar").render())
        assert [str(k.value) for k in audit.query_one("#audit-table", DataTable).rows] == [
            "ops.person"
        ]
        assert pilot.app.ctx.account_id == member
        # The Enforce step, built again, acts in the member account.
        await pilot.press("3")
        await settle(pilot)
        assert member in str(pilot.app.screen.query_one("#identity-bar").render())
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
    in_member = iam.get_group(GroupName="MFARequired")["Users"]
    assert [u["UserName"] for u in in_member] == ["ops.person"]
    groups = {g["GroupName"] for g in services.iam.list_groups()["Groups"]}
    assert "MFARequired" not in groups  # nothing was made in the management account


async def test_not_an_organization_says_so(demo_app):
    async with demo_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        status = str(pilot.app.screen.query_one("#accounts-status").render())
        assert "not in an AWS Organization" in status
        # No command-line advice in the TUI: what it means here.
        assert "every step acts in this account alone" in status and "mfa-wizard" not in status
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AuditScreen)


async def test_an_expired_member_session_says_to_open_the_account_again(demo_app):
    from screens.dialogs import ErrorDialog
    from wizard.errors import WizardError

    async with demo_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        expired = WizardError(
            "the security token has expired", "run mfa-session", code="ExpiredToken"
        )
        pilot.app.show_error(expired)
        await pilot.pause()
        assert "run mfa-session" in str(pilot.app.screen.query_one("#error-fix").render())
        await pilot.press("escape")
        # In a member account (the home account kept aside), the fix is to open it again.
        pilot.app.ctx.home_services = pilot.app.ctx.services
        pilot.app.show_error(expired)
        await pilot.pause()
        assert isinstance(pilot.app.screen, ErrorDialog)
        assert "open the account again" in str(pilot.app.screen.query_one("#error-fix").render())


async def test_member_roots_are_read_only_after_a_question(demo, services, demo_app, monkeypatch):
    """AssumeRoot is root activity in every member: the Accounts view asks before it (R)."""
    from screens import organization as accounts
    from screens.dialogs import ConfirmDialog

    services.client("organizations").create_organization(FeatureSet="ALL")
    asked: list[bool] = []
    real = accounts.audit_organization

    def recorded(*args, **kwargs):
        asked.append(kwargs["root_credentials"])
        return real(*args, **kwargs)

    monkeypatch.setattr(accounts, "audit_organization", recorded)
    async with demo_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert asked == [False]
        await pilot.press("R")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "root activity" in str(dialog.query_one("#confirm-body").render())
        await pilot.press("n")
        await settle(pilot)
        assert asked == [False]  # no, nothing read
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert asked == [False, True]


async def open_account(pilot, account_id: str) -> None:
    await pilot.press("1")
    await settle(pilot)
    await pilot.press("g")
    await settle(pilot)
    table = pilot.app.screen.query_one("#accounts-table", DataTable)
    table.move_cursor(row=table.get_row_index(account_id))
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.ctx.account_id == account_id


async def test_the_summary_keeps_a_before_per_account(demo, services, demo_app):
    # Into the member, MFA enabled there, back home, into the member again: its "before" is
    # still the state first seen there, not the state after the change.
    member, iam = member_with_console_user(demo, services, "workloads")

    async with demo_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_account(pilot, member)
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName="ops.person")
        serial = device["VirtualMFADevice"]["SerialNumber"]
        first, second = good_codes(device["VirtualMFADevice"]["Base32StringSeed"].decode())
        iam.enable_mfa_device(
            UserName="ops.person",
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
        await open_account(pilot, "123456789012")
        await open_account(pilot, member)
        await pilot.press("6")
        await settle(pilot)
        table = pilot.app.screen.query_one("#summary-table", DataTable)
        rows = {str(table.get_row(k)[0]): table.get_row(k) for k in table.rows}
        _, before, now = rows["Console users without MFA"]
        assert (str(before), str(now)) == ("1 of 1", "0 of 1")
