"""The Enforce step: the policy in plain words, who it applies to, the plan and its impact,
then apply (after a confirmation) or undo."""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Collapsible, Input, SelectionList, Static

from screens.base import StepScreen
from screens.dialogs import ConfirmDialog, bullets
from screens.widgets.enforce_plan import plan_markup, some_names
from screens.widgets.marked import MarkedSelectionList
from screens.widgets.verdict import report_markup
from wizard.i18n import N_, _, ngettext
from wizard.lockout import impact_totals
from wizard.models import AuditResult
from wizard.policies import EnforcePlan, default_users
from wizard.policy_documents import describe_policy, load_document
from wizard.verify import VerifyReport


def confirm_lines(plan: EnforcePlan) -> list[str]:
    """What Apply will do, one line per change; the members added as one line with a count
    (2 000 users are one line, not 2 000)."""
    members = [s.name for s in plan.steps if s.kind == "member" and s.changes]
    lines = [s.detail for s in plan.steps if s.changes and s.kind != "member"]
    if members:
        # Every name up to a dozen (no "and 1 more" that hides who); past that, a count.
        lines.append(
            _("add {count} user(s) to {group}: {some_names}").format(
                count=len(members), group=plan.group, some_names=some_names(members, all_up_to=12)
            )
        )
    return lines


class PolicyScreen(StepScreen):
    """Plan -> confirm -> apply, or undo."""

    STEP = "enforce"
    EXPLANATION = N_("deny everything without MFA, except managing your own credentials")
    BINDINGS = [
        Binding(
            "p", "plan", N_("Preview"), tooltip=N_("plan for the users chosen (nothing changes)")
        ),
        Binding(
            "a", "apply", N_("Apply"), tooltip=N_("apply the plan shown, after a confirmation")
        ),
        Binding("u", "undo", N_("Undo"), tooltip=N_("reverse the enforcement (journal)")),
        Binding("slash", "search", N_("Search"), tooltip=N_("narrow the user list and the detail")),
        Binding("plus", "choose_all", N_("All"), show=False, tooltip=N_("choose every user shown")),
        Binding(
            "minus", "choose_none", N_("None"), show=False, tooltip=N_("choose none of those shown")
        ),
        Binding("d", "toggle_detail", N_("Detail"), tooltip=N_("the impact user by user")),
        Binding("c", "toggle_cli", "CLI", tooltip=N_("each change's command line")),
    ]

    @dataclass
    class StateRead(Message):
        audit: AuditResult
        plan: EnforcePlan

    @dataclass
    class PlanMade(Message):
        plan: EnforcePlan

    @dataclass
    class PlanApplied(Message):
        done: list[str]
        after: EnforcePlan
        proof: VerifyReport

    @dataclass
    class EnforcementUndone(Message):
        lines: list[str]
        after: EnforcePlan

    def __init__(self) -> None:
        super().__init__()
        self.plan: EnforcePlan | None = None
        self.audit: AuditResult | None = None
        # Who is chosen, whatever the search shows: the list is only a view of it.
        self.chosen: set[str] = set()
        self.candidates: list[tuple[str, str]] = []  # (name, label)
        self.detail = False
        self.show_cli = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="enforce-body", classes="step-body"):
            with Collapsible(title=_("What the policy allows and denies"), id="policy-collapsible"):
                yield Static("\n".join(describe_policy(load_document())), id="policy-words")
            yield Static("", id="users-title")
            with Horizontal(id="enforce-user-tools"):
                yield Input(placeholder=_("/ search users"), id="enforce-search", compact=True)
                yield Button(_("All (+)"), id="enforce-all", compact=True)
                yield Button(_("None (-)"), id="enforce-none", compact=True)
            yield MarkedSelectionList(id="enforce-users")
            yield Static(_("[dim]Reading the current state...[/dim]"), id="enforce-plan")
        with Horizontal(id="enforce-buttons"):
            yield Button(_("Preview plan (p)"), id="enforce-preview", compact=True)
            yield Button(
                _("Apply (a)"), id="enforce-apply", variant="warning", compact=True, disabled=True
            )
            yield Button(_("Undo (u)"), id="enforce-undo", compact=True)

    def on_mount(self) -> None:
        self._load()

    def on_screen_resume(self) -> None:
        if self.audit is not None and self.wizard.ctx.last_audit is not self.audit:
            self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="enforce")
    def _load(self) -> None:
        from wizard.audit import run_audit
        from wizard.policies import plan_enforcement

        audit = self.wizard.ctx.last_audit or run_audit(self.wizard.ctx.services)
        plan = plan_enforcement(self.wizard.ctx.services, audit)
        self.post_message(self.StateRead(audit, plan))

    @on(StateRead)
    def _loaded(self, event: StateRead) -> None:
        audit, plan = event.audit, event.plan
        self.audit = audit
        self.wizard.ctx.last_audit = audit
        self.chosen = set(plan.users)
        by_name = {u.user_name: u for u in audit.users}
        self.candidates = [
            (name, f"{name}  " + ("MFA" if by_name[name].mfa_active else _("no MFA")))
            for name in default_users(audit)
        ]
        self._fill_users()
        self._show_plan(plan)
        if plan.nothing_to_do and not plan.guard:
            self.step_done()  # enforced already (this sitting or before)

    def _fill_users(self) -> None:
        """The list shows the candidates matching the search, ticked when chosen."""
        needle = self.query_one("#enforce-search", Input).value.strip().lower()
        users = self.query_one("#enforce-users", SelectionList)
        # Filling the list is not a change of selection by the admin.
        with users.prevent(SelectionList.SelectedChanged):
            users.clear_options()
            for name, label in self.candidates:
                if needle in name.lower():
                    users.add_option((label, name, name in self.chosen))
        shown = users.option_count
        total = len(self.candidates)
        self.query_one("#users-title", Static).update(
            _("[b]Users to put under the policy[/b]: {chosen} of {total} chosen").format(
                chosen=len(self.chosen), total=total
            )
            + (_(" · {shown} shown").format(shown=shown) if shown != total else "")
            + _(" (space toggles)")
        )

    def _plan_text(self, plan: EnforcePlan) -> str:
        needle = self.query_one("#enforce-search", Input).value
        return plan_markup(plan, detail=self.detail, needle=needle, cli=self.show_cli)

    def _show_plan(self, plan: EnforcePlan) -> None:
        self.plan = plan
        self.query_one("#enforce-plan", Static).update(self._plan_text(plan))
        self.query_one("#enforce-apply", Button).disabled = bool(plan.guard) or plan.nothing_to_do
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return self.plan is not None and not self.plan.guard and not self.plan.nothing_to_do
        return True

    def worker_failed(self, worker: object) -> None:
        self.query_one("#enforce-plan", Static).update(
            _("[red]No plan: see the message.[/] Press p to try again.")
        )

    @on(Button.Pressed, "#enforce-preview")
    def action_plan(self) -> None:
        if self.audit is None:
            self._load()
            return
        self.query_one("#enforce-plan", Static).update(_("[dim]Planning...[/dim]"))
        self._replan(sorted(self.chosen))

    @work(thread=True, exclusive=True, exit_on_error=False, group="enforce")
    def _replan(self, users: list[str]) -> None:
        from wizard.policies import plan_enforcement

        assert self.audit is not None
        self.post_message(
            self.PlanMade(plan_enforcement(self.wizard.ctx.services, self.audit, users=users))
        )

    @on(PlanMade)
    def _plan_made(self, event: PlanMade) -> None:
        self._show_plan(event.plan)
        self.neutral_focus()

    @on(SelectionList.SelectedChanged)
    def _toggled(self) -> None:
        """The admin ticked or unticked users shown: the others keep their choice."""
        users = self.query_one("#enforce-users", SelectionList)
        self.chosen = (self.chosen - self._shown_users()) | set(users.selected)
        self._fill_users()
        self._selection_changed()

    def _shown_users(self) -> set[str]:
        """The users the list shows now (the search's matches)."""
        users = self.query_one("#enforce-users", SelectionList)
        return {users.get_option_at_index(i).value for i in range(users.option_count)}

    def _redraw_plan(self) -> None:
        """The plan shown again with the view's options (detail, search, CLI lines)."""
        if self.plan is not None:
            self.query_one("#enforce-plan", Static).update(self._plan_text(self.plan))

    @on(Input.Changed, "#enforce-search")
    def _search_changed(self) -> None:
        self._fill_users()
        if self.detail:
            self._redraw_plan()

    @on(Input.Submitted, "#enforce-search")
    def _search_done(self) -> None:
        users = self.query_one("#enforce-users", SelectionList)
        if users.option_count and users.highlighted is None:
            users.highlighted = 0  # space toggles at once, no Down first
        users.focus()

    def action_search(self) -> None:
        self.query_one("#enforce-search", Input).focus()

    @on(Button.Pressed, "#enforce-all")
    def action_choose_all(self) -> None:
        self._choose(True)

    @on(Button.Pressed, "#enforce-none")
    def action_choose_none(self) -> None:
        self._choose(False)

    def _choose(self, chosen: bool) -> None:
        """Choose (or un-choose) every user the search shows."""
        shown = self._shown_users()
        self.chosen = (self.chosen | shown) if chosen else (self.chosen - shown)
        self._fill_users()
        self._selection_changed()

    def action_toggle_detail(self) -> None:
        self.detail = not self.detail
        self._redraw_plan()

    def action_toggle_cli(self) -> None:
        self.show_cli = not self.show_cli
        self._redraw_plan()

    def _selection_changed(self) -> None:
        # The shown plan no longer matches the selection: make the admin look again first.
        self.query_one("#enforce-apply", Button).disabled = True
        self.query_one("#enforce-plan", Static).update(
            _("[yellow]Selection changed: press p to preview the plan.[/]")
        )
        self.plan = None
        self.refresh_bindings()

    @on(Button.Pressed, "#enforce-apply")
    @work(exclusive=True, group="enforce-dialog")
    async def action_apply(self) -> None:
        plan = self.plan
        if plan is None or plan.guard or plan.nothing_to_do:
            return
        if self.chosen != set(plan.users):
            self._selection_changed()  # the plan is not of these users: never apply it
            return
        totals = impact_totals(plan.impact).lines() if plan.impact else []
        body = bullets(confirm_lines(plan))
        if totals:
            body += _("\nImpact:\n") + bullets(totals)
        ok = await self.app.push_screen_wait(
            ConfirmDialog(_("Apply the MFA policy?"), body, _("Apply"))
        )
        if ok:
            self.query_one("#enforce-plan", Static).update(_("[dim]Applying...[/dim]"))
            self._apply(plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enforce")
    def _apply(self, plan: EnforcePlan) -> None:
        from wizard.policies import apply_enforcement, plan_enforcement
        from wizard.verify import prove_enforcement

        services = self.wizard.ctx.services
        done = apply_enforcement(services, plan, self.report_progress)
        assert self.audit is not None
        after = plan_enforcement(services, self.audit, users=plan.users)
        # The step ends by proving its own outcome, through verify's code: for each of these
        # users, a call without MFA is denied and MFA set-up is not.
        self.report_progress(_("proving it: a call without MFA, user by user"))
        proof = prove_enforcement(services, plan.users, group=plan.group)
        self.post_message(self.PlanApplied(done, after, proof))

    def show_progress(self, text: str) -> None:
        self.query_one("#enforce-plan", Static).update(
            _("[dim]{escape}...[/dim]").format(escape=escape(text))
        )

    @on(PlanApplied)
    def _applied(self, event: PlanApplied) -> None:
        self._show_plan(event.after)
        # Read again after applying: "nothing to do" now means "all of it is in place".
        made = ngettext(
            "[green]Applied: {count} change made[/] (undo with u).",
            "[green]Applied: {count} changes made[/] (undo with u).",
            len(event.done),
        ).format(count=len(event.done))
        proof = report_markup(event.proof, _("Proven, user by user"))
        self.query_one("#enforce-plan", Static).update(
            made
            + "\n"
            + proof
            + "\n\n"
            + self._plan_text(event.after).replace(
                _("Nothing to do: everything is already in place."),
                _("Everything is in place now."),
            )
        )
        self.notify(
            _("{count} change(s) made. Undo with u.").format(count=len(event.done)),
            title=_("Enforce"),
        )
        if event.proof.holds:
            self.step_done()

    @on(Button.Pressed, "#enforce-undo")
    @work(exclusive=True, group="enforce-dialog")
    async def action_undo(self) -> None:
        from wizard.journal import read
        from wizard.undo import undoable

        todo = undoable(read(), self.wizard.ctx.services, step="enforce")
        if not todo:
            self.notify(
                _("Nothing to undo: no enforcement change is in the journal."), title=_("Undo")
            )
            return
        from wizard.undo import describe_undo

        body = bullets([describe_undo(e) for e in todo])
        ok = await self.app.push_screen_wait(
            ConfirmDialog(_("Undo the enforcement?"), body, _("Undo"))
        )
        if ok:
            self._undo()

    @work(thread=True, exclusive=True, exit_on_error=False, group="enforce")
    def _undo(self) -> None:
        from wizard.policies import plan_enforcement
        from wizard.undo import undo_enforcement

        lines = undo_enforcement(self.wizard.ctx.services)
        assert self.audit is not None
        after = plan_enforcement(self.wizard.ctx.services, self.audit)
        self.post_message(self.EnforcementUndone(lines, after))

    @on(EnforcementUndone)
    def _undone(self, event: EnforcementUndone) -> None:
        self.step_undone()
        self._show_plan(event.after)
        self.notify(_("{count} change(s) undone.").format(count=len(event.lines)), title=_("Undo"))
