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
    cells,
    headings_extra,
    names_that_fit,
    sort_value,
    summary_markup,
)
from screens.base import StepScreen
from screens.dialogs import ExportDialog, InfoDialog
from wizard.audit import to_csv, to_json
from wizard.devices import audit_notes
from wizard.errors import WizardError
from wizard.files import export_text
from wizard.i18n import N_, _, ngettext
from wizard.models import AuditResult, UserFinding

if TYPE_CHECKING:
    from wizard.organization import AccountAudit


class AuditScreen(StepScreen):
    """Table of users with filter, search, sort, multi-select and export."""

    STEP = "audit"
    EXPLANATION = N_("one credential report, re-checked against assigned devices")
    BINDINGS = [
        # The footer holds what a newcomer needs at 80 columns; the rest is in F1 and Ctrl+P.
        Binding("space", "toggle_select", N_("Select"), tooltip=N_("select the user (for Enroll)")),
        Binding("a", "select_all", N_("All"), tooltip=N_("select every user shown (again: none)")),
        Binding("slash", "search", N_("Search"), tooltip=N_("search by user name or path")),
        Binding(
            "f", "toggle_filter", N_("Filter"), tooltip=N_("all users / only those needing MFA")
        ),
        Binding(
            "s", "cycle_sort", N_("Sort"), tooltip=N_("next sort column (S: reverse the order)")
        ),
        Binding(
            "S", "reverse_sort", N_("Reverse"), show=False, tooltip=N_("reverse the sort order")
        ),
        Binding(
            "enter",
            "enroll_user",
            N_("Enroll"),
            show=False,
            tooltip=N_("enrol the user under the cursor"),
        ),
        Binding("e", "export", N_("Export"), tooltip=N_("write the users shown to CSV or JSON")),
        Binding("g", "accounts", N_("Org"), tooltip=N_("the organization's accounts; open one")),
        Binding("r", "refresh", N_("Refresh"), show=False, tooltip=N_("read the report again")),
        Binding("o", "orphans", N_("Orphans"), show=False, tooltip=N_("remove unassigned devices")),
        Binding(
            "i", "notes", N_("Root & keys"), show=False, tooltip=N_("root's MFA, key-only users")
        ),
        Binding("escape", "clear_search", N_("Clear search"), show=False),
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
        yield Static(_("Running the audit..."), id="audit-summary")
        with Horizontal(id="audit-controls"):
            yield Input(placeholder=_("/ search user or path"), id="audit-search")
            yield Static("", id="audit-filter")
        table: DataTable = DataTable(
            id="audit-table", cursor_type="row", zebra_stripes=True, classes="step-body"
        )
        for key, label in COLUMNS:
            # Deep paths are cut (with …) so the table fits 80 columns, and get the room a wider
            # terminal has; search and export use them whole.
            table.add_column(_(label), key=key, width=PATH_MIN if key == "path" else None)
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
        extra = headings_extra()
        return max(PATH_MIN - extra, min(longest, self.app.size.width - OTHER_COLUMNS - extra))

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
        self._set_summary(_("[b red]The audit did not run.[/] Press r to try again."))

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
        self._set_summary(summary_markup(result))
        self.refresh_table()
        if not result.console_users_without_mfa:
            self.wizard.ctx.done.add("enroll")  # nobody left to enrol
        self.step_done()

    # ------------------------------------------------------------------ organization

    def action_accounts(self) -> None:
        """The organization's accounts; the one picked becomes the account every step acts in."""
        from screens.organization import AccountsScreen

        def picked(account: AccountAudit | None) -> None:
            if account is not None and account.audit is not None:
                self._set_summary(
                    _("[dim]Opening account {account}...[/dim]").format(account=account.account_id)
                )
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
        rows = [
            (u.user_name, cells(u, now, u.user_name in selected, self.path_width)) for u in users
        ]
        # Every column's width set from its cells before they go in: a DataTable that sizes an
        # auto-width column later may keep rows drawn at the header's width (names cut).
        for index, (key, _unused) in enumerate(COLUMNS):
            if key != "path":
                column = table.columns[ColumnKey(key)]
                header = cell_len(column.label.plain)  # with the sort mark, if any
                column.width = max([header] + [cell_width(row[index]) for _unused, row in rows])
                column.auto_width = False
        for name, row in rows:
            table.add_row(*row, key=name)
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
            line.update(
                Text(
                    _("No user matches {strip!r}. Esc clears the search.").format(
                        strip=self.search.strip()
                    )
                )
            )
        elif not self.show_all:
            line.update(_("Every console user has MFA. f shows all users."))
        else:
            line.update(_("This account has no IAM users."))

    def _cursor_user(self) -> str | None:
        table = self.query_one("#audit-table", DataTable)
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(row_key.value) if row_key.value is not None else None

    def _update_filter_label(self) -> None:
        shown = _("all users") if self.show_all else _("users needing MFA")
        # The direction is a glyph and a word, so it reads without colour.
        arrow = _("▼ reversed") if self.sort_reverse else "▲"
        self.query_one("#audit-filter", Static).update(
            _("Showing [b]{shown}[/b] · sort: {column} {arrow}").format(
                shown=shown, column=_(dict(COLUMNS)[self.sort_column]), arrow=arrow
            )
        )
        table = self.query_one("#audit-table", DataTable)
        for key, label in COLUMNS:
            mark = (" ▼" if self.sort_reverse else " ▲") if key == self.sort_column else ""
            column = table.columns[ColumnKey(key)]
            column.label = Text(_(label) + mark)
            column.content_width = max(column.content_width, column.label.cell_len)
        table.refresh()

    def _update_selection_label(self) -> None:
        selected = sorted(self.wizard.ctx.selected_users)
        label = self.query_one("#audit-selection", Static)
        if not selected:
            label.update(_("[dim]space: select users to hand to the Enroll step[/dim]"))
        else:
            label.update(
                _("[b]{count} selected[/b] for Enroll: ").format(count=len(selected))
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
            self.app.push_screen(InfoDialog(_("Root and device types"), notes))

    @work(exclusive=True, group="audit-dialog")
    async def action_orphans(self) -> None:
        """Unassigned virtual devices (left over from failed attempts): show them, offer removal."""
        from screens.dialogs import ConfirmDialog, bullets

        if self.result is None or not self.result.orphan_virtual_mfa_devices:
            return
        serials = list(self.result.orphan_virtual_mfa_devices)
        body = bullets(serials) + _("\nAssigned to nobody: removing them takes MFA from no one.")
        if await self.app.push_screen_wait(
            ConfirmDialog(
                ngettext(
                    "Remove {count} orphaned MFA device?",
                    "Remove {count} orphaned MFA devices?",
                    len(serials),
                ).format(count=len(serials)),
                body,
                _("Remove"),
            )
        ):
            self._set_summary(_("[dim]Removing orphaned devices...[/dim]"))
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
            self.wizard.show_error(exc, title=_("Export failed"))
            return
        self.notify(
            _("Exported {count} users to {written}").format(count=len(users), written=written),
            title=_("Export"),
            markup=False,
        )
