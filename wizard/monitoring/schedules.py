"""Quiet hours: the scheduler role, the two schedules, and the alarm on their failures."""

from __future__ import annotations

import json
from typing import Any

from wizard.aws import Services
from wizard.errors import UsageError, aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.base import Change, _try, role_written, written_words
from wizard.monitoring.documents import (
    scheduler_policy,
    scheduler_trust,
)
from wizard.monitoring.names import (
    UNIVERSAL_DISABLE,
    UNIVERSAL_ENABLE,
    Names,
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
            _("EventBridge Scheduler may disable/enable the chosen alarm's actions"),
        )
        ours = {n.signin_alarm, n.trail_changes_alarm}
        if alarm not in ours:
            with aws_errors("DescribeAlarms"):
                exists = self.s.client("cloudwatch").describe_alarms(AlarmNames=[alarm])[
                    "MetricAlarms"
                ]
            if not exists:
                raise UsageError(
                    _("there is no alarm named {alarm!r} in {region}").format(
                        alarm=alarm, region=self.s.region
                    ),
                    _("name an existing alarm exactly (see `aws cloudwatch describe-alarms`)"),
                )
        disable, enable = quiet_schedules(self.o)
        (sh, sm), end = parse_quiet_hours(self.o.quiet_hours or "")
        # Only the days the end schedule runs: TUE-SAT for an overnight range, else MON-FRI.
        end_days = range(1, 6) if end < (sh, sm) else range(0, 5)
        for gap in dst_gaps(self.o.timezone, end, end_days):
            self.notes.append(
                _(
                    "On {day} the clocks in {zone} skip the end of quiet hours ({end}): "
                    "EventBridge Scheduler skips that run, so the alarm would stay silent until "
                    "the next day. Choose an end time outside 02:00-03:00."
                ).format(
                    day=gap,
                    zone=self.o.timezone,
                    end=self.o.quiet_hours.split("-")[1] if self.o.quiet_hours else "",
                )
            )
        role_arn = f"arn:{n.partition}:iam::{n.account}:role/{n.scheduler_role}"
        self.notes.append(
            _(
                "During quiet hours ({hours} {zone}, weekdays) the actions of {alarm} are "
                "disabled: an alarm that fires then is never notified later, because alarm "
                "actions run only on a change of state."
            ).format(hours=self.o.quiet_hours, zone=self.o.timezone, alarm=alarm)
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
                _("EventBridge Scheduler to see {what}").format(what=written_words(role)),
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
                    N_("schedule"),
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
                    N_("schedule"),
                    name,
                    Status.UPDATE,
                    f"-> {expression} {self.o.timezone}",
                    cli,
                    run,
                )
            )
        else:
            self.add(
                Change(N_("schedule"), name, Status.NOTHING, f"{expression} {self.o.timezone}")
            )


_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
SCHEDULER_GRACE = 300  # seconds after the window's end before a still-quiet alarm is a finding


def _last_run(expression: str, zone: Any, now: Any) -> Any | None:
    """The latest time at or before `now` a `cron(M H ? * DAYS *)` schedule (the form the
    wizard writes) ran; None for any other form."""
    import re
    from datetime import datetime, timedelta

    found = re.fullmatch(r"cron\((\d+) (\d+) \? \* ([A-Z,-]+) \*\)", expression or "")
    if not found:
        return None
    minute, hour, days = int(found[1]), int(found[2]), set()
    for part in found[3].split(","):
        first, _unused, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            return None
        span = range(_DAYS.index(first), _DAYS.index(last or first) + 1)
        days.update(span)
    local = now.astimezone(zone)
    for back in range(8):
        day = (local - timedelta(days=back)).date()
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        if day.weekday() in days and at <= local:
            return at
    return None


def quiet_state_outlived(services: Services, n: Names, now: Any = None) -> str:
    """Why the quiet hours should be over by now ('' when they may rightly go on): the end
    schedule missing or disabled, or its last run later than the start's last run.

    A quiet alarm whose actions stay disabled past its window pages nobody, and nothing in
    CloudWatch watches an alarm's ActionsEnabled: verify reads it and asks this.
    """
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    scheduler = services.client("scheduler")
    start = _try(lambda: scheduler.get_schedule(Name=n.schedule_start), "GetSchedule")
    end = _try(lambda: scheduler.get_schedule(Name=n.schedule_end), "GetSchedule")
    if not start:
        return ""
    if not end:
        return _("the schedule {name} that ends the quiet hours is gone").format(
            name=n.schedule_end
        )
    if end.get("State", "ENABLED") != "ENABLED":
        return _("the schedule {name} that ends the quiet hours is disabled").format(
            name=n.schedule_end
        )
    try:
        zone = ZoneInfo(start.get("ScheduleExpressionTimezone") or "UTC")
    except (KeyError, ValueError):
        return ""
    from wizard import clock

    moment = now or datetime.fromtimestamp(clock.time(), UTC)
    began = _last_run(start.get("ScheduleExpression", ""), zone, moment)
    ended = _last_run(end.get("ScheduleExpression", ""), zone, moment)
    if began is None or ended is None or ended <= began:
        return ""  # inside the window (or a form this cannot read: no claim)
    if (moment - ended).total_seconds() < SCHEDULER_GRACE:
        return ""  # EventBridge Scheduler may run a minute or so late: not yet a finding
    return _(
        "the quiet hours ended at {ended} ({zone}) and the alarm was not turned back on"
    ).format(ended=f"{ended:%a %H:%M}", zone=zone)
