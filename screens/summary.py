"""The Summary step: before and after side by side, the changes of this sitting, Markdown export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from screens.base import StepScreen
from screens.dialogs import ExportDialog
from screens.widgets.status import cut
from screens.widgets.verdict import report_markup
from wizard.errors import WizardError
from wizard.files import export_text
from wizard.i18n import N_, _
from wizard.summary import PostureState, markdown
from wizard.verify import VerifyReport

CELL = 24  # columns per value: the label (26) and two values fit an 80-column terminal


class SummaryScreen(StepScreen):
    """What changed since the wizard started."""

    @dataclass
    class PostureRead(Message):
        after: PostureState

    @dataclass
    class Verified(Message):
        report: VerifyReport

    STEP = "summary"
    EXPLANATION = N_("the account before this sitting and now")
    BINDINGS = [
        Binding("r", "refresh", N_("Refresh")),
        Binding("v", "verify", N_("Verify again")),
        Binding("e", "export", N_("Export Markdown")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.after: PostureState | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="summary-body", classes="step-body"):
            yield Static(_("[dim]Reading the account...[/dim]"), id="summary-status")
            yield DataTable(id="summary-table", cursor_type="row", show_cursor=False)
            yield Static(_("[dim]Proving it from AWS...[/dim]"), id="summary-verify")
            yield Static("", id="summary-changes")

    def on_mount(self) -> None:
        self.query_one("#summary-table", DataTable).add_columns("", _("Before"), _("Now"))
        self.action_refresh()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self._capture()
        self.action_verify()

    def action_verify(self) -> None:
        """Prove the three outcomes again, from what AWS holds now (mfa-wizard verify)."""
        self.query_one("#summary-verify", Static).update(_("[dim]Proving it from AWS...[/dim]"))
        self._verify()

    @work(thread=True, exclusive=True, exit_on_error=False, group="summary-verify")
    def _verify(self) -> None:
        from wizard.verify import run_verify

        self.post_message(self.Verified(run_verify(self.wizard.ctx.services)))

    @on(Verified)
    def _verified(self, event: Verified) -> None:
        self.query_one("#summary-verify", Static).update(
            report_markup(event.report, _("Proven from AWS now (v verifies again)"))
        )
        if event.report.holds:
            self.step_done()

    @work(thread=True, exclusive=True, exit_on_error=False, group="summary")
    def _capture(self) -> None:
        from wizard.summary import capture

        self.post_message(self.PostureRead(capture(self.wizard.ctx.services)))

    @on(PostureRead)
    def _show(self, event: PostureRead) -> None:
        after = event.after
        self.after = after
        before = self.wizard.ctx.before
        table = self.query_one("#summary-table", DataTable)
        table.clear()
        before_rows = dict(before.rows()) if before else {}
        in_full = []
        for label, now in after.rows():
            was = before_rows.get(label, _("(not captured)"))
            style = "" if was == now or not before else "[b green]"
            # Two value columns fit 80 columns at 24 each; a longer value is cut in the table
            # and given whole below it.
            shown = Text(cut(now, CELL), style="bold green" if style else "")
            table.add_row(label, Text(cut(was, CELL)), shown)
            if cell_len(was) > CELL or cell_len(now) > CELL:
                whole = f"  {label}: {now}" + (
                    _(" (before: {was})").format(was=was) if was != now else ""
                )
                in_full.append(escape(whole))
        full = _("[b]In full[/b]\n") + "\n".join(in_full) + "\n\n" if in_full else ""
        changes = self.changes()
        still = after.console_users_without_mfa
        pending = (
            _("[b]Still without MFA:[/b] {users}\n\n").format(users=escape(", ".join(still)))
            if still
            else ""
        )
        self.query_one("#summary-changes", Static).update(
            pending
            + full
            + (
                _("[b]Changes made in this sitting[/b]\n")
                + "\n".join(f"  {escape(c)}" for c in changes)
                if changes
                else _("[dim]No change was made in this sitting.[/dim]")
            )
        )
        self.query_one("#summary-status", Static).update(
            _("Now: {taken_at}").format(taken_at=after.taken_at)
            + (_(" · before: {taken_at}").format(taken_at=before.taken_at) if before else "")
        )

    def changes(self) -> list[str]:
        """This sitting's journal entries, for this account."""
        from wizard.journal import read

        started = self.wizard.ctx.started_at
        return [
            f"{e.time[11:19]} {e.step}: {e.action} {e.resource}"
            + (_(" (undone)") if e.undone_by else "")
            for e in read()
            if e.account == self.wizard.ctx.account_id and e.time >= started and e.action != "undo"
        ]

    def markdown(self) -> str:
        """The report as Markdown."""
        assert self.after is not None
        return markdown(self.wizard.ctx.before, self.after, self.changes())

    @work(exclusive=True, group="summary-export")
    async def action_export(self) -> None:
        if self.after is None:
            return
        stem = f"mfa-posture-{self.after.account_id}-{self.after.taken_at[:10]}"
        choice = await self.app.push_screen_wait(ExportDialog(stem, formats=("md",)))
        if choice is None:
            return
        path, _unused = choice
        try:
            written = export_text(Path(path), self.markdown())
        except WizardError as exc:
            self.wizard.show_error(exc, title=_("Export failed"))
            return
        self.notify(_("Wrote {written}").format(written=written), title=_("Summary"), markup=False)
