"""The Monitor step's actions on what exists: the fire drill, a test email, the teardown. A base
of MonitoringScreen, which owns the form, the plan and apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import on, work
from textual.message import Message
from textual.widgets import Button, Static

from screens.base import StepScreen
from screens.dialogs import ConfirmDialog
from wizard.i18n import _

if TYPE_CHECKING:
    from wizard.monitoring import MonitorOptions, MonitorPlan


class MonitorActions(StepScreen):
    """F7 test email, F8 fire drill, F9 teardown."""

    # How long the drill follows the chain (AWS: filter ~1-2 min + a 5-minute alarm period).
    DRILL_TIMEOUT = 600.0

    @dataclass
    class DrillHopSeen(Message):
        line: str

    @dataclass
    class DrillFinished(Message):
        complete: bool
        words: str

    @dataclass
    class TestNotificationSent(Message):
        alarm: str
        reachable: bool

    @dataclass
    class TornDown(Message):
        lines: list[str]
        after: MonitorPlan

    plan: MonitorPlan | None
    drill_lines: list[str]

    def _verdict(self, markup: str) -> None:
        raise NotImplementedError

    def _show_plan(self, plan: MonitorPlan) -> None:
        raise NotImplementedError

    def options(self) -> MonitorOptions:
        raise NotImplementedError

    @on(Button.Pressed, "#monitor-drill")
    @work(exclusive=True, group="monitor-dialog")
    async def action_drill(self) -> None:
        import asyncio

        from wizard.monitoring.audience import drill_audience
        from wizard.monitoring.drill import signin_log_group

        services = self.wizard.ctx.services
        self._verdict(_("[dim]Reading who would see the drill...[/dim]"))
        try:
            # Before anything is written: every reader of the log group, and who is paged.
            audience = await asyncio.to_thread(
                lambda: drill_audience(services, signin_log_group(services))
            )
        except Exception as exc:  # the error dialog names cause and fix
            self._verdict("")
            self.wizard.show_error(exc, title=_("Fire drill"))
            return
        self._verdict("")
        ok = await self.app.push_screen_wait(
            ConfirmDialog(
                _("Run a fire drill?")
                if audience.own
                else _("Run a fire drill in a log group that is not mfa-wizard's?"),
                _(
                    "Writes one synthetic ConsoleLogin-without-MFA event, marked as a drill, then "
                    "follows it: metric -> alarm -> topic. Everything below sees it; tell them "
                    "first."
                )
                + "\n"
                + "\n".join(audience.lines()),
                _("Run drill"),
            )
        )
        if ok:
            self.drill_lines = [_("[b]Fire drill[/b]")]
            self.query_one("#monitor-result", Static).update(self.drill_lines[0])
            self._verdict(_("[dim]Drill running: each hop appears below as it is seen...[/dim]"))
            # Confirming after "not mfa-wizard's" was said is the asking.
            self._drill(allow_foreign=not audience.own)

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor")
    def _drill(self, allow_foreign: bool = False) -> None:
        from wizard.monitoring.drill import run_drill, verdict

        hops = run_drill(
            self.wizard.ctx.services,
            timeout=self.DRILL_TIMEOUT,
            say=lambda hop: self.post_message(self.DrillHopSeen(hop.line())),
            allow_foreign=allow_foreign,
        )
        self.post_message(self.DrillFinished(*verdict(hops)))

    @on(DrillHopSeen)
    def _hop_seen(self, event: DrillHopSeen) -> None:
        self.drill_lines.append(escape(event.line))
        result = self.query_one("#monitor-result", Static)
        result.update("\n".join(self.drill_lines))
        result.scroll_visible()
        # The latest hop where the eye is (the result area may be below the fold at 80x24).
        self._verdict(f"[dim]Drill:[/dim] {self.drill_lines[-1]}")

    @on(DrillFinished)
    def _drill_finished(self, event: DrillFinished) -> None:
        colour = "green" if event.complete else "yellow"
        self._verdict(f"[{colour}]{escape(event.words)}[/]")
        # The hops are below the plan: bring them into view (the page may be scrolled).
        self.query_one("#monitor-result", Static).scroll_visible()

    @on(Button.Pressed, "#monitor-test")
    @work(exclusive=True, group="monitor-dialog")
    async def action_test_notification(self) -> None:
        # It emails every confirmed subscriber: asked first, like the drill.
        ok = await self.app.push_screen_wait(
            ConfirmDialog(
                _("Send a test notification?"),
                _(
                    "Sets the no-MFA sign-in alarm to ALARM once: its action publishes to the "
                    "topic and every confirmed subscriber gets an email now. The next evaluation "
                    "resets it."
                ),
                _("Send"),
            )
        )
        if ok:
            self._test()

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor")
    def _test(self) -> None:
        from wizard.monitoring import send_test_notification

        sent = send_test_notification(self.wizard.ctx.services)  # asked in the dialog already
        assert sent is not None
        self.post_message(self.TestNotificationSent(*sent))

    @on(TestNotificationSent)
    def _test_sent(self, event: TestNotificationSent) -> None:
        self._verdict(
            _("[green]Set {alarm} to ALARM once[/]: ").format(alarm=event.alarm)
            + (
                _("confirmed subscribers get the email within a minute.")
                if event.reachable
                else _(
                    "[yellow]nobody will receive it[/]: the topic has no confirmed subscription."
                )
            )
        )

    @on(Button.Pressed, "#monitor-teardown")
    @work(exclusive=True, group="monitor-dialog")
    async def action_teardown(self) -> None:
        """Remove what mfa-wizard made for monitoring, after saying what goes and what stays."""
        from wizard.monitoring import names_for

        ctx = self.wizard.ctx
        names = names_for(ctx.account_id, ctx.region)
        ok = await self.app.push_screen_wait(
            ConfirmDialog(
                _("Tear down the monitoring of account {account}?").format(account=ctx.account_id),
                _(
                    "Deletes what mfa-wizard created in {region} (found by name and tag): the "
                    "trail {trail}, its alarms, topic and subscriptions, metric filters, roles and "
                    "schedules; the CloudTrail groups {admins} and {readers} (their members taken "
                    "out) and the AWS Config recorder and channel {recorder}, if there. After it, "
                    "a sign-in without MFA pages nobody.\nThe evidence stays: the log group "
                    "{log_group}, the bucket {bucket} if it holds logs (an empty one is deleted), "
                    "and the KMS key that encrypts them. `mfa-wizard monitor teardown --purge` "
                    "deletes those too."
                ).format(
                    region=ctx.region,
                    trail=names.trail,
                    admins=names.trail_admins_group,
                    readers=names.trail_readers_group,
                    recorder=names.config_recorder,
                    log_group=names.log_group,
                    bucket=names.bucket,
                ),
                _("Tear down"),
            )
        )
        if ok:
            self._verdict(_("[dim]Tearing down...[/dim]"))
            self._teardown()

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor")
    def _teardown(self) -> None:
        from wizard.monitoring import plan_monitoring, teardown

        services = self.wizard.ctx.services
        lines = teardown(services, on_progress=self.report_progress)
        options = self.plan.options if self.plan is not None else self.options()
        self.post_message(self.TornDown(lines, plan_monitoring(services, options)[1]))

    @on(TornDown)
    def _torn_down(self, event: TornDown) -> None:
        self.step_undone()
        self._show_plan(event.after)
        deleted = sum(1 for line in event.lines if getattr(line, "kind", "") == "deleted")
        kept = sum(1 for line in event.lines if getattr(line, "kind", "") == "kept")
        # Where the eye is: the lines themselves are below the plan.
        self._verdict(
            _(
                "[b]Torn down:[/b] {deleted} deleted, {kept} kept as evidence (listed below). "
                "F5 plans it again."
            ).format(deleted=deleted, kept=kept)
            if event.lines
            else _("Nothing to tear down: mfa-wizard made nothing here.")
        )
        self.query_one("#monitor-result", Static).update(
            _("[b]Torn down[/b]\n") + "\n".join(escape(line) for line in event.lines)
            if event.lines
            else _("Nothing to tear down: mfa-wizard made nothing here.")
        )
        self.neutral_focus()
