"""The journal (0600, never a secret), undo --last, the summary, and resume."""

from __future__ import annotations

import contextlib
import json
import stat

import pytest
from textual.worker import WorkerFailed

from wizard import clock, journal, resume, summary
from wizard.audit import run_audit
from wizard.cli import main as cli
from wizard.policies import DEFAULT_GROUP, apply_enforcement, plan_enforcement


def test_journal_file_is_private_and_refuses_secret_fields(services):
    entry = journal.record(services, "test", "did_something", "resource-x", undo=None, detail="ok")
    path = journal.journal_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert journal.read()[-1].id == entry.id
    for bad in ({"SecretAccessKey": "x"}, {"seed": "x"}, {"nested": {"SessionToken": "x"}}):
        with pytest.raises(ValueError, match="secret"):
            journal.record(services, "test", "leak", "r", undo=bad)
    assert len(journal.read()) == 1
    path.write_text(path.read_text() + "{broken line\n")
    assert len(journal.read()) == 1  # a damaged line is skipped


def test_journal_and_undo_last_on_the_command_line(services, demo_env, monkeypatch, capsys):
    for key, value in demo_env.items():
        monkeypatch.setenv(key, value)
    plan = plan_enforcement(services, run_audit(services), users=["dave.sato", "erin.kobayashi"])
    apply_enforcement(services, plan)
    assert cli.run(["journal"]) == 0
    out = capsys.readouterr().out
    assert "create_policy" in out and "add_user_to_group" in out
    assert cli.run(["undo", "--last", "2", "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.count("undone: add_user_to_group") == 2
    members = {u["UserName"] for u in services.iam.get_group(GroupName="MFARequired")["Users"]}
    assert members == set()
    assert cli.run(["journal"]) == 0
    assert out.count("(undone)") == 0 and "(undone)" in capsys.readouterr().out
    assert cli.run(["undo", "--last", "9", "--yes"]) == 0  # the rest: attach, group, policy
    assert "MFARequired" not in {g["GroupName"] for g in services.iam.list_groups()["Groups"]}
    assert cli.run(["undo", "--yes"]) == 0
    assert "Nothing to undo" in capsys.readouterr().out
    assert cli.run(["journal", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert all(
        set(e) >= {"time", "account", "region", "action", "resource", "outcome", "undo"}
        for e in entries
    )


def test_summary_before_and_after(services):
    before = summary.capture(services)
    assert before.console_users_without_mfa and before.trail == "none"
    plan = plan_enforcement(services, run_audit(services), users=["dave.sato"])
    apply_enforcement(services, plan)
    after = summary.capture(services)
    assert after.users_under_policy == ["dave.sato"]
    text = summary.markdown(before, after, ["enforce: add_user_to_group MFARequired dave.sato"])
    assert "| Users in MFARequired | 0 | 1 |" in text
    assert "## Changes made" in text and "dave.sato" in text


def test_summary_command(services, demo_env, monkeypatch, capsys, tmp_path):
    for key, value in demo_env.items():
        monkeypatch.setenv(key, value)
    assert cli.run(["summary", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["account_id"] == "123456789012" and doc["console_users"] == 12
    assert cli.run(["summary", "--output", str(tmp_path / "s.md")]) == 0
    assert (tmp_path / "s.md").read_text().startswith("# MFA posture of account 123456789012")


def test_resume_file_keeps_only_non_secret_choices():
    resume.save(
        "111",
        {"step": "enforce", "selected_users": ["a"], "secret": "x", "monitor": {"email": "a@b.co"}},
    )
    assert resume.load("111") == {
        "step": "enforce",
        "selected_users": ["a"],
        "monitor": {"email": "a@b.co"},
    }
    assert stat.S_IMODE(resume.resume_path().stat().st_mode) == 0o600
    assert resume.load("222") == {}
    resume.forget("111")
    assert resume.load("111") == {}


async def test_leaving_and_starting_again_returns_to_the_step(demo):
    from screens.app import WizardContext, create_app

    def new_app():
        services = demo.services(max_attempts=2)
        return create_app(
            WizardContext(services=services, identity=services.identity(), resume=True)
        )

    first = new_app()
    async with first.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        with contextlib.suppress(WorkerFailed):
            await first.workers.wait_for_complete()
        await pilot.press("space")
        selected = set(first.ctx.selected_users)
        await pilot.press("5")
        await pilot.pause()
        first.screen.query_one("#monitor-email").value = "sec@example.com"
        await pilot.press("escape", "3")
        await pilot.pause()
        with contextlib.suppress(WorkerFailed):
            await first.workers.wait_for_complete()
    second = new_app()
    async with second.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert second.screen.STEP == "enforce"
        assert second.ctx.selected_users == selected
        await pilot.press("5")
        await pilot.pause()
        assert second.screen.query_one("#monitor-email").value == "sec@example.com"
        with contextlib.suppress(WorkerFailed):
            await second.workers.wait_for_complete()


def test_undo_acts_in_each_entrys_own_region(services):
    # An alarm made in eu-west-1; undo run with a us-east-1 target must delete that one, and
    # leave the us-east-1 alarm of the same name alone.
    from wizard.undo import undo_entries, undoable

    def alarm(region):
        return services.in_region(region).client("cloudwatch")

    for region in ("eu-west-1", "us-east-1"):
        alarm(region).put_metric_alarm(
            AlarmName="mfa-wizard-x",
            MetricName="M",
            Namespace="N",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    journal.record(
        services.in_region("eu-west-1"),
        "monitor",
        "put_metric_alarm",
        "mfa-wizard-x",
        undo={"op": "delete_alarm", "name": "mfa-wizard-x"},
    )
    todo = undoable(journal.read(), services)
    assert todo and todo[0].region == "eu-west-1"
    from wizard.undo import describe_undo

    assert "(in eu-west-1)" in describe_undo(todo[0])
    undo_entries(services, todo)
    assert alarm("eu-west-1").describe_alarms(AlarmNames=["mfa-wizard-x"])["MetricAlarms"] == []
    assert alarm("us-east-1").describe_alarms(AlarmNames=["mfa-wizard-x"])["MetricAlarms"]


def test_enforce_undo_never_reaches_the_scp(services):
    journal.record(
        services,
        "scp",
        "attach_scp",
        "p-1 -> r-1",
        undo={"op": "detach_scp", "policy_id": "p-1", "target": "r-1"},
    )
    from wizard.undo import undoable

    assert undoable(journal.read(), services, step="enforce") == []
    assert len(undoable(journal.read(), services, step="scp")) == 1


def test_undo_keeps_the_evidence_like_teardown(services):
    from wizard.undo import undo_entries, undoable

    logs = services.client("logs")
    logs.create_log_group(logGroupName="/mfa-wizard/cloudtrail")
    journal.record(
        services,
        "monitor",
        "create_log_group",
        "/mfa-wizard/cloudtrail",
        undo={"op": "delete_log_group", "name": "/mfa-wizard/cloudtrail"},
    )
    [(entry, outcome)] = undo_entries(services, undoable(journal.read(), services))
    assert outcome.startswith("kept")
    assert logs.describe_log_groups(logGroupNamePrefix="/mfa-wizard/cloudtrail")["logGroups"]


def test_summary_reads_past_the_first_page(services):
    # A lived-in account: 60 metric filters before ours on one log group, and 120 members in the
    # group (list pages hold 50 filters and 100 members): the summary must see past page one.
    from wizard.monitoring.names import SIGNIN_PATTERN

    logs = services.client("logs")
    logs.create_log_group(logGroupName="/org/cloudtrail")
    for i in range(60):
        logs.put_metric_filter(
            logGroupName="/org/cloudtrail",
            filterName=f"a-{i:02d}",
            filterPattern=f'{{ $.eventName = "Event{i}" }}',
            metricTransformations=[
                {"metricName": f"m{i}", "metricNamespace": "Org", "metricValue": "1"}
            ],
        )
    logs.put_metric_filter(
        logGroupName="/org/cloudtrail",
        filterName="z-signin",
        filterPattern=SIGNIN_PATTERN,
        metricTransformations=[{"metricName": "s", "metricNamespace": "Org", "metricValue": "1"}],
    )
    iam = services.iam
    iam.create_group(GroupName=DEFAULT_GROUP)
    clock.sleep(
        1.1
    )  # virtual time; the realism layer: a new group is not visible to AddUserToGroup at once
    backend_users = [f"bulk-{i:03d}" for i in range(120)]
    for name in backend_users:
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName=DEFAULT_GROUP, UserName=name)
    state = summary.capture(services)
    assert state.signin_filter == "z-signin on /org/cloudtrail"
    assert set(state.users_under_policy) == set(backend_users)
