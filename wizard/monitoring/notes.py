"""What a monitoring plan says beside its changes: its monthly cost, and the calls of its own
that the tamper alarm will count (so the first page after an apply is expected)."""

from __future__ import annotations

from collections import Counter

from wizard.i18n import _
from wizard.monitoring.names import (
    ALARM_MONTHLY,
    KMS_MONTHLY,
    METRIC_MONTHLY,
    Names,
    access_logs_cost,
)
from wizard.plan import Change, Status


def plan_notes(changes: list[Change], n: Names, minimal: bool) -> list[str]:
    """What the plan costs a month, and the tamper alarm its own apply sets off."""
    notes = []
    new = Counter(c.kind for c in changes if c.status == Status.CREATE)
    alarms, metrics, key = new["alarm"], new["metric filter"], new["kms key"]
    logs = any(c.cost == access_logs_cost() and c.changes for c in changes)
    if alarms or metrics or key or logs:
        monthly = alarms * ALARM_MONTHLY + metrics * METRIC_MONTHLY + key * KMS_MONTHLY
        notes.append(
            _(
                "This plan adds about ${monthly:.2f} a month. That is {alarms} alarm(s) at "
                "${alarm_price:.2f}, {metrics} metric(s) at ${metric_price:.2f} past the 10 "
                "free"
            ).format(
                monthly=monthly,
                alarms=alarms,
                alarm_price=ALARM_MONTHLY,
                metrics=metrics,
                metric_price=METRIC_MONTHLY,
            )
            + (
                _(
                    ", the KMS key at ${price:.0f} (each of its first two yearly rotations "
                    "adds ${price:.0f})"
                ).format(price=KMS_MONTHLY)
                if key
                else ""
            )
            + (_(", cents of S3 for the access logs") if logs else "")
            + _(", plus CloudWatch Logs ingestion at $0.50/GB of trail events.")
            + (
                _(
                    " --minimal leaves out the KMS key, the access logs and the root-usage "
                    "and tamper alarms."
                )
                if not minimal
                else ""
            )
        )
    trips = tamper_trips(changes, n)
    if trips and not minimal:
        notes.append(
            _(
                "The tamper alarm fires once, 5-15 min after this apply, for this plan's own "
                "calls (naming you), not an intruder: {calls}. CloudTrail delivers them like "
                "any other call: that is the alarm working."
            ).format(calls=", ".join(trips))
        )
    return notes


# What each kind of change calls that the tamper filters watch (on the wizard's resources).
_TRIPS = {
    "alarm": "PutMetricAlarm",
    "metric filter": "PutMetricFilter",
    "log group": "PutRetentionPolicy",
    "iam role": "PutRolePolicy",
    "sns topic": "SetTopicAttributes",
}


def tamper_trips(changes: list[Change], n: Names) -> list[str]:
    """The calls of `changes` that the tamper filters count, with how many: "PutMetricAlarm (4
    alarms)". Said in the plan, so the first page after an apply is expected, not alarming."""
    counts: Counter[str] = Counter()
    for c in changes:
        if not c.changes:
            continue
        if c.kind in _TRIPS:
            counts[_TRIPS[c.kind]] += 1
        elif c.kind == "schedule":
            counts["CreateSchedule" if c.status == Status.CREATE else "UpdateSchedule"] += 1
        elif c.kind == "kms key" and c.status == Status.UPDATE and "key policy" in c.aspects:
            counts["PutKeyPolicy"] += 1
        elif c.kind == "s3 bucket" and c.name == n.bucket:
            counts["PutBucketPolicy"] += 1
        elif c.kind == "cloudtrail" and (c.status == Status.CREATE or "selectors" in c.aspects):
            counts["PutEventSelectors"] += 1
        if c.kind == "iam role" and c.status == Status.UPDATE and "who may assume it" in c.aspects:
            counts["UpdateAssumeRolePolicy"] += 1
    return [f"{call} ×{count}" if count > 1 else call for call, count in counts.items()]
