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
from textual.widgets import Button, Collapsible, SelectionList, Static

from screens.base import StepScreen
from screens.dialogs import ConfirmDialog, bullets
from screens.widgets.marked import MarkedSelectionList
from screens.widgets.status import status_markup
from screens.widgets.verdict import report_markup
from wizard.models import AuditResult
from wizard.plan import Status
from wizard.policies import EnforcePlan, default_users
from wizard.policy_documents import describe_policy, load_document
from wizard.verify import VerifyReport


def plan_markup(plan: EnforcePlan) -> str:
    """The plan as Rich markup, most important first so it fits above the fold at 80×24:
    a refusal, who is left out and why, the impact on people, then the changes (the members
    added in one line rather than one line each)."""
    lines = []
    if plan.guard:
        lines.append(f"[b red]Refused:[/] {escape(plan.guard)}")
    elif plan.nothing_to_do:
        lines.append("[green]Nothing to do: everything is already in place.[/]")
    for item in plan.left_out:
        lines.append(f"[yellow]Left out:[/] {escape(str(item))}")
    if plan.impact:
        lines.append("[b]Impact[/b]")
        for item in plan.impact:
            lines.append(f"  [b]{escape(item.user_name)}[/b]: " + escape("; ".join(item.reasons)))
    lines.append("[b]Plan[/b]")
    members = [s for s in plan.steps if s.kind == "member"]
    for step in plan.steps:
        if step in members:
            continue
        lines.append(f"  {status_markup(step.status)}  {escape(step.detail)}")
    adding = [s.name for s in members if s.changes]
    if adding:
        lines.append(
            f"  {status_markup(Status.CREATE)}  "
            f"add {len(adding)} user{'s' * (len(adding) != 1)} to {escape(plan.group)}: "
            + escape(", ".join(adding))
        )
    elif members:
        lines.append(
            f"  {status_markup(members[0].status)}  {len(members)} already in {escape(plan.group)}"
        )
    if plan.diff:
        lines.append("[b]Policy change[/b] (new default version):")
        lines += [f"  [dim]{escape(d)}[/dim]" for d in plan.diff[:12]]
    return "\n".join(lines)


def confirm_lines(plan: EnforcePlan) -> list[str]:
    """What Apply will do, one line per change; the members added as one line with a count
    (2 000 users are one line, not 2 000)."""
    members = [s.name for s in plan.steps if s.kind == "member" and s.changes]
    lines = [s.detail for s in plan.steps if s.changes and s.kind != "member"]
    if members:
        shown = ", ".join(members[:8]) + (
            f" and {len(members) - 8} more" if len(members) > 8 else ""
        )
        lines.append(f"add {len(members)} user(s) to {plan.group}: {shown}")
    return lines


class PolicyScreen(StepScreen):
    """Plan -> confirm -> apply, or undo."""

    STEP = "enforce"
    EXPLANATION = "deny everything without MFA, except managing your own credentials"
    BINDINGS = [
        Binding("p", "plan", "Preview"),
        Binding("a", "apply", "Apply"),
        Binding("u", "undo", "Undo"),
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

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="enforce-body"):
            with Collapsible(title="What the policy allows and denies", id="policy-collapsible"):
                yield Static("\n".join(describe_policy(load_document())), id="policy-words")
            yield Static("[b]Users to put under the policy[/b] (space toggles):", id="users-title")
            yield MarkedSelectionList(id="enforce-users")
            yield Static("[dim]Reading the current state...[/dim]", id="enforce-plan")
        with Horizontal(id="enforce-buttons"):
            yield Button("Preview plan (p)", id="enforce-preview", compact=True)
            yield Button(
                "Apply (a)", id="enforce-apply", variant="warning", compact=True, disabled=True
            )
            yield Button("Undo (u)", id="enforce-undo", compact=True)

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
        chosen = set(plan.users)
        users = self.query_one("#enforce-users", SelectionList)
        # Filling the list is not a change of selection by the admin.
        with users.prevent(SelectionList.SelectedChanged):
            users.clear_options()
            for name in default_users(audit):
                finding = next(u for u in audit.users if u.user_name == name)
                label = f"{name}  {'MFA' if finding.mfa_active else 'no MFA'}"
                users.add_option((label, name, name in chosen))
        self._show_plan(plan)

    def _show_plan(self, plan: EnforcePlan) -> None:
        self.plan = plan
        self.query_one("#enforce-plan", Static).update(plan_markup(plan))
        self.query_one("#enforce-apply", Button).disabled = bool(plan.guard) or plan.nothing_to_do
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return self.plan is not None and not self.plan.guard and not self.plan.nothing_to_do
        return True

    def worker_failed(self, worker: object) -> None:
        self.query_one("#enforce-plan", Static).update(
            "[red]No plan: see the message.[/] Press p to try again."
        )

    @on(Button.Pressed, "#enforce-preview")
    def action_plan(self) -> None:
        if self.audit is None:
            self._load()
            return
        users = list(self.query_one("#enforce-users", SelectionList).selected)
        self.query_one("#enforce-plan", Static).update("[dim]Planning...[/dim]")
        self._replan(users)

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

    @on(SelectionList.SelectedChanged)
    def _selection_changed(self) -> None:
        # The shown plan no longer matches the selection: make the admin look again first.
        self.query_one("#enforce-apply", Button).disabled = True
        self.query_one("#enforce-plan", Static).update(
            "[yellow]Selection changed: press p to preview the plan.[/]"
        )
        self.plan = None
        self.refresh_bindings()

    @on(Button.Pressed, "#enforce-apply")
    @work(exclusive=True, group="enforce-dialog")
    async def action_apply(self) -> None:
        plan = self.plan
        if plan is None or plan.guard or plan.nothing_to_do:
            return
        if set(self.query_one("#enforce-users", SelectionList).selected) != set(plan.users):
            self._selection_changed()  # the plan is not of these users: never apply it
            return
        body = bullets(confirm_lines(plan))
        ok = await self.app.push_screen_wait(ConfirmDialog("Apply the MFA policy?", body, "Apply"))
        if ok:
            self.query_one("#enforce-plan", Static).update("[dim]Applying...[/dim]")
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
        self.report_progress("proving it: a call without MFA, user by user")
        proof = prove_enforcement(services, plan.users, group=plan.group)
        self.post_message(self.PlanApplied(done, after, proof))

    def show_progress(self, text: str) -> None:
        self.query_one("#enforce-plan", Static).update(f"[dim]{escape(text)}...[/dim]")

    @on(PlanApplied)
    def _applied(self, event: PlanApplied) -> None:
        self._show_plan(event.after)
        # Read again after applying: "nothing to do" now means "all of it is in place".
        made = f"[green]Applied: {len(event.done)} change(s) made[/] (undo with u)."
        proof = report_markup(event.proof, "Proven, user by user")
        self.query_one("#enforce-plan", Static).update(
            made
            + "\n"
            + proof
            + "\n\n"
            + plan_markup(event.after).replace(
                "Nothing to do: everything is already in place.", "Everything is in place now."
            )
        )
        self.notify(f"{len(event.done)} change(s) made. Undo with u.", title="Enforce")

    @on(Button.Pressed, "#enforce-undo")
    @work(exclusive=True, group="enforce-dialog")
    async def action_undo(self) -> None:
        from wizard.journal import read
        from wizard.undo import undoable

        todo = undoable(read(), self.wizard.ctx.services, step="enforce")
        if not todo:
            self.notify("Nothing to undo: no enforcement change is in the journal.", title="Undo")
            return
        from wizard.undo import describe_undo

        body = bullets([describe_undo(e) for e in todo])
        ok = await self.app.push_screen_wait(ConfirmDialog("Undo the enforcement?", body, "Undo"))
        if ok:
            self._undo()

    @work(thread=True, exclusive=True, exit_on_error=False, group="enforce")
    def _undo(self) -> None:
        from wizard.policies import plan_enforcement, undo_enforcement

        lines = undo_enforcement(self.wizard.ctx.services)
        assert self.audit is not None
        after = plan_enforcement(self.wizard.ctx.services, self.audit)
        self.post_message(self.EnforcementUndone(lines, after))

    @on(EnforcementUndone)
    def _undone(self, event: EnforcementUndone) -> None:
        self._show_plan(event.after)
        self.notify(f"{len(event.lines)} change(s) undone.", title="Undo")
