"""Who hears a fire drill: every consumer of the log group the drill writes into.

The drill's synthetic ConsoleLogin is real data in that log group. Before it is written, the
person running it is told everything that will see it: the metric filters on the group (and the
metrics they feed), the subscription filters (a SIEM, Firehose, Lambda or Kinesis stream gets
the event too), and the subscribers of the sign-in alarm's topics, who are paged if it works.
It is written only into the wizard's own log group unless asked (`drill.refuse_foreign`).

Needs: logs:DescribeMetricFilters, logs:DescribeSubscriptionFilters, logs:TestMetricFilter,
cloudwatch:DescribeAlarms, cloudwatch:DescribeAlarmsForMetric, sns:ListSubscriptionsByTopic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wizard.aws import Services, paginate
from wizard.errors import aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.alerts import is_confirmed, topic_subscriptions
from wizard.monitoring.names import names_for

# A subscription filter's destination, by the service in its ARN.
_KINDS = {
    "firehose": N_("Firehose delivery stream"),
    "lambda": N_("Lambda function"),
    "kinesis": N_("Kinesis stream"),
    "logs": N_("CloudWatch Logs destination (often another account's SIEM)"),
}


@dataclass
class Audience:
    """Everything that sees, or is paged by, an event written into `group`."""

    group: str
    own: bool  # the wizard's own log group
    metric_filters: list[str] = field(default_factory=list)
    subscription_filters: list[str] = field(default_factory=list)
    subscribers: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What to say before the drill: who is paged and who receives the event first (they
        matter most, and must fit a small dialog), then the metric filters in one line."""
        out = [
            _("Log group {group}").format(group=self.group)
            + ("" if self.own else _(" (NOT mfa-wizard's own: other teams may read it)"))
        ]
        out += [_("  paged if it works: {who}").format(who=s) for s in self.subscribers] or [
            _("  nobody is paged: the alarm's topics have no confirmed subscriber")
        ]
        out += [
            _("  subscription filter: {filter}").format(filter=f) for f in self.subscription_filters
        ] or [_("  no subscription filter (no SIEM, Firehose or Lambda receives it)")]
        if self.metric_filters:
            out.append(
                _("  {count} metric filter(s) count it: {filters}").format(
                    count=len(self.metric_filters), filters="; ".join(self.metric_filters)
                )
            )
        return out


def drill_audience(services: Services, group: str) -> Audience:
    """Read every consumer of `group`: its filters, and everyone the alarms on the metrics of the
    filters that count the drill event would page (another team's alarms included)."""
    n = names_for(services.identity().account_id, services.region)
    logs, cw = services.client("logs"), services.client("cloudwatch")
    with aws_errors("DescribeMetricFilters"):
        metric = paginate(logs, "describe_metric_filters", "metricFilters", logGroupName=group)
    with aws_errors("DescribeSubscriptionFilters"):
        subs = paginate(
            logs, "describe_subscription_filters", "subscriptionFilters", logGroupName=group
        )
    audience = Audience(group, own=group == n.log_group)
    for f in metric:
        names = ", ".join(t["metricName"] for t in f.get("metricTransformations", []))
        audience.metric_filters.append(f"{f['filterName']} -> {names}")
    for f in subs:
        arn = str(f.get("destinationArn", ""))
        kind = _(_KINDS.get(arn.split(":")[2] if arn.count(":") >= 2 else "", N_("destination")))
        audience.subscription_filters.append(f"{f['filterName']} -> {kind} {arn}")
    alarms: dict[str, dict[str, Any]] = {}
    with aws_errors("DescribeAlarms"):
        for alarm in cw.describe_alarms(AlarmNames=[n.signin_alarm])["MetricAlarms"]:
            alarms[alarm["AlarmName"]] = alarm
    for f in counting(services, metric):
        for t in f.get("metricTransformations", []):
            with aws_errors("DescribeAlarmsForMetric"):
                found = cw.describe_alarms_for_metric(
                    MetricName=t["metricName"], Namespace=t["metricNamespace"]
                )["MetricAlarms"]
            alarms.update((a["AlarmName"], a) for a in found)
    for name, alarm in sorted(alarms.items()):
        if alarm.get("ActionsEnabled") is False:
            continue  # silenced: pages nobody now
        for topic in (a for a in alarm.get("AlarmActions", []) if ":sns:" in a):
            for sub in filter(is_confirmed, topic_subscriptions(services, topic)):
                who = f"{sub['Protocol']} {sub['Endpoint']} (alarm {name})"
                if who not in audience.subscribers:
                    audience.subscribers.append(who)
    return audience


def counting(services: Services, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The filters whose pattern counts the drill event (logs:TestMetricFilter); where that
    cannot be asked (an emulator without it, no permission), every filter, so nobody who may be
    paged goes unnamed."""
    from wizard.errors import is_denied, is_missing_operation, translate
    from wizard.monitoring.drill import drill_event

    identity = services.identity()
    event = json.dumps(drill_event(identity.account_id, services.region, datetime.now(UTC)))
    logs = services.client_with_attempts("logs", 1)
    out = []
    for f in filters:
        try:
            answer = logs.test_metric_filter(
                filterPattern=f["filterPattern"], logEventMessages=[event]
            )
        except Exception as exc:
            if is_missing_operation(exc) or is_denied(exc):
                out.append(f)
                continue
            raise translate(exc, "TestMetricFilter") from None
        if answer.get("matches"):
            out.append(f)
    return out
