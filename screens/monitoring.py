"""The Monitor step: a short form, the plan table, apply with progress, every ARN, a test email."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, Label, ProgressBar, Select, Static
from textual.widgets.data_table import ColumnKey

from screens.dialogs import ConfirmDialog, bullets
from screens.monitor_actions import MonitorActions
from screens.widgets.marked import MarkedCheckbox
from screens.widgets.status import cut, status_markup
from screens.widgets.verdict import report_markup
from wizard.enrollment import user_names
from wizard.errors import UsageError
from wizard.i18n import N_, _, ngettext
from wizard.monitoring import MonitorOptions, MonitorPlan, names_for, validate
from wizard.verify import VerifyReport

# Said when the form no longer matches the plan shown (or there is none to apply).
STALE_PLAN = N_("[yellow]The form changed since the plan:[/] F5 plans again.")


def _first_sentence(text: str) -> str:
    """The first sentence of a note (up to the first ': ', '. ' or Japanese '。'), ended with a
    full stop of its own language."""
    cuts = [(text.find(mark), mark) for mark in (". ", ": ", "。") if mark in text]
    if not cuts:
        return text
    at, mark = min(cuts)
    head = text[:at]
    if mark == "。" or (head and ord(head[-1]) > 0x3000):
        return head + "。"
    return head + "."


class MonitoringScreen(MonitorActions):
    """Form -> plan -> apply (progress) -> result."""

    STEP = "monitor"
    EXPLANATION = N_("CloudTrail -> metric filter -> alarm -> email, step by step")
    BINDINGS = [
        Binding("e", "email", N_("Email"), tooltip=N_("type the email the alarm notifies")),
        Binding("f5", "plan", N_("Plan")),
        Binding("f6", "apply", N_("Apply")),
        Binding("f7", "test_notification", N_("Test email")),
        Binding("f8", "drill", N_("Fire drill")),
        Binding(
            "f9",
            "teardown",
            N_("Tear down"),
            tooltip=N_("remove what mfa-wizard made (asks first)"),
        ),
    ]

    @dataclass
    class PlanMade(Message):
        plan: MonitorPlan

    @dataclass
    class ChangeApplying(Message):
        done: int
        what: str

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, MonitoringScreen.ChangeApplying)

    @dataclass
    class PlanApplied(Message):
        results: list[str]
        after: MonitorPlan
        proof: VerifyReport

    def __init__(self) -> None:
        super().__init__()
        self.plan: MonitorPlan | None = None
        self.drill_lines: list[str] = []

    def compose_body(self) -> ComposeResult:
        names = names_for("0", "x")
        with VerticalScroll(id="monitor-body", classes="step-body"):
            with Horizontal(classes="form-row"):
                yield Label(_("Email      "), classes="form-label")
                yield Input(
                    placeholder=_("email for alerts (optional)"), id="monitor-email", compact=True
                )
            with Horizontal(classes="form-row"):
                yield Label(_("Time zone  "), classes="form-label")
                yield Input(value="UTC", id="monitor-timezone", compact=True)
                yield Label(_(" Retention "), classes="form-label")
                yield Input(value="365", id="monitor-retention", compact=True)
            with Horizontal(classes="form-row"):
                yield Label(_("Quiet hours"), classes="form-label")
                yield Input(
                    placeholder=_("HH:MM-HH:MM (optional)"), id="monitor-quiet", compact=True
                )
                yield Select(
                    [
                        (_("trail changes alarm"), names.trail_changes_alarm),
                        (_("no-MFA sign-in alarm (!)"), names.signin_alarm),
                    ],
                    value=names.trail_changes_alarm,
                    allow_blank=False,
                    id="monitor-quiet-alarm",
                    compact=True,
                )
            # Two short rows: every box stays on screen at 60 columns.
            with Horizontal(classes="form-row"):
                yield MarkedCheckbox(_("KMS key"), True, id="monitor-kms", compact=True)
                yield MarkedCheckbox(_("IAM users only"), id="monitor-iam-only", compact=True)
                yield MarkedCheckbox(_("minimal"), id="monitor-minimal", compact=True)
            with Horizontal(classes="form-row"):
                yield MarkedCheckbox(_("quiet no-MFA alarm too"), id="monitor-insist", compact=True)
                # From the management account: one trail for every account of the organization.
                yield MarkedCheckbox(_("organization trail"), id="monitor-org-trail", compact=True)
            with Horizontal(classes="form-row"):
                # Seed 004: the CloudTrail admin/reader groups, and AWS Config beside the trail.
                yield MarkedCheckbox(_("CloudTrail groups"), id="monitor-groups", compact=True)
                yield MarkedCheckbox(_("AWS Config"), id="monitor-config", compact=True)
                yield MarkedCheckbox(_("Config: IAM"), id="monitor-config-iam", compact=True)
            with Horizontal(classes="form-row", id="monitor-members"):
                yield Label(_("Admins     "), classes="form-label")
                yield Input(placeholder=_("user,user"), id="monitor-trail-admins", compact=True)
                yield Label(_(" Readers "), classes="form-label")
                yield Input(placeholder=_("user,user"), id="monitor-trail-readers", compact=True)
            yield Static("", id="monitor-verdict")
            # The highlighted row in full above the table: its "What" column is cut at 80 cols.
            yield Static("", id="monitor-row")
            yield DataTable(id="monitor-plan", cursor_type="row")
            yield ProgressBar(id="monitor-progress", show_eta=False)
            yield Static("", id="monitor-result")
        with Horizontal(id="monitor-buttons"):
            # The keys are in the footer; the buttons are for the mouse, short enough for 60 cols.
            yield Button(_("Plan"), id="monitor-plan-button", compact=True)
            yield Button(
                _("Apply"), id="monitor-apply", variant="warning", compact=True, disabled=True
            )
            yield Button(_("Test email"), id="monitor-test", compact=True)
            yield Button(_("Fire drill"), id="monitor-drill", compact=True)
            yield Button(_("Tear down"), id="monitor-teardown", compact=True)

    def on_mount(self) -> None:
        self.query_one("#monitor-row").display = False  # until a row is highlighted
        self.query_one("#monitor-members").display = False  # until the groups are ticked
        table = self.query_one("#monitor-plan", DataTable)
        # Name is cut to leave "What" room at 80 columns; the highlighted row is shown whole above.
        table.add_column(_("Status"), width=9)
        table.add_column(_("Resource"), width=13, key="kind")
        table.add_column(_("Name"), width=20, key="name")
        table.add_column(_("What"))
        self.query_one("#monitor-progress").display = False
        saved = self.wizard.ctx.saved.get("monitor") or {}
        for field_id, key in (
            ("#monitor-email", "email"),
            ("#monitor-timezone", "timezone"),
            ("#monitor-quiet", "quiet_hours"),
            ("#monitor-retention", "retention"),
        ):
            if saved.get(key):
                self.query_one(field_id, Input).value = str(saved[key])

    def on_screen_suspend(self) -> None:
        self.wizard.remember(
            monitor={
                "email": self.query_one("#monitor-email", Input).value.strip(),
                "timezone": self.query_one("#monitor-timezone", Input).value.strip(),
                "quiet_hours": self.query_one("#monitor-quiet", Input).value.strip(),
                "retention": self.query_one("#monitor-retention", Input).value.strip(),
            }
        )

    def options(self) -> MonitorOptions:
        """The form as validated options (a UsageError names the bad field)."""
        retention_text = self.query_one("#monitor-retention", Input).value.strip()
        if not retention_text.isdigit():
            raise UsageError(
                _("retention {retention_text!r} is not a number of days").format(
                    retention_text=retention_text
                ),
                _("type e.g. 365"),
            )
        quiet = self.query_one("#monitor-quiet", Input).value.strip() or None
        groups = self.query_one("#monitor-groups", Checkbox).value
        return validate(
            MonitorOptions(
                email=self.query_one("#monitor-email", Input).value.strip() or None,
                timezone=self.query_one("#monitor-timezone", Input).value.strip(),
                quiet_hours=quiet,
                quiet_alarm=str(self.query_one("#monitor-quiet-alarm", Select).value)
                if quiet
                else None,
                insist_quiet_signin_alarm=self.query_one("#monitor-insist", Checkbox).value,
                kms=self.query_one("#monitor-kms", Checkbox).value,
                minimal=self.query_one("#monitor-minimal", Checkbox).value,
                iam_users_only=self.query_one("#monitor-iam-only", Checkbox).value,
                organization_trail=self.query_one("#monitor-org-trail", Checkbox).value,
                retention_days=int(retention_text),
                cloudtrail_groups=groups,
                # Members count only while the groups are ticked (the fields are hidden then).
                trail_admins=user_names(self.query_one("#monitor-trail-admins", Input).value)
                if groups
                else (),
                trail_readers=user_names(self.query_one("#monitor-trail-readers", Input).value)
                if groups
                else (),
                config_recorder=self.query_one("#monitor-config", Checkbox).value,
                config_iam_only=self.query_one("#monitor-config-iam", Checkbox).value,
            )
        )

    @on(Checkbox.Changed, "#monitor-minimal")
    def _minimal_changed(self, event: Checkbox.Changed) -> None:
        # --minimal is the cheaper set: no KMS key (nor access logs, root-usage, tamper alarms).
        self.query_one("#monitor-kms", Checkbox).value = not event.value

    @on(Checkbox.Changed, "#monitor-groups")
    def _groups_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#monitor-members").display = event.value

    @on(Checkbox.Changed, "#monitor-config-iam")
    def _config_iam_changed(self, event: Checkbox.Changed) -> None:
        if event.value:  # IAM only narrows the recorder: it implies one
            self.query_one("#monitor-config", Checkbox).value = True

    @on(Checkbox.Changed, "#monitor-config")
    def _config_changed(self, event: Checkbox.Changed) -> None:
        if not event.value:  # no recorder: nothing to narrow
            self.query_one("#monitor-config-iam", Checkbox).value = False

    @on(
        Input.Changed,
        "#monitor-email, #monitor-timezone, #monitor-retention, #monitor-quiet, "
        "#monitor-trail-admins, #monitor-trail-readers",
    )
    @on(Checkbox.Changed)
    @on(Select.Changed, "#monitor-quiet-alarm")
    def _form_changed(self) -> None:
        """An input the plan was made from changed: the plan shown is no longer what F6 would
        run, so it goes (F6 says to plan again) rather than apply something else."""
        if self.plan is None:
            return
        self.plan = None
        self.query_one("#monitor-apply", Button).disabled = True
        self.query_one("#monitor-plan", DataTable).clear()
        self.query_one("#monitor-row").display = False
        self._verdict(_(STALE_PLAN))
        self.refresh_bindings()

    def _plan_is_current(self, plan: MonitorPlan) -> bool:
        """True when the form still says what `plan` was made from."""
        try:
            return self.options() == plan.options
        except UsageError:
            return False

    def _verdict(self, markup: str) -> None:
        self.query_one("#monitor-verdict", Static).update(markup)

    @on(Button.Pressed, "#monitor-plan-button")
    def action_plan(self) -> None:
        try:
            options = self.options()
        except UsageError as exc:
            self._verdict(f"[red]{escape(exc.message)}[/]")
            return
        self._verdict(N_("[dim]Reading the account...[/dim]"))
        self._plan(options)

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor")
    def _plan(self, options: MonitorOptions) -> None:
        from wizard.monitoring import plan_monitoring

        _unused, plan = plan_monitoring(self.wizard.ctx.services, options)
        self.post_message(self.PlanMade(plan))

    @on(PlanMade)
    def _plan_made(self, event: PlanMade) -> None:
        self._show_plan(event.plan)
        self.neutral_focus()  # out of the field: the next digit changes step

    def _show_plan(self, plan: MonitorPlan) -> None:
        self.plan = plan
        self._fill_table(plan)
        # One line per note here (the whole text is in `mfa-wizard monitor plan`).
        notes = "\n".join(
            _("[yellow]Note:[/] {note}").format(note=escape(_first_sentence(note)))
            for note in plan.notes
        )
        if plan.nothing_to_do:
            self._verdict(
                _("[green]Nothing to do: every resource is in place.[/]")
                + ("\n" + notes if notes else "")
            )
        else:
            count = sum(1 for c in plan.changes if c.changes)
            self._verdict(
                ngettext(
                    "{count} change to make. F6 applies it.",
                    "{count} changes to make. F6 applies them.",
                    count,
                ).format(count=count)
                + ("\n" + notes if notes else "")
            )
        self.query_one("#monitor-apply", Button).disabled = plan.nothing_to_do
        if plan.nothing_to_do:
            self.step_done()  # every resource is in place, read from AWS

    def _fill_table(self, plan: MonitorPlan) -> None:
        """The plan's rows, their widths taken from the terminal's width now."""
        table = self.query_one("#monitor-plan", DataTable)
        table.clear()
        # Resource is as wide as its widest kind, never cut (メトリクスフィルター: 20 columns).
        # Names get what the terminal has beyond Status, Resource and 40 for What (20 at 80x24;
        # 16 in Japanese, whose wider kinds take the difference).
        kinds = max([13, *(cell_len(_(c.kind)) for c in plan.changes)])
        longest = max((len(c.name) for c in plan.changes), default=20)
        width = max(16, min(longest, self.app.size.width - 47 - kinds))
        table.columns[ColumnKey("kind")].width = kinds
        table.columns[ColumnKey("name")].width = width
        for index, change in enumerate(plan.changes):
            table.add_row(
                status_markup(change.status),
                _(change.kind),
                Text(cut(change.name, width)),
                # Text (it names an email, a key policy's principals), cut with … to the room
                # left; the highlighted row is shown whole above the table.
                Text(cut(change.detail, max(20, self.app.size.width - width - 23 - kinds))),
                key=str(index),
            )

    def on_resize(self) -> None:
        # Only the rows are laid out again: the verdict (a result, a drill) stays as it is.
        if self.plan is not None:
            self._fill_table(self.plan)

    @on(DataTable.RowHighlighted, "#monitor-plan")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.plan is None or event.row_key.value is None:
            return
        change = self.plan.changes[int(event.row_key.value)]
        row = self.query_one("#monitor-row", Static)
        cost = (
            _(" [dim]· cost {cost}[/dim]").format(cost=escape(change.cost))
            if change.cost and change.changes
            else ""
        )
        row.update(f"[b]{_(change.kind)}[/b] {escape(change.name)}: {escape(change.detail)}{cost}")
        row.display = True

    def action_email(self) -> None:
        self.query_one("#monitor-email", Input).focus()

    def show_progress(self, text: str) -> None:
        self._verdict(f"[dim]{escape(text)}...[/dim]")

    def worker_failed(self, worker: object) -> None:
        self.query_one("#monitor-progress").display = False
        self._verdict(
            N_(
                "[red]Stopped: see the message.[/] What was made is in the journal; plan again "
                "to continue."
            )
        )

    @on(Button.Pressed, "#monitor-apply")
    @work(exclusive=True, group="monitor-dialog")
    async def action_apply(self) -> None:
        plan = self.plan
        if plan is None:
            # Nothing silent: say what to do first.
            self._verdict(N_("[yellow]No plan yet:[/] press F5 to plan, then F6 to apply it."))
            return
        if not self._plan_is_current(plan):
            self._verdict(_(STALE_PLAN))
            return
        if plan.nothing_to_do:
            self._verdict(N_("[green]Nothing to apply:[/] every resource is in place."))
            return
        changes = [f"{c.status.label} {_(c.kind)} {c.name}" for c in plan.changes if c.changes]
        # Every change, in a dialog that scrolls: what is confirmed is what runs.
        ok = await self.app.push_screen_wait(
            ConfirmDialog(
                _("Change the monitoring of account {account}?").format(
                    account=self.wizard.ctx.account_id
                ),
                bullets(changes),
                _("Apply"),
            )
        )
        if ok:
            bar = self.query_one("#monitor-progress", ProgressBar)
            bar.display = True
            bar.update(total=len(changes), progress=0)
            self._apply(plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor")
    def _apply(self, plan: MonitorPlan) -> None:
        from wizard.monitoring import plan_monitoring
        from wizard.monitoring.planner import apply_current

        def progress(index: int, total: int, what: str) -> None:
            self.post_message(self.ChangeApplying(index - 1, what))

        from wizard.verify import prove_alerting

        # Planned again under the apply lock: a plan gone stale meanwhile is refused.
        results = apply_current(self.wizard.ctx.services, plan, progress)
        _unused, after = plan_monitoring(self.wizard.ctx.services, plan.options)
        # The step ends by proving its own outcome, through verify's code: trail, filter (run
        # against real sign-in records), alarm, topic, key and buckets, link by link.
        self.post_message(self.ChangeApplying(len(plan.changes), _("proving the alarm chain")))
        proof = prove_alerting(self.wizard.ctx.services)
        self.post_message(self.PlanApplied(results, after, proof))

    @on(ChangeApplying)
    def _progress(self, event: ChangeApplying) -> None:
        self.query_one("#monitor-progress", ProgressBar).update(progress=event.done)
        self._verdict(f"[dim]{escape(event.what)}...[/dim]")

    @on(PlanApplied)
    def _applied(self, event: PlanApplied) -> None:
        results, after = event.results, event.after
        # Done: the bar goes (the result below says what was made).
        self.query_one("#monitor-progress", ProgressBar).display = False
        self._show_plan(after)
        self.query_one("#monitor-result", Static).update(
            report_markup(event.proof, _("A sign-in without MFA pages someone"))
            + _("\n\n[b]Created / updated[/b]\n")
            + "\n".join(escape(r) for r in results)
        )
        self.notify(
            _("{count} resource(s) created or updated.").format(count=len(results)),
            title=_("Monitor"),
        )
        self.neutral_focus()
        if after.nothing_to_do:
            self._verdict(
                _(
                    "[green]Nothing to do now: every resource is in place.[/] [b]F8[/b] runs a "
                    "fire drill: a marked sign-in without MFA followed through metric, alarm and "
                    "topic (it pages the subscribers)."
                )
            )
