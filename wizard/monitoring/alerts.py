"""Metric filters, the SNS topic and its subscription, the alarms."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.aws import Services
from wizard.errors import UsageError, absent, aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.base import Change, PlannerBase, _try
from wizard.monitoring.documents import (
    topic_policy,
)
from wizard.monitoring.names import (
    ALARM_PERIOD,
    NAMESPACE,
    Names,
    alarm_cost,
    metric_cost,
    names_for,
)
from wizard.plan import Status


class AlertsMixin(PlannerBase):
    """Metric filters, the SNS topic and its subscription, the alarms."""

    def plan_filter(self, log_group: str, name: str, pattern: str, metric: str) -> None:
        logs = self.s.client("logs")
        transformation = {
            "metricName": metric,
            "metricNamespace": NAMESPACE,
            "metricValue": "1",
            "defaultValue": 0.0,
        }
        existing = (
            _try(
                lambda: [
                    f
                    for page in logs.get_paginator("describe_metric_filters").paginate(
                        logGroupName=log_group, filterNamePrefix=name
                    )
                    for f in page["metricFilters"]
                ],
                "DescribeMetricFilters",
            )
            or []
        )
        existing = [f for f in existing if f["filterName"] == name]
        same = (
            bool(existing)
            and existing[0]["filterPattern"] == pattern
            and all(
                str(existing[0]["metricTransformations"][0].get(k)) == str(v)
                for k, v in transformation.items()
                if k != "defaultValue"
            )
        )

        def run() -> str:
            with aws_errors("PutMetricFilter"):
                if existing and self.s.effective_endpoint:
                    # AWS replaces a filter of the same name; some emulators (moto) add a second
                    # one, so there it is removed first. Never on AWS: DeleteMetricFilter is a
                    # monitoring-tamper event and would page.
                    logs.delete_metric_filter(logGroupName=log_group, filterName=name)
                logs.put_metric_filter(
                    logGroupName=log_group,
                    filterName=name,
                    filterPattern=pattern,
                    metricTransformations=[transformation],
                )
            self.journal(
                "put_metric_filter",
                f"{log_group} {name}",
                undo={"op": "delete_metric_filter", "group": log_group, "name": name},
            )
            return f"{log_group}:{name}"

        cli = f"aws logs put-metric-filter --log-group-name {log_group} --filter-name {name} --filter-pattern '{pattern}' --metric-transformations metricName={metric},metricNamespace={NAMESPACE},metricValue=1,defaultValue=0"
        if not existing:
            self.add(
                Change(
                    N_("metric filter"), name, Status.CREATE, pattern, cli, run, cost=metric_cost()
                )
            )
        elif not same:
            self.add(
                Change(
                    N_("metric filter"),
                    name,
                    Status.UPDATE,
                    _("pattern -> {pattern}").format(pattern=pattern),
                    cli,
                    run,
                )
            )
        else:
            self.add(Change(N_("metric filter"), name, Status.NOTHING, pattern))

    def plan_topic(self) -> None:
        sns = self.s.client("sns")
        n = self.n
        attributes = _try(
            lambda: sns.get_topic_attributes(TopicArn=n.topic_arn)["Attributes"],
            "GetTopicAttributes",
        )
        wanted = {"Policy": topic_policy(n)}
        kms_id = self.n.key_alias if self.o.kms else None

        def run() -> str:
            with aws_errors("CreateTopic"):
                attrs = {"Policy": json.dumps(topic_policy(n))}
                if kms_id:
                    attrs["KmsMasterKeyId"] = kms_id
                if attributes is None:
                    arn = sns.create_topic(
                        Name=n.topic, Attributes=attrs, Tags=[{"Key": TAG_KEY, "Value": TAG_VALUE}]
                    )["TopicArn"]
                    self.journal("create_topic", arn, undo={"op": "delete_topic", "arn": arn})
                else:
                    for key, value in attrs.items():
                        sns.set_topic_attributes(
                            TopicArn=n.topic_arn, AttributeName=key, AttributeValue=value
                        )
                    self.journal("update_topic", n.topic_arn)
            return n.topic_arn

        if attributes is None:
            self.add(
                Change(
                    N_("sns topic"),
                    n.topic,
                    Status.CREATE,
                    _("only this account's CloudWatch alarms may publish")
                    + (_(" · KMS encrypted") if kms_id else ""),
                    f"aws sns create-topic --name {n.topic} --attributes file://topic-attributes.json",
                    run,
                )
            )
        elif json.loads(attributes.get("Policy", "{}")) != wanted["Policy"] or (
            kms_id and attributes.get("KmsMasterKeyId") != kms_id
        ):
            self.add(
                Change(
                    N_("sns topic"),
                    n.topic,
                    Status.UPDATE,
                    _("topic policy / encryption differ"),
                    f"aws sns set-topic-attributes --topic-arn {n.topic_arn} ...",
                    run,
                )
            )
        else:
            self.add(Change(N_("sns topic"), n.topic, Status.NOTHING, _("policy in place")))

    def quiet_hours_alarms(self) -> set[str]:
        """`quiet_hours_alarms` of this account, read once per plan."""
        if not hasattr(self, "_quiet_alarms"):
            self._quiet_alarms = quiet_hours_alarms(self.s, self.n)
        return self._quiet_alarms

    def subscriptions(self) -> list[dict[str, Any]]:
        return topic_subscriptions(self.s, self.n.topic_arn)

    def plan_subscription(self) -> None:
        sns = self.s.client("sns")
        email = self.o.email
        assert email
        subs = [
            s
            for s in self.subscriptions()
            if s["Protocol"] == "email" and s["Endpoint"].lower() == email.lower()
        ]

        def run() -> str:
            with aws_errors("Subscribe"):
                arn = sns.subscribe(
                    TopicArn=self.n.topic_arn,
                    Protocol="email",
                    Endpoint=email,
                    ReturnSubscriptionArn=True,
                )["SubscriptionArn"]
            self.journal("subscribe_email", self.n.topic, undo={"op": "unsubscribe", "arn": arn})
            return arn

        if not subs:
            self.add(
                Change(
                    N_("email subscription"),
                    email,
                    Status.CREATE,
                    _("AWS emails a confirmation link: alerts arrive only after it is clicked"),
                    f"aws sns subscribe --topic-arn {self.n.topic_arn} --protocol email --notification-endpoint {email}",
                    run,
                )
            )
        else:
            pending = subs[0]["SubscriptionArn"] in {"PendingConfirmation", "pending confirmation"}
            self.add(
                Change(
                    N_("email subscription"),
                    email,
                    Status.NOTHING,
                    _("waiting for confirmation (click the link in the email)")
                    if pending
                    else _("confirmed"),
                )
            )

    def alarm_settings(
        self, name: str, metric: str, description: str, namespace: str = NAMESPACE
    ) -> dict[str, Any]:
        return {
            "AlarmName": name,
            "AlarmDescription": description,
            "MetricName": metric,
            "Namespace": namespace,
            "Statistic": "Sum",
            "Period": ALARM_PERIOD,
            "EvaluationPeriods": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [self.n.topic_arn],
            "ActionsEnabled": True,
        }

    def plan_alarm(
        self, name: str, metric: str, description: str, namespace: str = NAMESPACE
    ) -> None:
        cw = self.s.client("cloudwatch")
        wanted = self.alarm_settings(name, metric, description, namespace)
        with aws_errors("DescribeAlarms"):
            found = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]

        def run() -> str:
            with aws_errors("PutMetricAlarm"):
                cw.put_metric_alarm(**wanted, Tags=[{"Key": TAG_KEY, "Value": TAG_VALUE}])
            self.journal("put_metric_alarm", name, undo={"op": "delete_alarm", "name": name})
            return self.n.alarm_arn(name)

        cli = (
            f"aws cloudwatch put-metric-alarm --alarm-name {name} --metric-name {metric} --namespace {namespace} --statistic Sum "
            f"--period {ALARM_PERIOD} --evaluation-periods 1 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold "
            f"--treat-missing-data notBreaching --alarm-actions {self.n.topic_arn}"
        )
        if not found:
            self.add(
                Change(
                    N_("alarm"),
                    name,
                    Status.CREATE,
                    _("Sum >= 1 in {alarm_period} s -> {topic}").format(
                        alarm_period=ALARM_PERIOD, topic=self.n.topic
                    ),
                    cli,
                    run,
                    cost=alarm_cost(),
                )
            )
            return
        alarm = found[0]
        keys = [
            "MetricName",
            "Namespace",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "AlarmActions",
        ]
        differs = [k for k in keys if alarm.get(k) != wanted[k]]
        silenced = not alarm.get("ActionsEnabled", True)
        if silenced and name in self.quiet_hours_alarms():
            # The quiet-hours schedule owns this alarm's actions: off at night is its job.
            self.notes.append(
                _(
                    "The actions of {alarm} are off now: the quiet-hours schedule {start} turns "
                    "them off, and {end} back on."
                ).format(alarm=name, start=self.n.schedule_start, end=self.n.schedule_end)
            )
            silenced = False
        if differs:
            self.add(
                Change(
                    N_("alarm"),
                    name,
                    Status.UPDATE,
                    _("fix: {what}").format(what=", ".join(differs)),
                    cli,
                    run,
                )
            )
        elif silenced:

            def enable() -> str:
                with aws_errors("EnableAlarmActions"):
                    cw.enable_alarm_actions(AlarmNames=[name])
                self.journal("enable_alarm_actions", name)
                return self.n.alarm_arn(name)

            self.add(
                Change(
                    N_("alarm"),
                    name,
                    Status.UPDATE,
                    _(
                        "fix: its actions are disabled (DisableAlarmActions): it would change state and "
                        "notify nobody"
                    ),
                    f"aws cloudwatch enable-alarm-actions --alarm-names {name}",
                    enable,
                )
            )
        else:
            self.add(
                Change(
                    N_("alarm"),
                    name,
                    Status.NOTHING,
                    _("Sum >= 1 in {alarm_period} s -> {topic}").format(
                        alarm_period=ALARM_PERIOD, topic=self.n.topic
                    ),
                )
            )


def topic_subscriptions(services: Services, topic_arn: str) -> list[dict[str, Any]]:
    """Every subscription of the topic (every page); none when the topic does not exist."""
    sns = services.client("sns")
    return (
        absent(
            "ListSubscriptionsByTopic",
            lambda: [
                s
                for page in sns.get_paginator("list_subscriptions_by_topic").paginate(
                    TopicArn=topic_arn
                )
                for s in page["Subscriptions"]
            ],
        )
        or []
    )


def quiet_hours_alarms(services: Services, n: Names) -> set[str]:
    """The alarms whose actions the wizard's quiet-hours schedule turns off, read from
    EventBridge Scheduler now (a schedule made by an earlier run counts too)."""
    scheduler = services.client("scheduler")
    start = _try(lambda: scheduler.get_schedule(Name=n.schedule_start), "GetSchedule")
    if not start or start.get("State", "ENABLED") != "ENABLED":
        return set()
    try:
        return set(json.loads(start["Target"].get("Input") or "{}")["AlarmNames"])
    except (KeyError, TypeError, ValueError):
        return set()


def is_confirmed(subscription: dict[str, Any]) -> bool:
    """A confirmed subscription has an ARN ("PendingConfirmation" reaches nobody yet)."""
    return subscription["SubscriptionArn"].startswith("arn:")


def send_test_notification(
    services: Services, confirm: Callable[[], bool] | None = None
) -> tuple[str, bool] | None:
    """Set the no-MFA alarm to ALARM once (the next evaluation resets it): (alarm name, whether
    the topic has a confirmed subscription, i.e. whether anyone will get it). `confirm` is asked
    once the alarm is known to exist; None when it says no."""
    n = names_for(services.identity().account_id, services.region)
    cw = services.client("cloudwatch")
    with aws_errors("DescribeAlarms"):
        if not cw.describe_alarms(AlarmNames=[n.signin_alarm])["MetricAlarms"]:
            raise UsageError(
                _("the alarm does not exist yet"), _("apply the monitoring plan first")
            )
    if confirm is not None and not confirm():
        return None
    with aws_errors("SetAlarmState"):
        cw.set_alarm_state(
            AlarmName=n.signin_alarm, StateValue="ALARM", StateReason="mfa-wizard test notification"
        )
    reachable = any(is_confirmed(s) for s in topic_subscriptions(services, n.topic_arn))
    return n.signin_alarm, reachable
