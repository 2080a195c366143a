"""The Monitor step: trail -> CloudWatch Logs -> metric filter -> alarm -> SNS, plus schedules.

Every resource is read first, then planned as create / update / nothing, with the equivalent AWS
CLI command; apply runs the plan in order, journaling each change. Everything created is tagged
`managed-by=mfa-wizard` (or named with the `mfa-wizard` prefix where AWS has no tags) so teardown
removes exactly that. moto never applies a metric filter: the pattern is tested against real
CloudTrail events with a small evaluator (tests/support/filter_eval.py).

Needs: s3:CreateBucket, PutBucketPublicAccessBlock, PutEncryptionConfiguration,
PutBucketVersioning, PutLifecycleConfiguration, PutBucketPolicy, PutBucketTagging, GetBucket*;
logs:CreateLogGroup, PutRetentionPolicy, TagResource, PutMetricFilter, DescribeMetricFilters,
DescribeLogGroups; iam:CreateRole, PutRolePolicy, GetRole, PassRole; cloudtrail:CreateTrail,
UpdateTrail, StartLogging, DescribeTrails, GetTrailStatus, AddTags; sns:CreateTopic,
SetTopicAttributes, Subscribe, ListSubscriptionsByTopic; cloudwatch:PutMetricAlarm,
DescribeAlarms, SetAlarmState; scheduler:CreateSchedule, UpdateSchedule, GetSchedule;
kms:CreateKey, CreateAlias (with --kms); the matching Delete*/Stop* calls for teardown.

A package by resource: names and options, the policy documents, the plan model (base), one
module per resource group (storage, trail, alerts, schedules), the planner, teardown.
"""

from wizard.monitoring.alerts import send_test_notification
from wizard.monitoring.base import Change, MonitorPlan
from wizard.monitoring.documents import scheduler_trust
from wizard.monitoring.names import (
    SIGNIN_PATTERN,
    SIGNIN_PATTERN_IAM_USERS,
    TRAIL_CHANGES_PATTERN,
    Names,
    names_for,
)
from wizard.monitoring.options import MonitorOptions, dst_gaps, quiet_schedules, validate
from wizard.monitoring.planner import Planner, apply_monitoring, plan_monitoring
from wizard.monitoring.teardown import teardown

__all__ = [
    "SIGNIN_PATTERN",
    "SIGNIN_PATTERN_IAM_USERS",
    "TRAIL_CHANGES_PATTERN",
    "Change",
    "MonitorOptions",
    "MonitorPlan",
    "Names",
    "Planner",
    "apply_monitoring",
    "dst_gaps",
    "names_for",
    "plan_monitoring",
    "quiet_schedules",
    "scheduler_trust",
    "send_test_notification",
    "teardown",
    "validate",
]
