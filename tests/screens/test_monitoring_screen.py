"""The Monitor step from form to result, driven by Pilot against the moto server."""

from __future__ import annotations

from textual.widgets import Button, DataTable, Input, Static

from screens.monitoring import MonitoringScreen
from tests.support.pilot import settle


async def open_monitor(pilot) -> MonitoringScreen:
    """The Monitor step, once the audit has settled."""
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MonitoringScreen)
    return screen


async def test_form_plan_apply_result_test_email(demo_app, services):
    async with demo_app.run_test(size=(120, 50), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MonitoringScreen)
        screen.query_one("#monitor-email", Input).value = "sec@example.com"
        screen.query_one("#monitor-timezone", Input).value = "Mars/Olympus"
        await pilot.press("f5")
        await settle(pilot)
        assert "not an IANA time zone" in str(screen.query_one("#monitor-verdict", Static).render())
        screen.query_one("#monitor-timezone", Input).value = "Asia/Tokyo"
        screen.query_one("#monitor-quiet", Input).value = "18:00-09:00"
        # Seed 004's boxes: the members' row shows with the groups; IAM only ticks AWS Config,
        # and unticked, the hidden members and IAM-only go with their boxes.
        members = screen.query_one("#monitor-members")
        assert not members.display
        await pilot.click("#monitor-groups")
        assert members.display
        screen.query_one("#monitor-trail-admins", Input).value = "alice.nakamura"
        screen.query_one("#monitor-trail-readers", Input).value = "carol.suzuki, dave.sato"
        await pilot.click("#monitor-config-iam")
        assert screen.query_one("#monitor-config").value
        await pilot.click("#monitor-groups")
        await pilot.click("#monitor-config")
        assert not screen.query_one("#monitor-config-iam").value
        opts = screen.options()
        assert (opts.cloudtrail_groups, opts.trail_readers, opts.config_iam_only) == (
            False,
            (),
            False,
        )
        await pilot.click("#monitor-groups")
        await pilot.click("#monitor-config-iam")
        await pilot.press("f5")
        await settle(pilot)
        table = screen.query_one("#monitor-plan", DataTable)
        rows = {str(table.get_row(k)[2]): table.get_row(k) for k in table.rows}
        admins = next(str(r[3]) for name, r in rows.items() if name.endswith("-admins"))
        assert "can stop or delete the trail" in admins
        kinds = [table.get_row(k)[1] for k in table.rows]
        assert (
            kinds.count("schedule") == 2 and "cloudtrail" in kinds and "email subscription" in kinds
        )
        assert not screen.query_one("#monitor-apply", Button).disabled
        assert (
            services.client("cloudtrail").describe_trails()["trailList"] == []
        )  # a plan changes nothing
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        result = str(screen.query_one("#monitor-result", Static).render())
        # Proven through verify's code, link by link; the filter run against real records.
        assert "A sign-in without MFA pages someone: holds" in result
        assert "logs:TestMetricFilter" in result
        assert "arn:aws:cloudtrail:us-east-1:123456789012:trail/mfa-wizard-trail" in result
        assert (
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:mfa-wizard-console-signin-without-mfa"
            in result
        )
        assert "Nothing to do" in str(screen.query_one("#monitor-verdict", Static).render())
        assert screen.query_one("#monitor-apply", Button).disabled
        readers = services.iam.get_group(GroupName="mfa-wizard-cloudtrail-readers")["Users"]
        assert {u["UserName"] for u in readers} == {"carol.suzuki", "dave.sato"}
        recorder = services.client("config").describe_configuration_recorders()[
            "ConfigurationRecorders"
        ][0]
        assert recorder["recordingGroup"]["resourceTypes"] == [
            "AWS::IAM::User",
            "AWS::IAM::Group",
            "AWS::IAM::Role",
            "AWS::IAM::Policy",
        ]
        schedules = services.client("scheduler").list_schedules()["Schedules"]
        assert {s["Name"] for s in schedules} == {
            "mfa-wizard-quiet-hours-start",
            "mfa-wizard-quiet-hours-end",
        }
        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("n")  # asked first: No changes nothing
        await settle(pilot)
        untouched = services.client("cloudwatch").describe_alarms(
            AlarmNames=["mfa-wizard-console-signin-without-mfa"]
        )["MetricAlarms"][0]
        assert untouched["StateValue"] != "ALARM"
        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        alarm = services.client("cloudwatch").describe_alarms(
            AlarmNames=["mfa-wizard-console-signin-without-mfa"]
        )["MetricAlarms"][0]
        assert alarm["StateValue"] == "ALARM"
        assert "ALARM once" in str(screen.query_one("#monitor-verdict", Static).render())


def test_monitor_form_snapshot(stable_demo_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(stable_demo_app, terminal_size=(80, 24), run_before=run_before)


async def test_fire_drill_after_apply_shows_each_hop(demo_app, services, monkeypatch):
    from wizard.monitoring import MonitorOptions, apply_monitoring, plan_monitoring

    apply_monitoring(plan_monitoring(services, MonitorOptions(minimal=True))[1])
    monkeypatch.setattr(MonitoringScreen, "DRILL_TIMEOUT", 1.0)
    async with demo_app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("f8")
        from screens.dialogs import ConfirmDialog

        for _ in range(40):  # the readers of the log group are read first
            if isinstance(pilot.app.screen, ConfirmDialog):
                break
            await pilot.pause(0.05)
        # Said before anything is written: who reads the log group, and who is paged.
        body = str(pilot.app.screen.query_one("#confirm-body").render())
        assert "count it: mfa-wizard-console-signin-without-mfa" in body
        assert "no subscription filter" in body and "nobody is paged" in body
        await pilot.press("y")
        await settle(pilot)
        for _ in range(40):  # the drill waits up to DRILL_TIMEOUT for the metric
            if "Not proven here" in str(screen.query_one("#monitor-verdict", Static).render()):
                break
            await pilot.pause(0.1)
        result = str(screen.query_one("#monitor-result", Static).render())
        assert "event written" in result and "not seen  metric datapoint" in result
        assert "moto applies no metric filter" in result
        assert "Not proven here" in str(screen.query_one("#monitor-verdict", Static).render())
    # The event is in the log group, marked as a drill.
    streams = services.client("logs").describe_log_streams(logGroupName="/mfa-wizard/cloudtrail")
    assert any(s["logStreamName"].startswith("mfa-wizard-drill-") for s in streams["logStreams"])


async def test_a_plan_goes_stale_when_the_form_changes_and_is_never_applied(demo_app, services):
    # F5, then an email typed: F6 must not apply the old plan (no subscription) as if current.
    from screens.dialogs import ConfirmDialog

    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_monitor(pilot)
        await pilot.press("f5")
        await settle(pilot)
        table = screen.query_one("#monitor-plan", DataTable)
        assert "email subscription" not in [table.get_row(k)[1] for k in table.rows]
        await pilot.click("#monitor-email")
        await pilot.press(*"sec@example.com")
        await pilot.press("escape")
        await settle(pilot)
        assert screen.plan is None and screen.query_one("#monitor-apply", Button).disabled
        assert "changed since the plan" in str(screen.query_one("#monitor-verdict").render())
        await pilot.press("f6")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ConfirmDialog)
        assert services.client("cloudtrail").describe_trails()["trailList"] == []
        # Planned again, the plan has the subscription, and that is what F6 confirms.
        await pilot.press("f5")
        await settle(pilot)
        assert "email subscription" in [table.get_row(k)[1] for k in table.rows]
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        assert "email subscription" in pilot.app.screen.body
        await pilot.press("n")


async def test_apply_refuses_a_plan_whose_form_differs_even_without_an_event(demo_app, services):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_monitor(pilot)
        await pilot.press("f5")
        await settle(pilot)
        with screen.prevent(Input.Changed):
            screen.query_one("#monitor-retention", Input).value = "30"
        await pilot.press("f6")
        await settle(pilot)
        assert "changed since the plan" in str(screen.query_one("#monitor-verdict").render())
        assert services.client("cloudtrail").describe_trails()["trailList"] == []


async def test_f9_tears_down_after_asking_and_the_plan_reads_it_back(demo_app, services):
    from screens.dialogs import ConfirmDialog
    from wizard.monitoring import MonitorOptions, apply_monitoring, plan_monitoring

    apply_monitoring(plan_monitoring(services, MonitorOptions(minimal=True))[1])
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_monitor(pilot)
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        # What the dialog says stays is what stays: the evidence (the demo's bucket is empty).
        assert "The evidence stays: the log group" in pilot.app.screen.body
        await pilot.press("n")
        await settle(pilot)
        assert len(services.client("cloudtrail").describe_trails()["trailList"]) == 1
        await pilot.press("f9")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert services.client("cloudtrail").describe_trails()["trailList"] == []
        result = str(screen.query_one("#monitor-result", Static).render())
        assert (
            "Torn down" in result
            and "deleted alarm mfa-wizard-console-signin-without-mfa" in result
        )
        assert "kept log group" in result and "deleted bucket" in result
        verdict = str(screen.query_one("#monitor-verdict").render())
        assert "Torn down:" in verdict and "1 kept as evidence" in verdict
        # A resize lays the rows out again and leaves the verdict as it is.
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert "Torn down:" in str(screen.query_one("#monitor-verdict").render())
        # The plan shown is read again from AWS: everything is to be made again.
        assert screen.plan is not None and not screen.plan.nothing_to_do


async def test_the_form_offers_the_organization_trail(demo_app):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_monitor(pilot)
        assert screen.options().organization_trail is False
        await pilot.click("#monitor-org-trail")
        await pilot.pause()
        assert screen.options().organization_trail is True
