"""Who hears a fire drill: every consumer of the log group the drill writes into.

The drill's synthetic ConsoleLogin is real data in that log group. Before it is written, the
person running it is told everything that will see it: the metric filters on the group (and the
metrics they feed), the subscription filters (a SIEM, Firehose, Lambda or Kinesis stream gets
the event too), and the subscribers of the sign-in alarm's topics, who are paged if it works.
It is written only into the wizard's own log group unless asked (`allow_foreign`).

Needs: logs:DescribeMetricFilters, logs:DescribeSubscriptionFilters, cloudwatch:DescribeAlarms,
sns:ListSubscriptionsByTopic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.aws import Services, paginate
from wizard.errors import UsageError, aws_errors
from wizard.monitoring.base import _try
from wizard.monitoring.names import names_for

# A subscription filter's destination, by the service in its ARN.
_KINDS = {
    "firehose": "Firehose delivery stream",
    "lambda": "Lambda function",
    "kinesis": "Kinesis stream",
    "logs": "CloudWatch Logs destination (often another account's SIEM)",
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
            f"Log group {self.group}"
            + ("" if self.own else " (NOT mfa-wizard's own: other teams may read it)")
        ]
        out += [f"  paged if it works: {s}" for s in self.subscribers] or [
            "  nobody is paged: the alarm's topics have no confirmed subscriber"
        ]
        out += [f"  subscription filter: {f}" for f in self.subscription_filters] or [
            "  no subscription filter (no SIEM, Firehose or Lambda receives it)"
        ]
        if self.metric_filters:
            out.append(
                f"  {len(self.metric_filters)} metric filter(s) count it: "
                + "; ".join(self.metric_filters)
            )
        return out


def drill_audience(services: Services, group: str) -> Audience:
    """Read every consumer of `group` and of the sign-in alarm's topics."""
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
        kind = _KINDS.get(arn.split(":")[2] if arn.count(":") >= 2 else "", "destination")
        audience.subscription_filters.append(f"{f['filterName']} -> {kind} {arn}")
    with aws_errors("DescribeAlarms"):
        alarms = cw.describe_alarms(AlarmNames=[n.signin_alarm])["MetricAlarms"]
    topics = {a for alarm in alarms for a in alarm.get("AlarmActions", []) if ":sns:" in a}
    sns = services.client("sns")
    for topic in sorted(topics):
        found = _try(
            lambda t=topic: paginate(
                sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=t
            ),
            "ListSubscriptionsByTopic",
        )
        for s in found or []:
            if str(s.get("SubscriptionArn", "")).startswith("arn:"):  # confirmed only
                audience.subscribers.append(f"{s['Protocol']} {s['Endpoint']}")
    return audience


def refuse_foreign(audience: Audience, allow_foreign: bool) -> None:
    """The drill writes into the wizard's own log group only, unless asked."""
    if not audience.own and not allow_foreign:
        raise UsageError(
            f"the no-MFA sign-in filter is on {audience.group}, not mfa-wizard's own log group: "
            "the drill event would be read by whatever else reads that group",
            "check the consumers listed above, then run again with --other-log-group",
        )
