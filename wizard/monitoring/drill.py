"""A fire drill: does a sign-in without MFA really page someone?

`test-notification` sets the alarm's state by hand, which proves only the last hop. The drill
writes one synthetic CloudTrail record (a ConsoleLogin without MFA, clearly marked as a drill) into
the log group the sign-in filter watches, then watches each hop and times it:

    event written -> metric datapoint -> alarm in ALARM -> the alarm's action ran (topic published)

Each hop has its own time limit inside the overall one; the first hop not seen stops the drill
with what to check. The event is real data in the log group (a stream named mfa-wizard-drill-...):
it is evidence of the drill, not of a sign-in, and says so in every field a reader looks at.

Needs: logs:DescribeMetricFilters, logs:CreateLogStream, logs:PutLogEvents,
cloudwatch:GetMetricStatistics, cloudwatch:DescribeAlarms, cloudwatch:DescribeAlarmHistory.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard import clock as timing
from wizard.aws import Services
from wizard.errors import UsageError, aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.names import NAMESPACE, SIGNIN_METRIC, names_for
from wizard.partition import partition_of_region

DRILL_USER = "mfa-wizard-fire-drill"
DEFAULT_TIMEOUT = 600.0  # filter ~1-2 min + a 5-minute alarm period + the action
EMULATED_TIMEOUT = 15.0


@dataclass
class Hop:
    """One hop of the chain: when it was seen (seconds after the event), or what to check."""

    name: str
    seconds: float | None
    detail: str
    # False when this endpoint cannot show the hop at all (moto applies no metric filter): the
    # chain is then not proven here, rather than broken.
    observable: bool = True

    @property
    def seen(self) -> bool:
        return self.seconds is not None

    def line(self) -> str:
        """One line for people."""
        when = (
            _("{seconds:6.1f} s").format(seconds=self.seconds)
            if self.seconds is not None
            else _("  not seen")
        )
        return f"{when}  {_(self.name)}: {self.detail}"


def verdict(hops: list[Hop]) -> tuple[bool, str]:
    """(whether the whole chain was seen, one sentence for people)."""
    if len(hops) == 4 and all(h.seen for h in hops):
        return True, _("The whole chain works: a sign-in without MFA pages someone.")
    if hops and not hops[-1].observable:
        return False, _(
            "Not proven here: the event was written, but this endpoint (not AWS) cannot show the "
            "metric, so the rest of the chain is unobservable. Run the drill against AWS."
        )
    return False, _("The chain stops at the hop above: fix it, then run the drill again.")


def drill_event(account: str, region: str, when: datetime) -> dict[str, Any]:
    """A CloudTrail ConsoleLogin record without MFA that matches both sign-in patterns."""
    return {
        "eventVersion": "1.08",
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "eventType": "AwsConsoleSignIn",
        "awsRegion": region,
        "recipientAccountId": account,
        "eventID": str(uuid.uuid4()),
        "userIdentity": {
            "type": "IAMUser",
            "accountId": account,
            "userName": DRILL_USER,
            "arn": f"arn:{partition_of_region(region)}:iam::{account}:user/{DRILL_USER}",
        },
        "sourceIPAddress": "192.0.2.1",  # TEST-NET-1: no real address
        "userAgent": "mfa-wizard fire drill",
        "additionalEventData": {"MFAUsed": "No", "MfaWizardDrill": "this is a drill"},
        "responseElements": {"ConsoleLogin": "Success"},
        "mfaWizardDrill": "THIS IS A DRILL written by `mfa-wizard monitor drill`, not a sign-in",
    }


def signin_log_group(services: Services) -> str:
    """The log group whose metric filter feeds the no-MFA sign-in metric."""
    logs = services.client("logs")
    with aws_errors("DescribeMetricFilters"):
        found = [
            f
            for page in logs.get_paginator("describe_metric_filters").paginate(
                metricName=SIGNIN_METRIC, metricNamespace=NAMESPACE
            )
            for f in page["metricFilters"]
        ]
    if not found:
        raise UsageError(
            _("there is no no-MFA sign-in filter to drill"),
            _("run `mfa-wizard monitor apply` first"),
        )
    return str(found[0]["logGroupName"])


def refuse_foreign(group: str, own: bool, allow_foreign: bool) -> None:
    """The drill writes into the wizard's own log group only, unless asked: any other group's
    readers (another team's alarms, a SIEM) would see the event too."""
    if not own and not allow_foreign:
        raise UsageError(
            _(
                "the no-MFA sign-in filter is on {group}, not mfa-wizard's own log group: the "
                "drill event would be read by whatever else reads that group"
            ).format(group=group),
            _(
                "check its readers (listed by `mfa-wizard monitor drill`), then run again with "
                "--other-log-group"
            ),
        )


def run_drill(
    services: Services,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll: float = 10.0,
    say: Callable[[Hop], None] | None = None,
    sleep: Callable[[float], None] = timing.sleep,
    clock: Callable[[], float] = timing.monotonic,
    emulated: bool | None = None,
    allow_foreign: bool = False,
) -> list[Hop]:
    """Write the drill event and follow it hop by hop; returns every hop tried.

    `emulated` (default: an endpoint that is not AWS) shortens the wait, since no metric filter
    is applied there. The event goes only into the wizard's own log group unless
    `allow_foreign` (`wizard.monitoring.audience`: say first who reads it).
    """
    if emulated is None:
        emulated = bool(services.effective_endpoint)
    identity = services.identity()
    n = names_for(identity.account_id, services.region)
    if emulated:
        # Not AWS (the demo, a moto server): no metric filter is ever applied there, so the
        # metric hop cannot come; a short look is enough to say so honestly.
        timeout = min(timeout, EMULATED_TIMEOUT)
    group = signin_log_group(services)
    refuse_foreign(group, group == n.log_group, allow_foreign)
    logs, cw = services.client("logs"), services.client("cloudwatch")
    written_at = datetime.now(UTC)
    stream = f"mfa-wizard-drill-{written_at:%Y%m%dT%H%M%SZ}"
    start = clock()
    hops: list[Hop] = []

    def note(hop: Hop) -> Hop:
        hops.append(hop)
        if say:
            say(hop)
        return hop

    with aws_errors("PutLogEvents"):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        event = drill_event(identity.account_id, services.region, written_at)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[
                {"timestamp": int(written_at.timestamp() * 1000), "message": json.dumps(event)}
            ],
        )
    note(Hop(N_("event written"), clock() - start, f"{group} / {stream}"))

    def wait_for(check: Callable[[], bool]) -> float | None:
        while True:
            if check():
                return clock() - start
            if clock() - start + poll > timeout:
                return None
            sleep(poll)

    def datapoint() -> bool:
        with aws_errors("GetMetricStatistics"):
            points = cw.get_metric_statistics(
                Namespace=NAMESPACE,
                MetricName=SIGNIN_METRIC,
                StartTime=written_at - timedelta(minutes=5),
                EndTime=datetime.now(UTC) + timedelta(minutes=1),
                Period=60,
                Statistics=["Sum"],
            )["Datapoints"]
        return any(p.get("Sum", 0) >= 1 for p in points)

    seconds = wait_for(datapoint)
    if seconds is None:
        why = (
            _(
                "this endpoint is not AWS: moto applies no metric filter, so this hop cannot be "
                "observed here"
            )
            if emulated
            else _(
                "check that the filter pattern matches the event (aws logs test-metric-filter) "
                "and that the filter is on the trail's log group"
            )
        )
        note(
            Hop(
                N_("metric datapoint"),
                None,
                _("no {metric} datapoint: {why}").format(metric=SIGNIN_METRIC, why=why),
                not emulated,
            )
        )
        return hops
    note(Hop(N_("metric datapoint"), seconds, f"{NAMESPACE}/{SIGNIN_METRIC} >= 1"))

    def alarm_fired() -> bool:
        with aws_errors("DescribeAlarms"):
            alarms = cw.describe_alarms(AlarmNames=[n.signin_alarm])["MetricAlarms"]
        return any(
            a.get("StateValue") == "ALARM"
            and a.get("StateUpdatedTimestamp", written_at) >= written_at
            for a in alarms
        )

    seconds = wait_for(alarm_fired)
    if seconds is None:
        note(
            Hop(
                N_("alarm ALARM"),
                None,
                _(
                    "{alarm} did not go to ALARM: check its metric, statistic (Sum >= 1) and "
                    "period, and that its actions are enabled (quiet hours disable them)"
                ).format(alarm=n.signin_alarm),
            )
        )
        return hops
    note(Hop(N_("alarm ALARM"), seconds, n.signin_alarm))

    def action_ran() -> bool:
        with aws_errors("DescribeAlarmHistory"):
            items = cw.describe_alarm_history(
                AlarmName=n.signin_alarm, HistoryItemType="Action", StartDate=written_at
            )["AlarmHistoryItems"]
        return any("sns" in str(i.get("HistorySummary", "")).lower() for i in items)

    seconds = wait_for(action_ran)
    if seconds is None:
        note(
            Hop(
                N_("topic published"),
                None,
                _(
                    "the alarm's action did not run: check the alarm's actions, the topic policy "
                    "(cloudwatch.amazonaws.com may publish) and, with --kms, the key policy"
                ),
            )
        )
        return hops
    note(
        Hop(
            N_("topic published"),
            seconds,
            _("{topic}: every confirmed subscriber is being notified now").format(topic=n.topic),
        )
    )
    return hops
