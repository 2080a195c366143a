"""The organization's accounts, from the Audit step (`g`): one summary line each, audited through
the organization role with progress; Enter picks the account the later steps act on.

The choice comes back to the Audit screen as the picked `AccountAudit` (its users are shown at
once, from the audit just made); the app then signs every step as the organization role in that
account and says so in the header. The management account itself is picked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static
from textual.worker import Worker, WorkerState

from screens.widgets.footer import TranslatedFooter
from screens.widgets.status import BAD, cut
from wizard.errors import WizardError, translate
from wizard.i18n import N_, _
from wizard.organization import AccountAudit, OrganizationAudit, audit_organization
from wizard.root_access import NOT_READ

if TYPE_CHECKING:
    from screens.app import WizardApp


class AccountsScreen(ModalScreen["AccountAudit | None"]):
    """Every account of the organization with its MFA summary; Enter picks one."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", N_("Back")),
        Binding("enter", "pick", N_("Open account"), priority=True),
        Binding("r", "refresh", N_("Audit again")),
        Binding("R", "read_roots", N_("Read roots")),
    ]

    @dataclass
    class Audited(Message):
        result: OrganizationAudit

    @dataclass
    class Progress(Message):
        text: str

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, AccountsScreen.Progress)

    def __init__(self) -> None:
        super().__init__(id="accounts-screen")
        self.result: OrganizationAudit | None = None
        self.done = 0
        # Member roots are read through sts:AssumeRoot only after a question (R).
        self.read_roots = False

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog accounts"):
            yield Label(_("Accounts of the organization"), classes="dialog-title")
            yield Static(_("Listing the accounts..."), id="accounts-status")
            table: DataTable = DataTable(id="accounts-table", cursor_type="row")
            table.add_column(_("Account"), width=12)
            table.add_column(_("Name"), width=18)
            table.add_column("MFA", width=9)
            table.add_column(_("Summary"))
            yield table
            yield Static("", id="accounts-advice")
        yield TranslatedFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="accounts")
    def load(self) -> None:
        ctx = self.wizard.ctx
        result = audit_organization(
            ctx.home_services or ctx.services,
            role=ctx.org_role,
            external_id=ctx.external_id,
            on_progress=lambda text: self.post_message(self.Progress(text)),
            root_credentials=self.read_roots,
        )
        self.post_message(self.Audited(result))

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        self.done += 1
        self.query_one("#accounts-status", Static).update(
            _("[dim]{what} ({done} so far)...[/dim]").format(
                what=escape(event.text), done=self.done
            )
        )

    @on(Audited)
    def _audited(self, event: Audited) -> None:
        self.result = event.result
        self.refresh_bindings()
        table = self.query_one(DataTable)
        table.clear()
        for account in event.result.accounts:
            table.add_row(
                account.account_id,
                # AWS text is a Text, never markup: any member can name itself `[/]ops`.
                Text(cut(account.account_name, 18)),
                _verdict(account),
                # The summary gets the rest of the width, cut with … (`audit --org` has it whole).
                Text(cut(_compact(account), max(20, self.app.size.width - 52))),
                key=account.account_id,
            )
        audited = sum(1 for a in event.result.accounts if a.status == "audited")
        here = self.wizard.ctx.account_id
        self.query_one("#accounts-status", Static).update(
            _(
                "{count} accounts, {audited} audited through {role}. Enter opens one: every "
                "step then acts in it (now: {here})."
            ).format(
                count=len(event.result.accounts),
                audited=audited,
                role=escape(self.wizard.ctx.org_role),
                here=here,
            )
        )
        if here in table.rows:
            table.move_cursor(row=table.get_row_index(here))
        if any(
            a.root_credentials is not None and a.root_credentials.detail == _(NOT_READ)
            for a in event.result.accounts
        ):
            self.query_one("#accounts-advice", Static).update(
                _(
                    "[dim]Member root credentials were not read: R reads them through "
                    "sts:AssumeRoot, which is root activity in every member (alarms fire).[/dim]"
                )
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            error = error if isinstance(error, WizardError) else translate(error)
            fix = error.fix
            if error.code == "AWSOrganizationsNotInUseException":
                # The domain's fix is for the command line; here there is nothing to run.
                fix = _("every step acts in this account alone; nothing else to open.")
            # Not an organization, or not allowed to read it: say so here, Esc goes back.
            self.query_one("#accounts-status", Static).update(
                _("[b]{cause}[/]: {fix}\n[dim]Esc: back to this account's audit[/dim]").format(
                    cause=escape(error.cause), fix=escape(fix)
                )
            )
            self.query_one("#accounts-table").display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to open or read until the accounts are listed (not an organization: never).
        if action in {"pick", "read_roots"}:
            return self.result is not None
        return True

    def action_refresh(self) -> None:
        self.done = 0
        self.query_one("#accounts-status", Static).update(_("Listing the accounts..."))
        self.load()

    @work(exclusive=True, group="accounts-dialog")
    async def action_read_roots(self) -> None:
        """Read every member's root credentials, after saying what that sets off."""
        from screens.dialogs import ConfirmDialog

        ok = await self.app.push_screen_wait(
            ConfirmDialog(
                _("Read the member accounts' root credentials?"),
                _(
                    "Each member's root user is read through sts:AssumeRoot (read-only task "
                    "policy). CloudTrail records that as root activity in every member: "
                    "root-usage alarms (mfa-wizard's included) and GuardDuty fire once. Tell "
                    "whoever watches them."
                ),
                _("Read them"),
            )
        )
        if ok:
            self.read_roots = True
            self.query_one("#accounts-advice", Static).update("")
            self.action_refresh()

    def action_pick(self) -> None:
        table = self.query_one(DataTable)
        if self.result is None or not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        account = next(a for a in self.result.accounts if a.account_id == key)
        if account.status != "audited":
            self.query_one("#accounts-advice", Static).update(
                _("[yellow]{account_id} is {status}:[/] {reason}").format(
                    account_id=account.account_id,
                    status=_(account.status),
                    reason=escape(str(account.reason)),
                )
            )
            return
        self.dismiss(account)


def _compact(account: AccountAudit) -> str:
    """The summary cut to fit 80 columns: root MFA OFF · 5/10 users no MFA (console users)."""
    if account.audit is None:
        return str(account.reason or _(account.status)).removeprefix(_("the account is "))
    missing = len(account.audit.console_users_without_mfa)
    console = account.audit.console_user_count
    root = account.root_label().split(",")[0].split(" (")[0]
    return _("{root} · {missing}/{console} users no MFA").format(
        root=root, missing=missing, console=console
    )


def _verdict(account: AccountAudit) -> Text:
    if account.status != "audited":
        return Text(_(account.status), style="yellow")
    if account.clean:
        return Text(_("clean"), style="green")
    return Text(_("findings"), style=BAD)
