"""The fire drill: one synthetic sign-in without MFA, followed hop by hop."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.support.cli import mfa_wizard
from tests.support.filter_eval import matches
from wizard.errors import UsageError
from wizard.monitoring import MonitorOptions, apply_monitoring, plan_monitoring
from wizard.monitoring.drill import DRILL_USER, Hop, drill_event, run_drill, verdict
from wizard.monitoring.names import SIGNIN_PATTERN, SIGNIN_PATTERN_IAM_USERS


def test_the_drill_event_is_a_sign_in_without_mfa_for_both_patterns():
    event = drill_event("123456789012", "us-east-1", datetime.now(UTC))
    assert matches(SIGNIN_PATTERN, event) and matches(SIGNIN_PATTERN_IAM_USERS, event)
    assert "DRILL" in event["mfaWizardDrill"] and event["userIdentity"]["userName"] == DRILL_USER


def test_no_filter_no_drill(services):
    with pytest.raises(UsageError) as info:
        run_drill(services, timeout=1, poll=0.1)
    assert "monitor apply" in info.value.fix


def test_on_moto_the_drill_writes_the_event_and_says_the_metric_hop_cannot_be_seen(services):
    apply_monitoring(plan_monitoring(services, MonitorOptions(minimal=True))[1])
    hops = run_drill(services, timeout=1.5, poll=0.5)
    assert [h.name for h in hops] == ["event written", "metric datapoint"]
    assert hops[0].seen and not hops[1].seen
    assert "moto applies no metric filter" in hops[1].detail
    logs = services.client("logs")
    stream = hops[0].detail.split(" / ")[1]
    (event,) = logs.get_log_events(logGroupName="/mfa-wizard/cloudtrail", logStreamName=stream)[
        "events"
    ]
    assert json.loads(event["message"])["userIdentity"]["userName"] == DRILL_USER


def test_cli_drill_asks_first_and_exits_1_when_a_hop_is_missing(services, demo_env, tmp_path):
    apply_monitoring(plan_monitoring(services, MonitorOptions(minimal=True))[1])
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "journal.jsonl")}
    unconfirmed = mfa_wizard("monitor", "drill", env=env)
    assert unconfirmed.returncode == 1 and "pass --yes" in unconfirmed.stderr
    out = mfa_wizard("monitor", "drill", "--yes", "--timeout", "2", env=env)
    assert out.returncode == 1, out.stderr
    assert "event written" in out.stdout and "not seen  metric datapoint" in out.stdout
    # The demo is not AWS: the metric hop cannot be seen there, which is said as such, not as
    # a fault to fix.
    assert "Not proven here" in out.stdout and "fix it" not in out.stdout


class FakeCloudWatch:
    """AWS as it behaves when the chain works: a datapoint, then ALARM, then the SNS action."""

    def __init__(self, clock, fire: bool = True) -> None:
        self.clock, self.fire = clock, fire

    def get_metric_statistics(self, **_):
        return {"Datapoints": [{"Sum": 1.0}] if self.clock.now > 60 else []}

    def describe_alarms(self, **_):
        state = "ALARM" if self.fire and self.clock.now > 300 else "OK"
        return {"MetricAlarms": [{"StateValue": state, "StateUpdatedTimestamp": datetime.now(UTC)}]}

    def describe_alarm_history(self, **_):
        summary = (
            "Successfully executed action arn:aws:sns:us-east-1:123456789012:mfa-wizard-alerts"
        )
        return {"AlarmHistoryItems": [{"HistorySummary": summary}] if self.clock.now > 310 else []}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("fire", [True, False])
def test_each_hop_is_timed_and_the_first_missing_one_says_what_to_check(
    services, monkeypatch, fire
):
    apply_monitoring(plan_monitoring(services, MonitorOptions(minimal=True))[1])
    clock = Clock()
    fake = FakeCloudWatch(clock, fire)
    real_client = services.client
    monkeypatch.setattr(
        services, "client", lambda name: fake if name == "cloudwatch" else real_client(name)
    )
    said: list[Hop] = []
    hops = run_drill(
        services,
        timeout=600,
        poll=10,
        say=said.append,
        sleep=clock.sleep,
        clock=lambda: clock.now,
        emulated=False,  # the fake CloudWatch above behaves like AWS
    )
    assert said == hops
    if fire:
        assert [h.name for h in hops] == [
            "event written",
            "metric datapoint",
            "alarm ALARM",
            "topic published",
        ]
        assert all(h.seen for h in hops)
        assert [round(h.seconds or 0) for h in hops[1:]] == [70, 310, 320]
        assert verdict(hops) == (
            True,
            "The whole chain works: a sign-in without MFA pages someone.",
        )
    else:
        assert [h.name for h in hops][-1] == "alarm ALARM" and not hops[-1].seen
        assert "actions are enabled" in hops[-1].detail
        # On AWS a missing hop is a fault to fix, not an endpoint that cannot show it.
        assert verdict(hops)[1].startswith("The chain stops at the hop above: fix it")


def test_the_drill_names_every_reader_of_the_log_group_before_writing(services, demo_env):
    """Metric filters, subscription filters (a SIEM's Kinesis stream here) and the topic's
    subscribers are listed before the event is written, so nobody is paged by surprise."""
    apply_monitoring(
        plan_monitoring(services, MonitorOptions(minimal=True, email="sec@example.com"))[1]
    )
    kinesis = services.client("kinesis")
    kinesis.create_stream(StreamName="siem-intake", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName="siem-intake")["StreamDescription"]["StreamARN"]
    services.client("logs").put_subscription_filter(
        logGroupName="/mfa-wizard/cloudtrail",
        filterName="to-siem",
        filterPattern="",
        destinationArn=stream_arn,
        roleArn="arn:aws:iam::123456789012:role/logs-to-kinesis",
    )
    out = mfa_wizard("monitor", "drill", env=demo_env)  # not confirmed: nothing written
    assert out.returncode == 1
    listed = out.stdout
    assert (
        "filter(s) count it: mfa-wizard-console-signin-without-mfa -> ConsoleSignInWithoutMFA"
        in listed
    )
    assert f"subscription filter: to-siem -> Kinesis stream {stream_arn}" in listed
    assert "paged if it works: email sec@example.com" in listed
    streams = services.client("logs").describe_log_streams(logGroupName="/mfa-wizard/cloudtrail")
    assert not any(s["logStreamName"].startswith("mfa-wizard-drill") for s in streams["logStreams"])


def test_the_drill_writes_into_another_teams_log_group_only_when_asked(services, demo_env):
    logs = services.client("logs")
    logs.create_log_group(logGroupName="/org/security/cloudtrail")
    logs.put_metric_filter(
        logGroupName="/org/security/cloudtrail",
        filterName="console-signin-without-mfa",
        filterPattern=SIGNIN_PATTERN,
        metricTransformations=[
            {
                "metricName": "ConsoleSignInWithoutMFA",
                "metricNamespace": "MfaWizard",
                "metricValue": "1",
            }
        ],
    )
    refused = mfa_wizard("monitor", "drill", "--yes", "--timeout", "2", env=demo_env)
    assert refused.returncode == 2 and "--other-log-group" in refused.stderr
    assert "NOT mfa-wizard's own" in refused.stdout
    with pytest.raises(UsageError, match="not mfa-wizard's own"):
        run_drill(services, timeout=1, poll=0.5)  # the domain refuses too, not only the CLI
    assert logs.describe_log_streams(logGroupName="/org/security/cloudtrail")["logStreams"] == []
    asked = mfa_wizard(
        "monitor", "drill", "--yes", "--other-log-group", "--timeout", "2", env=demo_env
    )
    assert "event written" in asked.stdout, asked.stderr
    assert logs.describe_log_streams(logGroupName="/org/security/cloudtrail")["logStreams"]


def test_another_teams_alarms_that_would_count_the_event_are_named_too(services, demo_env):
    """In a log group that is not the wizard's, the people paged are those of every alarm on a
    metric whose filter counts the drill event (logs:TestMetricFilter), not only the wizard's."""
    logs, cw, sns = (services.client(s) for s in ("logs", "cloudwatch", "sns"))
    group = "/org/security/cloudtrail"
    logs.create_log_group(logGroupName=group)
    for name, pattern, metric in (
        ("signins", SIGNIN_PATTERN, "ConsoleSignInWithoutMFA"),
        ("trail-deleted", '{ $.eventName = "DeleteTrail" }', "TrailDeleted"),
    ):
        logs.put_metric_filter(
            logGroupName=group,
            filterName=name,
            filterPattern=pattern,
            metricTransformations=[
                {"metricName": metric, "metricNamespace": "MfaWizard", "metricValue": "1"}
            ],
        )
    for metric, email in (
        ("ConsoleSignInWithoutMFA", "soc@example.com"),
        ("TrailDeleted", "ops@example.com"),
    ):
        topic = sns.create_topic(Name=f"team-{metric}")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=email)
        cw.put_metric_alarm(
            AlarmName=f"team-{metric}",
            MetricName=metric,
            Namespace="MfaWizard",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )
    out = mfa_wizard("monitor", "drill", env=demo_env)
    assert (
        "paged if it works: email soc@example.com (alarm team-ConsoleSignInWithoutMFA)"
        in out.stdout
    )
    assert "ops@example.com" not in out.stdout  # its filter does not count a sign-in
