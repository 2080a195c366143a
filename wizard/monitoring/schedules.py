"""Quiet hours: the scheduler role, the two schedules, and the alarm on their failures."""

from __future__ import annotations

import json
from typing import Any

from wizard.errors import UsageError, aws_errors
from wizard.monitoring.base import Change, _try, role_written
from wizard.monitoring.documents import (
    scheduler_policy,
    scheduler_trust,
)
from wizard.monitoring.names import (
    UNIVERSAL_DISABLE,
    UNIVERSAL_ENABLE,
)
from wizard.monitoring.options import dst_gaps, parse_quiet_hours, quiet_schedules
from wizard.monitoring.roles import RoleMixin
from wizard.plan import Status
from wizard.propagation import after_propagation


class SchedulesMixin(RoleMixin):
    """Quiet hours: the scheduler role, the two schedules, and the alarm on their failures."""

    def plan_schedules(self) -> None:
        n = self.n
        alarm = self.o.quiet_alarm
        assert alarm
        self.plan_role(
            n.scheduler_role,
            scheduler_trust(n),
            scheduler_policy(n, [alarm]),
            "EventBridge Scheduler may disable/enable the chosen alarm's actions",
        )
        ours = {n.signin_alarm, n.trail_changes_alarm}
        if alarm not in ours:
            with aws_errors("DescribeAlarms"):
                exists = self.s.client("cloudwatch").describe_alarms(AlarmNames=[alarm])[
                    "MetricAlarms"
                ]
            if not exists:
                raise UsageError(
                    f"there is no alarm named {alarm!r} in {self.s.region}",
                    "name an existing alarm exactly (see `aws cloudwatch describe-alarms`)",
                )
        disable, enable = quiet_schedules(self.o)
        (sh, sm), end = parse_quiet_hours(self.o.quiet_hours or "")
        # Only the days the end schedule runs: TUE-SAT for an overnight range, else MON-FRI.
        end_days = range(1, 6) if end < (sh, sm) else range(0, 5)
        for gap in dst_gaps(self.o.timezone, end, end_days):
            self.notes.append(
                f"On {gap} the clocks in {self.o.timezone} skip the end of quiet hours "
                f"({self.o.quiet_hours.split('-')[1] if self.o.quiet_hours else ''}): EventBridge "
                "Scheduler skips that run, so the alarm would stay silent until the next day. "
                "Choose an end time outside 02:00-03:00."
            )
        role_arn = f"arn:{n.partition}:iam::{n.account}:role/{n.scheduler_role}"
        self.notes.append(
            f"During quiet hours ({self.o.quiet_hours} {self.o.timezone}, weekdays) the actions of {alarm} are disabled: "
            "an alarm that fires then is never notified later, because alarm actions run only on a change of state."
        )
        for name, expression, target in (
            (n.schedule_start, disable, f"arn:{n.partition}:{UNIVERSAL_DISABLE}"),
            (n.schedule_end, enable, f"arn:{n.partition}:{UNIVERSAL_ENABLE}"),
        ):
            self.plan_schedule(name, expression, target, role_arn, alarm)
        # A re-enable that fails would leave the alarm silent for good, unnoticed: page on it.
        self.plan_alarm(
            n.schedule_failed_alarm,
            "TargetErrorCount",
            "An mfa-wizard quiet-hours schedule failed: an alarm may still be silenced",
            namespace="AWS/Scheduler",
        )

    def plan_schedule(
        self, name: str, expression: str, target: str, role_arn: str, alarm: str
    ) -> None:
        scheduler = self.s.client("scheduler")
        body = {
            "Name": name,
            "ScheduleExpression": expression,
            "ScheduleExpressionTimezone": self.o.timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": target,
                "RoleArn": role_arn,
                "Input": json.dumps({"AlarmNames": [alarm]}),
            },
            "State": "ENABLED",
            "Description": f"mfa-wizard quiet hours for {alarm}",
        }
        current = _try(lambda: scheduler.get_schedule(Name=name), "GetSchedule")

        role = role_written(role_arn.rsplit("/", 1)[-1])

        def propagated(op: str, call: Any) -> Any:
            return after_propagation(
                op,
                call,
                f"EventBridge Scheduler to see {role}",
                fresh=bool(self.progress.fresh(role)),
                say=self.progress.say,
            )

        def run() -> str:
            with aws_errors("CreateSchedule"):
                if current is None:
                    arn = propagated("CreateSchedule", lambda: scheduler.create_schedule(**body))[
                        "ScheduleArn"
                    ]
                    self.journal(
                        "create_schedule", name, undo={"op": "delete_schedule", "name": name}
                    )
                else:
                    arn = propagated("UpdateSchedule", lambda: scheduler.update_schedule(**body))[
                        "ScheduleArn"
                    ]
                    self.journal("update_schedule", name)
            return arn

        cli = f"aws scheduler create-schedule --name {name} --schedule-expression '{expression}' --schedule-expression-timezone {self.o.timezone} --target Arn={target},RoleArn={role_arn},Input='{{\"AlarmNames\":[\"{alarm}\"]}}' --flexible-time-window Mode=OFF"
        if current is None:
            self.add(
                Change(
                    "schedule",
                    name,
                    Status.CREATE,
                    f"{expression} {self.o.timezone} -> {target.rsplit(':', 1)[-1]}",
                    cli,
                    run,
                )
            )
        elif (
            current.get("ScheduleExpression"),
            current.get("ScheduleExpressionTimezone"),
            current.get("Target", {}).get("Arn"),
            current.get("Target", {}).get("Input"),
        ) != (expression, self.o.timezone, target, body["Target"]["Input"]):
            self.add(
                Change(
                    "schedule", name, Status.UPDATE, f"-> {expression} {self.o.timezone}", cli, run
                )
            )
        else:
            self.add(Change("schedule", name, Status.NOTHING, f"{expression} {self.o.timezone}"))
