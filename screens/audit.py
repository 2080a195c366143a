"""The Audit step: who has no MFA, from one credential report; select users to enrol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey
from textual.worker import Worker

from screens.audit_table import (
    COLUMNS,
    OTHER_COLUMNS,
    PATH_MIN,
    SORTABLE,
    cell_width,
    names_that_fit,
    sort_value,
)
from screens.base import StepScreen
from screens.dialogs import ExportDialog, InfoDialog
from screens.widgets.status import BAD, GOOD, cut
from wizard.audit import humanize_age, to_csv, to_json
from wizard.devices import audit_notes, short_kinds
from wizard.errors import WizardError
from wizard.files import export_text
from wizard.models import VIRTUAL, AuditResult, UserFinding

if TYPE_CHECKING:
    from wizard.organization import AccountAudit


class AuditScreen(StepScreen):
    """Table of users with filter, search, sort, multi-select and export."""

    STEP = "audit"
    EXPLANATION = "one credential report, re-checked against assigned devices"
    BINDINGS = [
        # The footer holds what a newcomer needs at 80 columns; the rest is in F1 and Ctrl+P.
        Binding("space", "toggle_select", "Select", tooltip="select the user (for Enroll)"),
        Binding("a", "select_all", "All", tooltip="select every user shown (again: none)"),
        Binding("slash", "search", "Search", tooltip="search by user name or path"),
        Binding("f", "toggle_filter", "Filter", tooltip="all users / only those needing MFA"),
        Binding("s", "cycle_sort", "Sort", tooltip="next sort column (S: reverse the order)"),
        Binding("S", "reverse_sort", "Reverse", show=False, tooltip="reverse the sort order"),
        Binding(
            "enter", "enroll_user", "Enroll", show=False, tooltip="enrol the user under the cursor"
        ),
        Binding("e", "export", "Export", tooltip="write the users shown to CSV or JSON"),
        Binding("g", "accounts", "Org", tooltip="the organization's accounts; open one"),
        Binding("r", "refresh", "Refresh", show=False, tooltip="read the report again"),
        Binding("o", "orphans", "Orphans", show=False, tooltip="remove unassigned devices"),
        Binding("i", "notes", "Root & keys", show=False, tooltip="root's MFA, key-only users"),
        Binding("escape", "clear_search", "Clear search", show=False),
    ]

    @dataclass
    class AuditFinished(Message):
        result: AuditResult

    show_all: reactive[bool] = reactive(False)
    search: reactive[str] = reactive("")
    sort_column: reactive[str] = reactive("mfa")
    sort_reverse: reactive[bool] = reactive(False)
    result: reactive[AuditResult | None] = reactive(None, bindings=True)

    def compose_body(self) -> ComposeResult:
        yield Static("Running the audit...", id="audit-summary")
        with Horizontal(id="audit-controls"):
            yield Input(placeholder="/ search user or path", id="audit-search")
            yield Static("", id="audit-filter")
        table: DataTable = DataTable(
            id="audit-table", cursor_type="row", zebra_stripes=True, classes="step-body"
        )
        for key, label in COLUMNS:
            # Deep paths are cut (with …) so the table fits 80 columns, and get the room a wider
            # terminal has; search and export use them whole.
            table.add_column(label, key=key, width=PATH_MIN if key == "path" else None)
        yield Static("", id="audit-empty")
        yield table
        yield Static("", id="audit-selection")

    def on_screen_resume(self) -> None:
        # Devices enrolled on another step since this audit ran: show the new state.
        if self.result is not None and self._enrolled_seen != len(self.wizard.ctx.enrolled):
            self.action_refresh()

    def on_resize(self) -> None:
        # The Path column takes the new width; only then are the rows built again (a rebuild
        # for nothing redraws the table with its widths not yet measured).
        if self.result is not None and self._path_width() != self.path_width:
            self.refresh_table()

    def _path_width(self, users: list[UserFinding] | None = None) -> int:
        """The Path column's width for `users` (those shown) at the terminal's width now."""
        shown = self.visible_users() if users is None else users
        longest = max((len(u.path) for u in shown), default=PATH_MIN)
        return max(PATH_MIN, min(longest, self.app.size.width - OTHER_COLUMNS))

    def on_mount(self) -> None:
        self.path_width = PATH_MIN
        self._enrolled_seen = len(self.wizard.ctx.enrolled)
        self._update_filter_label()
        self.query_one(DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Keys that act on the table do nothing until the report is in: hide them.
        if action in {
            "toggle_select",
            "select_all",
            "export",
            "toggle_filter",
            "cycle_sort",
            "reverse_sort",
            "enroll_user",
            "notes",
        }:
            return self.result is not None
        if action == "orphans":
            return self.result is not None and bool(self.result.orphan_virtual_mfa_devices)
        return True

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def load(self) -> AuditResult:
        """Run the audit in a thread; progress replaces the summary line."""

        result = self.wizard.ctx.run_audit(self.report_progress)
        self.post_message(self.AuditFinished(result))
        return result

    def show_progress(self, text: str) -> None:
        self._set_summary(f"[dim]{escape(text)}...[/dim]")

    def worker_failed(self, worker: Worker) -> None:
        self._set_summary("[b red]The audit did not run.[/] Press r to try again.")

    def _set_summary(self, markup: str) -> None:
        self.query_one("#audit-summary", Static).update(markup)

    @on(AuditFinished)
    def _audit_finished(self, event: AuditFinished) -> None:
        self._show_result(event.result)

    def _show_result(self, result: AuditResult) -> None:
        self._enrolled_seen = len(self.wizard.ctx.enrolled)
        self.result = result
        self.wizard.audit_taken(result)
        known = {u.user_name for u in result.users}
        self.wizard.ctx.selected_users &= known
        self._set_summary(self._summary_markup(result))
        self.refresh_table()
        if not result.console_users_without_mfa:
            self.wizard.ctx.done.add("enroll")  # nobody left to enrol
        self.step_done()

    def _summary_markup(self, result: AuditResult) -> str:
        missing = len(result.console_users_without_mfa)
        console = result.console_user_count
        if not result.root_mfa_active:
            root = f"[{BAD}]OFF[/] (i)"
        else:
            root = f"[{GOOD}]on[/]" + (" (virtual, i)" if result.root_mfa_type == VIRTUAL else "")
        parts = [
            f"Root MFA {root}",
            f"[b]{missing}[/b] of {console} console users without MFA"
            if missing
            else f"[green]all {console} console users have MFA[/]",
        ]
        if result.fido_only_users:
            parts.append(f"{len(result.fido_only_users)} key-only (i)")
        if result.orphan_virtual_mfa_devices:
            parts.append(f"{len(result.orphan_virtual_mfa_devices)} orphan device(s) (o)")
        parts.append(self._report_age(result))
        return " · ".join(parts)

    @staticmethod
    def _report_age(result: AuditResult) -> str:
        age = result.report_age_seconds
        if age is None:
            return "report age unknown"
        if age > 4 * 3600 + 600:
            # AWS regenerates a report older than 4 h, so this is clock skew or an emulator.
            stamp = (
                result.report_generated_at.strftime("%Y-%m-%d")
                if result.report_generated_at
                else "?"
            )
            return f"report dated {stamp} (re-checked live)"
        return f"report age {humanize_age(result.report_generated_at, result.generated_at)}"

    # ------------------------------------------------------------------ organization

    def action_accounts(self) -> None:
        """The organization's accounts; the one picked becomes the account every step acts in."""
        from screens.organization import AccountsScreen

        def picked(account: AccountAudit | None) -> None:
            if account is not None and account.audit is not None:
                self._set_summary(f"[dim]Opening account {account.account_id}...[/dim]")
                self.wizard.switch_account(account.account_id, account.audit, account.account_name)

        self.app.push_screen(AccountsScreen(), picked)

    def account_changed(self, audit: AuditResult) -> None:
        """The app now acts in another account: new header, that account's users."""
        self.show_identity()
        self._show_result(audit)

    # ------------------------------------------------------------------ table

    def visible_users(self) -> list[UserFinding]:
        """The users shown: filter, then search, then sort."""
        if self.result is None:
            return []
        users = [u for u in self.result.users if self.show_all or u.needs_mfa]
        needle = self.search.strip().lower()
        if needle:
            users = [u for u in users if needle in u.user_name.lower() or needle in u.path.lower()]
        return sorted(
            users, key=lambda u: sort_value(u, self.sort_column), reverse=self.sort_reverse
        )

    def refresh_table(self) -> None:
        """Rebuild the rows, keeping the cursor on the same user where possible."""
        table = self.query_one("#audit-table", DataTable)
        current = self._cursor_user()
        table.clear()
        users = self.visible_users()
        self.path_width = self._path_width(users)
        table.columns[ColumnKey("path")].width = self.path_width
        now = self.result.generated_at if self.result else datetime.now()
        selected = self.wizard.ctx.selected_users
        rows = [(u.user_name, self._cells(u, now, u.user_name in selected)) for u in users]
        # Every column's width set from its cells before they go in: a DataTable that sizes an
        # auto-width column later may keep rows drawn at the header's width (names cut).
        for index, (key, _unused) in enumerate(COLUMNS):
            if key != "path":
                column = table.columns[ColumnKey(key)]
                header = cell_len(column.label.plain)  # with the sort mark, if any
                column.width = max([header] + [cell_width(cells[index]) for _unused, cells in rows])
                column.auto_width = False
        for name, cells in rows:
            table.add_row(*cells, key=name)
        if current and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
        self._update_selection_label()
        self._say_why_empty(table.row_count == 0)

    def _say_why_empty(self, empty: bool) -> None:
        """An empty table says why, and how to see users again (never a blank table)."""
        line = self.query_one("#audit-empty", Static)
        line.display = empty and self.result is not None
        if not line.display:
            return
        if self.search.strip():
            line.update(Text(f"No user matches {self.search.strip()!r}. Esc clears the search."))
        elif not self.show_all:
            line.update("Every console user has MFA. f shows all users.")
        else:
            line.update("This account has no IAM users.")

    def _cells(self, user: UserFinding, now: datetime, selected: bool) -> list:
        if user.needs_mfa:
            mfa = Text("NO", style=BAD)
        elif user.mfa_active:
            mfa = Text("yes*" if user.mfa_confirmed_after_report else "yes", style="green")
        else:
            mfa = Text("-", style="dim")
        rotated = user.oldest_active_key_rotated()
        keys = str(user.access_keys_active) if user.access_keys_active else "-"
        if rotated:
            # The age of the oldest active key (rotation), e.g. "2 (412d)"; under a day: "new".
            age = humanize_age(rotated, now)
            keys += " (new)" if age.endswith(("m", "h")) or age == "now" else f" ({age})"
        return [
            Text("✓", style="bold cyan") if selected else "",
            # AWS text is a Text, never markup: an IAM path may hold `[/]`.
            Text(user.user_name),
            Text(cut(user.path, self.path_width)),
            "yes" if user.console_access else "no",
            mfa,
            # V virtual, H hardware token, K security key/passkey (F1 says so).
            Text(short_kinds(user.device_kinds), style="bold yellow" if user.fido_only else "")
            if user.mfa_devices
            else "-",
            humanize_age(user.password_last_used, now) if user.console_access else "-",
            keys,
        ]

    def _cursor_user(self) -> str | None:
        table = self.query_one("#audit-table", DataTable)
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(row_key.value) if row_key.value is not None else None

    def _update_filter_label(self) -> None:
        shown = "all users" if self.show_all else "users needing MFA"
        # The direction is a glyph and a word, so it reads without colour.
        arrow = "▼ reversed" if self.sort_reverse else "▲"
        self.query_one("#audit-filter", Static).update(
            f"Showing [b]{shown}[/b] · sort: {self.sort_column} {arrow}"
        )
        table = self.query_one("#audit-table", DataTable)
        for key, label in COLUMNS:
            mark = (" ▼" if self.sort_reverse else " ▲") if key == self.sort_column else ""
            column = table.columns[ColumnKey(key)]
            column.label = Text(label + mark)
            column.content_width = max(column.content_width, column.label.cell_len)
        table.refresh()

    def _update_selection_label(self) -> None:
        selected = sorted(self.wizard.ctx.selected_users)
        label = self.query_one("#audit-selection", Static)
        if not selected:
            label.update("[dim]space: select users to hand to the Enroll step[/dim]")
        else:
            label.update(
                f"[b]{len(selected)} selected[/b] for Enroll: "
                + escape(names_that_fit(selected, self.app.size.width - 30))
            )

    def watch_show_all(self) -> None:
        if self.is_mounted:
            self._update_filter_label()
            self.refresh_table()

    def watch_sort_reverse(self) -> None:
        self.watch_sort_column()

    def watch_sort_column(self) -> None:
        if self.is_mounted:
            self._update_filter_label()
            self.refresh_table()

    def watch_search(self) -> None:
        if self.is_mounted:
            self.refresh_table()

    # ------------------------------------------------------------------ actions

    def action_toggle_select(self) -> None:
        name = self._cursor_user()
        if name is None:
            return
        selected = self.wizard.ctx.selected_users
        selected.symmetric_difference_update({name})
        table = self.query_one("#audit-table", DataTable)
        table.update_cell(name, "sel", Text("✓", style="bold cyan") if name in selected else "")
        self._update_selection_label()
        table.action_cursor_down()

    def action_select_all(self) -> None:
        visible = {u.user_name for u in self.visible_users()}
        selected = self.wizard.ctx.selected_users
        if visible <= selected:
            selected -= visible
        else:
            selected |= visible
        self.refresh_table()

    def action_toggle_filter(self) -> None:
        self.show_all = not self.show_all

    def action_cycle_sort(self) -> None:
        index = SORTABLE.index(self.sort_column) if self.sort_column in SORTABLE else -1
        self.sort_reverse = False
        self.sort_column = SORTABLE[(index + 1) % len(SORTABLE)]

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse

    @on(DataTable.RowSelected, "#audit-table")
    def action_enroll_user(self) -> None:
        """Enter on a user: add them to the selection and go to Enroll with it."""
        name = self._cursor_user()
        if name is None:
            return
        self.wizard.ctx.selected_users.add(name)
        self.wizard.go_to_step("enroll")

    def action_search(self) -> None:
        self.query_one("#audit-search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#audit-search", Input)
        search.value = ""
        self.query_one(DataTable).focus()

    def action_notes(self) -> None:
        """Root's MFA and what to do about it, users with only a security key, Prowler's view."""
        if self.result is not None:
            notes = "\n\n".join(audit_notes(self.result))
            self.app.push_screen(InfoDialog("Root and device types", notes))

    @work(exclusive=True, group="audit-dialog")
    async def action_orphans(self) -> None:
        """Unassigned virtual devices (left over from failed attempts): show them, offer removal."""
        from screens.dialogs import ConfirmDialog, bullets

        if self.result is None or not self.result.orphan_virtual_mfa_devices:
            return
        serials = list(self.result.orphan_virtual_mfa_devices)
        body = bullets(serials) + "\nAssigned to nobody: removing them takes MFA from no one."
        if await self.app.push_screen_wait(
            ConfirmDialog(f"Remove {len(serials)} orphaned MFA device(s)?", body, "Remove")
        ):
            self._set_summary("[dim]Removing orphaned devices...[/dim]")
            self._remove_orphans(serials)

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit")
    def _remove_orphans(self, serials: list[str]) -> None:
        from wizard.enrollment import remove_leftover

        for serial in serials:
            remove_leftover(self.wizard.ctx.services, serial)
        self.post_message(self.AuditFinished(self.wizard.ctx.run_audit(self.report_progress)))

    def action_refresh(self) -> None:
        self._set_summary("[dim]Refreshing...[/dim]")
        self.load()

    @on(Input.Changed, "#audit-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search = event.value

    @on(Input.Submitted, "#audit-search")
    def _search_done(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key == self.sort_column:
            self.sort_reverse = not self.sort_reverse  # a second click reverses
        elif key in SORTABLE:
            self.sort_reverse = False
            self.sort_column = key

    @work(exclusive=True, group="export")
    async def action_export(self) -> None:
        """Ask for a path and format, then write the rows shown (atomically)."""
        if self.result is None:
            return
        stem = f"mfa-audit-{self.result.account_id}-{self.result.generated_at:%Y%m%d}"
        choice = await self.app.push_screen_wait(ExportDialog(stem))
        if choice is None:
            return
        path, fmt = choice
        users = self.visible_users()
        text = to_json(self.result, users) + "\n" if fmt == "json" else to_csv(users)
        try:
            written = export_text(path, text)
        except WizardError as exc:
            self.wizard.show_error(exc, title="Export failed")
            return
        self.notify(f"Exported {len(users)} users to {written}", title="Export", markup=False)
