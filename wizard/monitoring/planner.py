"""The Monitor step's planner: reads every resource, plans create/update/nothing, applies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard.aws import Services
from wizard.errors import aws_errors
from wizard.monitoring.alerts import AlertsMixin, is_confirmed
from wizard.monitoring.base import Change, MonitorPlan
from wizard.monitoring.documents import mfa_delete_command
from wizard.monitoring.names import (
    SIGNIN_METRIC,
    SIGNIN_PATTERN,
    SIGNIN_PATTERN_IAM_USERS,
    TRAIL_CHANGES_METRIC,
    TRAIL_CHANGES_PATTERN,
)
from wizard.monitoring.options import MonitorOptions
from wizard.monitoring.schedules import SchedulesMixin
from wizard.monitoring.storage import StorageMixin
from wizard.monitoring.trail import TrailMixin
from wizard.plan import Status


class Planner(StorageMixin, TrailMixin, AlertsMixin, SchedulesMixin):
    """Reads each resource and builds the Change list (closures do the writes)."""

    def existing_trail(self) -> dict[str, Any] | None:
        """A multi-region trail delivering to CloudWatch Logs that is not ours, if any."""
        with aws_errors("DescribeTrails"):
            trails = self.s.client("cloudtrail").describe_trails(includeShadowTrails=False)[
                "trailList"
            ]
        for trail in trails:
            if trail.get("Name") == self.n.trail:
                continue
            if trail.get("IsMultiRegionTrail") and trail.get("CloudWatchLogsLogGroupArn"):
                return trail
        return None

    def plan(self) -> MonitorPlan:
        reused = self.existing_trail() if self.o.reuse_trail else None
        if reused:
            group_arn = reused["CloudWatchLogsLogGroupArn"]
            log_group = group_arn.split(":log-group:", 1)[1].split(":", 1)[0]
            self.add(
                Change(
                    "trail",
                    reused["Name"],
                    Status.REUSE,
                    f"reuse the existing multi-region trail delivering to {log_group} (no second trail to pay for)",
                )
            )
        else:
            log_group = self.n.log_group
            if self.o.kms:
                self.plan_key()
            self.plan_bucket()
            self.plan_log_group()
            self.plan_logs_role()
            self.plan_trail()
        pattern = SIGNIN_PATTERN_IAM_USERS if self.o.iam_users_only else SIGNIN_PATTERN
        self.plan_filter(log_group, self.n.signin_filter, pattern, SIGNIN_METRIC)
        if self.o.trail_changes_alarm:
            self.plan_filter(
                log_group, self.n.trail_changes_filter, TRAIL_CHANGES_PATTERN, TRAIL_CHANGES_METRIC
            )
        self.plan_topic()
        if self.o.email:
            self.plan_subscription()
        elif not any(is_confirmed(s) for s in self.subscriptions()):
            self.notes.append(
                f"Nobody will be notified: the topic {self.n.topic} has no confirmed subscription. "
                "Pass --email ADDRESS (or subscribe a pager or chat endpoint to the topic)."
            )
        self.plan_alarm(
            self.n.signin_alarm, SIGNIN_METRIC, "Console sign-in without MFA (mfa-wizard)"
        )
        if self.o.trail_changes_alarm:
            self.plan_alarm(
                self.n.trail_changes_alarm,
                TRAIL_CHANGES_METRIC,
                "CloudTrail configuration changed (mfa-wizard)",
            )
        if self.o.quiet_hours:
            self.plan_schedules()
        if not reused:
            self.notes.append(
                "MFA Delete on the trail bucket can only be enabled by the root user with its own MFA device, "
                "through the CLI/API: "
                + mfa_delete_command(self.n.bucket, self.n.account, self.n.partition)
            )
        return MonitorPlan(
            self.o,
            self.n,
            self.changes,
            self.notes,
            reused["Name"] if reused else None,
            log_group,
            self.progress,
        )


def plan_monitoring(services: Services, options: MonitorOptions) -> tuple[Planner, MonitorPlan]:
    """Read everything and plan (no change is made)."""
    planner = Planner(services, options)
    return planner, planner.plan()


def apply_monitoring(
    plan: MonitorPlan, on_progress: Callable[[int, int, str], None] | None = None
) -> list[str]:
    """Run the plan's changes in order; returns the ARN or name each produced.

    A "waiting for IAM to propagate ..." line reaches `on_progress` as the current step's text.
    The KMS key and the IAM roles go first: AWS propagates them while the bucket, log group and
    topic are made, so the trail and the schedules seldom have to wait for them.
    """
    first = {"kms key", "iam role"}
    todo = sorted(
        (c for c in plan.changes if c.changes and c.run), key=lambda c: c.kind not in first
    )
    results = []
    for index, change in enumerate(todo, 1):
        if on_progress:
            on_progress(index, len(todo), f"{change.status} {change.kind} {change.name}")

            def say(text: str, index: int = index) -> None:
                assert on_progress is not None
                on_progress(index, len(todo), text)

            plan.progress.say = say
        assert change.run is not None
        results.append(f"{change.kind} {change.name}: {change.run()}")
    return results
