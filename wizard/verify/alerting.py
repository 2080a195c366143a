"""A sign-in without MFA pages someone: the whole chain, read from AWS now, link by link.

trail (logging, multi-Region, management events) -> log group -> metric filter (its pattern run
through `logs:TestMetricFilter` against real CloudTrail ConsoleLogin records shipped in
assets/samples) -> alarm on its metric (actions enabled, an SNS topic among them) -> topic with a
confirmed subscription; the KMS key that encrypts them (enabled, usable by the services), and the
trail bucket and its access-log bucket (private, encrypted, versioned, TLS only). Each broken link
is its own finding, so a half-made set is reported piece by piece.

Needs: cloudtrail:DescribeTrails, GetTrailStatus, GetEventSelectors; logs:DescribeMetricFilters,
DescribeLogGroups, TestMetricFilter; cloudwatch:DescribeAlarms; sns:ListSubscriptionsByTopic,
GetTopicAttributes; kms:DescribeKey, GetKeyPolicy; s3:GetBucket* (versioning, encryption, policy,
public access block, logging); scheduler:GetSchedule.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from wizard import asset
from wizard.aws import Services
from wizard.errors import AccessDeniedError, is_denied, is_missing_operation, translate
from wizard.i18n import _
from wizard.monitoring.alerts import quiet_hours_alarms
from wizard.monitoring.names import (
    NAMESPACE,
    SIGNIN_METRIC,
    SIGNIN_PATTERN,
    SIGNIN_PATTERN_IAM_USERS,
    Names,
    names_for,
)
from wizard.monitoring.planner import records_management_writes
from wizard.monitoring.schedules import quiet_state_outlived
from wizard.verify.model import VerifyReport
from wizard.verify.storage import APPLY, check_buckets, check_key

T = TypeVar("T")
# What each sample must do under each of the wizard's patterns ("any" for another pattern).
MUST_MATCH = {"iam_user_success_without_mfa"}
MUST_NOT_MATCH = {"iam_user_success_with_mfa", "not_a_sign_in"}
# CIS's documented form also counts a failed password and a federated (SSO) sign-in, whose MFA
# happens at the identity provider; the IAM-users form (for accounts on SSO) counts neither.
# Root is watched by the CIS form here, and by the root-usage alarm under the IAM-users form.
PER_PATTERN = {
    SIGNIN_PATTERN: {
        "iam_user_failure": True,
        "sso_assumed_role_success": True,
        "root_success_without_mfa": True,
    },
    SIGNIN_PATTERN_IAM_USERS: {
        "iam_user_failure": False,
        "sso_assumed_role_success": False,
        "root_success_without_mfa": False,
    },
}


class Unreadable(Exception):
    """A read failed; the finding is already in the report."""


def samples() -> dict[str, dict[str, Any]]:
    """The CloudTrail ConsoleLogin records in assets/samples, by name."""
    data = json.loads(asset("samples", "console_login_events.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


class AlertingCheck:
    """Reads the chain once and reports each link."""

    def __init__(self, services: Services, report: VerifyReport) -> None:
        self.s = services
        self.r = report
        self.n: Names = names_for(services.identity().account_id, services.region)

    def read(self, check: str, subject: str, op: str, call: Callable[[], T]) -> T:
        """`call`'s answer; a denied or throttled read is an "unproven" finding (never holds)."""
        try:
            return call()
        except Exception as exc:
            self.not_read(check, subject, op, exc)
            raise Unreadable from None

    def not_read(self, check: str, subject: str, op: str, exc: BaseException) -> None:
        """The "unproven" finding of a read that failed, naming the call and its permission."""
        error = translate(exc, op)
        self.r.unproven(
            check,
            subject,
            _("could not be read: {cause}").format(cause=error.cause),
            _("grant {permission} to the identity running verify, then run it again").format(
                permission=_permission(op)
            )
            if is_denied(exc)
            else error.fix or _("run verify again"),
            op,
        )

    def run(self) -> None:
        """Every link; a link that cannot be read stops only what depends on it."""
        try:
            found = self.signin_filter()
        except Unreadable:
            return
        group = found["logGroupName"] if found else self.n.log_group
        trail = None
        with contextlib.suppress(Unreadable):
            trail = self.trail(group)
        if found:
            with contextlib.suppress(Unreadable):
                self.pattern(found)
        self.group = group
        self.topics: list[str] = []
        try:
            self.topics = self.alarm(found)
            for topic in self.topics:
                self.topic(topic)
        except Unreadable:
            pass
        if trail:
            for step in (check_key, check_buckets):
                with contextlib.suppress(Unreadable):
                    step(self, trail)

    # ------------------------------------------------------------------ the filter

    def signin_filter(self) -> dict[str, Any] | None:
        logs = self.s.client("logs")

        def every() -> list[dict[str, Any]]:
            return [
                f
                for page in logs.get_paginator("describe_metric_filters").paginate(
                    metricName=SIGNIN_METRIC, metricNamespace=NAMESPACE
                )
                for f in page["metricFilters"]
            ]

        filters = self.read("filter", SIGNIN_METRIC, "DescribeMetricFilters", every)
        filters += [
            f
            for f in self.read(
                "filter",
                self.n.signin_filter,
                "DescribeMetricFilters",
                lambda: [
                    f
                    for page in logs.get_paginator("describe_metric_filters").paginate(
                        filterNamePrefix=self.n.signin_filter
                    )
                    for f in page["metricFilters"]
                ],
            )
            if f not in filters
        ]
        if not filters:
            self.r.fail(
                "filter",
                self.n.signin_filter,
                _(
                    "no metric filter counts console sign-ins without MFA: such a sign-in pages "
                    "nobody"
                ),
                _(APPLY),
                "logs:DescribeMetricFilters",
            )
            return None
        return filters[0]

    def pattern(self, found: dict[str, Any]) -> None:
        pattern = found["filterPattern"]
        events = samples()
        names = list(events)
        logs = self.s.client_with_attempts("logs", 1)
        try:
            answer = logs.test_metric_filter(
                filterPattern=pattern, logEventMessages=[json.dumps(events[k]) for k in names]
            )
        except Exception as exc:
            if self.s.effective_endpoint and is_missing_operation(exc):
                self.r.not_shown.append(
                    _(
                        "logs:TestMetricFilter (this endpoint has none): the filter's pattern is "
                        "compared with the wizard's own text instead of run against sign-in records"
                    )
                )
                if pattern in PER_PATTERN:
                    self.r.held("filter", found["filterName"], _("the wizard's pattern"), "text")
                else:
                    self.r.unproven(
                        "filter",
                        found["filterName"],
                        _("a pattern of its own, which this endpoint cannot run"),
                        _("verify against AWS"),
                        "text",
                    )
                return
            self.not_read("filter", found["filterName"], "TestMetricFilter", exc)
            return
        matched = {
            m.get("eventMessage")
            for m in answer.get("matches", [])
            if m.get("eventMessage") is not None
        }
        hits = {k for k in names if json.dumps(events[k]) in matched}
        if not matched:  # an endpoint that only numbers its matches (1-based)
            hits = {names[m["eventNumber"] - 1] for m in answer.get("matches", [])}
        wrong = [f"misses {k}" for k in sorted(MUST_MATCH - hits)]
        wrong += [f"matches {k}" for k in sorted(MUST_NOT_MATCH & hits)]
        for sample, expected in PER_PATTERN.get(pattern, {}).items():
            if (sample in hits) != expected:
                wrong.append(f"{'misses' if expected else 'matches'} {sample}")
        subject = f"{found['logGroupName']} {found['filterName']}"
        if wrong:
            self.r.fail(
                "filter",
                subject,
                _("run against real ConsoleLogin records, the pattern {what}").format(
                    what=_("; ").join(wrong)
                ),
                _("{apply} (it puts the wizard's pattern back)").format(apply=_(APPLY)),
                "logs:TestMetricFilter",
            )
        else:
            self.r.held(
                "filter",
                subject,
                _("matches a sign-in without MFA, not one with MFA ({samples})").format(
                    samples=", ".join(sorted(hits))
                ),
                "logs:TestMetricFilter",
            )

    # ------------------------------------------------------------------ the trail

    def trail(self, group: str) -> dict[str, Any] | None:
        ct = self.s.client("cloudtrail")
        trails = self.read(
            "trail",
            self.n.trail,
            "DescribeTrails",
            lambda: ct.describe_trails(includeShadowTrails=True)["trailList"],
        )
        marker = f":log-group:{group}:"
        delivering = [t for t in trails if marker in (t.get("CloudWatchLogsLogGroupArn") or "")]
        if not delivering:
            self.r.fail(
                "trail",
                group,
                _("no trail delivers to the log group {group}: the filter sees no sign-in").format(
                    group=group
                ),
                _(APPLY),
                "cloudtrail:DescribeTrails",
            )
            return None
        trail = next((t for t in delivering if t.get("Name") == self.n.trail), delivering[0])
        name = trail["Name"]
        home = self.s.in_region(trail.get("HomeRegion") or self.s.region).client("cloudtrail")
        arn = trail.get("TrailARN", name)
        status = self.read("trail", name, "GetTrailStatus", lambda: home.get_trail_status(Name=arn))
        selectors = self.read(
            "trail", name, "GetEventSelectors", lambda: home.get_event_selectors(TrailName=arn)
        )
        wrong = []
        if not status.get("IsLogging"):
            wrong.append(_("it is not logging (StopLogging)"))
        if not trail.get("IsMultiRegionTrail"):
            wrong.append(_("it records one Region only"))
        if not trail.get("IncludeGlobalServiceEvents"):
            wrong.append(_("it leaves out global service events (console sign-ins)"))
        if not records_management_writes(selectors):
            wrong.append(_("its event selectors leave out management events"))
        if wrong:
            self.r.fail("trail", name, _("; ").join(wrong), _(APPLY), "cloudtrail:GetTrailStatus")
        else:
            self.r.held(
                "trail",
                name,
                _("logging, multi-Region, global service and management events"),
                "cloudtrail:GetTrailStatus",
            )
        return trail

    # ------------------------------------------------------------------ alarm and topic

    def alarm(self, found: dict[str, Any] | None) -> list[str]:
        cw = self.s.client("cloudwatch")
        metric = SIGNIN_METRIC
        namespace = NAMESPACE
        if found:
            t = found["metricTransformations"][0]
            metric, namespace = t["metricName"], t["metricNamespace"]
        alarms = self.read(
            "alarm",
            metric,
            "DescribeAlarms",
            lambda: [
                a
                for page in cw.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
                for a in page["MetricAlarms"]
                if a.get("MetricName") == metric and a.get("Namespace") == namespace
            ],
        )
        if not alarms:
            self.r.fail(
                "alarm",
                self.n.signin_alarm,
                _("no alarm watches the metric {namespace}/{metric}").format(
                    namespace=namespace, metric=metric
                ),
                _(APPLY),
                "cloudwatch:DescribeAlarms",
            )
            return []
        paging = [a for a in alarms if a.get("ActionsEnabled") and _topics(a)]
        if paging:
            alarm = paging[0]
            self.r.held(
                "alarm",
                alarm["AlarmName"],
                _("actions enabled, to {topics}").format(
                    topics=", ".join(t.rsplit(":", 1)[-1] for t in _topics(alarm))
                ),
                "cloudwatch:DescribeAlarms",
            )
            return _topics(alarm)
        alarm = next((a for a in alarms if a["AlarmName"] == self.n.signin_alarm), alarms[0])
        name = alarm["AlarmName"]
        if not _topics(alarm):
            self.r.fail(
                "alarm",
                name,
                _("no SNS topic among its actions: it changes state and tells nobody"),
                _(APPLY),
                "cloudwatch:DescribeAlarms",
            )
            return []
        try:
            quiet = name in quiet_hours_alarms(self.s, self.n)
            # Past its window (or with no end left), the quiet state is a failure.
            outlived = quiet_state_outlived(self.s, self.n) if quiet else ""
        except AccessDeniedError:
            quiet, outlived = False, ""  # Scheduler unreadable: the silenced alarm is a failure
        if outlived:
            self.r.fail(
                "alarm",
                name,
                _(
                    "its actions are disabled: {outlived}, so a sign-in without MFA pages nobody"
                ).format(outlived=outlived),
                _(
                    "aws cloudwatch enable-alarm-actions --alarm-names {name}, then {apply} (it puts "
                    "the schedules back)"
                ).format(name=name, apply=_(APPLY)),
                "cloudwatch:DescribeAlarms, scheduler:GetSchedule",
            )
            return _topics(alarm)
        (self.r.warn if quiet else self.r.fail)(
            "alarm",
            name,
            _("its actions are disabled: a sign-in without MFA pages nobody")
            + (_(" (the quiet-hours schedule turns them back on)") if quiet else ""),
            _("{command}, or {apply}").format(
                command=f"aws cloudwatch enable-alarm-actions --alarm-names {name}", apply=_(APPLY)
            ),
            "cloudwatch:DescribeAlarms",
        )
        return _topics(alarm)

    def topic(self, arn: str) -> None:
        sns = self.s.in_region(arn.split(":")[3]).client("sns")
        subs = self.read(
            "subscription",
            arn,
            "ListSubscriptionsByTopic",
            lambda: [
                s
                for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
                for s in page["Subscriptions"]
            ],
        )
        confirmed = [s for s in subs if str(s.get("SubscriptionArn", "")).startswith("arn:")]
        name = arn.rsplit(":", 1)[-1]
        if confirmed:
            self.r.held(
                "subscription",
                name,
                _("{count} confirmed subscription(s)").format(count=len(confirmed)),
                "sns:ListSubscriptionsByTopic",
            )
            return
        self.r.fail(
            "subscription",
            name,
            _("no confirmed subscription: the alarm's message reaches nobody")
            + (_(" ({count} waiting for confirmation)").format(count=len(subs)) if subs else ""),
            _("mfa-wizard monitor apply --email ADDRESS, then click the link AWS emails"),
            "sns:ListSubscriptionsByTopic",
        )


def _topics(alarm: dict[str, Any]) -> list[str]:
    return [a for a in alarm.get("AlarmActions", []) if a.startswith("arn:") and ":sns:" in a]


# The IAM action behind each read, named in a fix when it is denied.
PERMISSIONS = {
    "DescribeMetricFilters": "logs:DescribeMetricFilters",
    "TestMetricFilter": "logs:TestMetricFilter",
    "DescribeTrails": "cloudtrail:DescribeTrails",
    "GetTrailStatus": "cloudtrail:GetTrailStatus",
    "GetEventSelectors": "cloudtrail:GetEventSelectors",
    "DescribeAlarms": "cloudwatch:DescribeAlarms",
    "ListSubscriptionsByTopic": "sns:ListSubscriptionsByTopic",
    "DescribeKey": "kms:DescribeKey",
    "GetKeyPolicy": "kms:GetKeyPolicy",
    "DescribeLogGroups": "logs:DescribeLogGroups",
    "GetTopicAttributes": "sns:GetTopicAttributes",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "GetBucketVersioning": "s3:GetBucketVersioning",
    "GetBucketPolicy": "s3:GetBucketPolicy",
    "GetBucketLogging": "s3:GetBucketLogging",
}


def _permission(op: str) -> str:
    return PERMISSIONS.get(op, op)


def verify_alerting(services: Services, report: VerifyReport) -> None:
    """Prove that a console sign-in without MFA pages someone."""
    AlertingCheck(services, report).run()
