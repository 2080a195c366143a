"""Names and ARNs of everything the Monitor step creates, and the patterns it watches for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard import APP_NAME
from wizard.i18n import _
from wizard.partition import partition_of_region

PREFIX = APP_NAME

NAMESPACE = "MfaWizard"

SIGNIN_METRIC = "ConsoleSignInWithoutMFA"

TRAIL_CHANGES_METRIC = "CloudTrailConfigurationChanges"

# CIS AWS Foundations 4.2 / Security Hub CloudWatch.3: the form checkers look for.
SIGNIN_PATTERN = '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'

# Narrowed for accounts using SSO: IAM users only, successful sign-ins only.
SIGNIN_PATTERN_IAM_USERS = (
    '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") '
    '&& ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'
)

TRAIL_CHANGES_PATTERN = (
    "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) "
    "|| ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
)

# CIS AWS Foundations (root account usage): root activity that is not an AWS service acting.
ROOT_USAGE_METRIC = "RootAccountUsage"
ROOT_USAGE_PATTERN = (
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }'
)

# Each of these silences the others unnoticed: alarms, filters, the trail's selectors and
# logging, the topic and its subscriptions. Said on any resource: each is rare and grave.
TAMPER_METRIC = "MonitoringTampered"
TAMPER_EVENTS = (
    "DeleteAlarms",
    "DisableAlarmActions",
    "DeleteMetricFilter",
    "PutEventSelectors",
    "StopLogging",
    "DeleteTrail",
    "Unsubscribe",
    "DeleteTopic",
    "SetTopicAttributes",
    # The key that encrypts the trail, its log group and the topic: any key (a KMS event names
    # the key by id, ARN or alias, so no one pattern can pick ours), and these are rare.
    "DisableKey",
    "ScheduleKeyDeletion",
    "PutKeyPolicy",
)
# These silence the chain only when aimed at the wizard's own resources (each is an everyday
# call elsewhere): (event names, the request field that names the resource, the value; a
# trailing * is a prefix, as CloudWatch Logs matches it). The log group and the trail bucket
# are filled in per account (`tamper_patterns`).
TAMPER_ON_OURS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    # (Scheduler's REST API: its CloudTrail records may name the schedule `name` or `Name`.)
    (("PutMetricAlarm",), "$.requestParameters.alarmName", f"{PREFIX}-*"),
    (
        ("PutMetricFilter", "DeleteLogGroup", "PutRetentionPolicy", "DeleteLogStream"),
        "$.requestParameters.logGroupName",
        "{log_group}",
    ),
    (
        ("CreateSchedule", "UpdateSchedule", "DeleteSchedule"),
        "$.requestParameters.name|$.requestParameters.Name",
        f"{PREFIX}-*",
    ),
    (("UpdateAssumeRolePolicy", "PutRolePolicy"), "$.requestParameters.roleName", f"{PREFIX}-*"),
    (("PutBucketPolicy", "DeleteBucketPolicy"), "$.requestParameters.bucketName", "{bucket}"),
)
# CloudWatch Logs refuses a filter pattern over 1 024 characters: the terms are spread over
# filters named tamper_filter, tamper_filter-2, ... all counting into TAMPER_METRIC.
PATTERN_LIMIT = 1024
# The wizard's own quiet-hours schedules disable alarm actions every weekday evening, through
# their role: that DisableAlarmActions is the plan working, not tampering (any other caller's is).
# Only that call is exempt: a deleted or changed schedule (CreateSchedule, UpdateSchedule,
# DeleteSchedule) is tampering whoever does it, so the quiet state cannot be made to last.
SCHEDULER_ROLE = f"{PREFIX}-scheduler"


def _tamper_terms(log_group: str, bucket: str) -> list[str]:
    terms = [
        f"($.eventName = {e})"
        if e != "DisableAlarmActions"
        # A comparison on a field an event lacks never matches: an IAM user's call (no session
        # issuer) is caught by NOT EXISTS, a role's by the role name.
        else (
            f"(($.eventName = {e}) && (($.userIdentity.sessionContext.sessionIssuer.userName NOT "
            f'EXISTS) || ($.userIdentity.sessionContext.sessionIssuer.userName != "{SCHEDULER_ROLE}")'
            ' || ($.userIdentity.sessionContext.sessionIssuer.type != "Role")))'
        )
        for e in TAMPER_EVENTS
    ]
    for events, field, value in TAMPER_ON_OURS:
        target = value.format(log_group=log_group, bucket=bucket)
        names = " || ".join(f"($.eventName = {e})" for e in events)
        where = " || ".join(f'({f} = "{target}")' for f in field.split("|"))
        terms.append(f"(({names}) && ({where}))")
    return terms


def tamper_patterns(log_group: str, bucket: str) -> list[str]:
    """The tamper filter patterns, each within CloudWatch Logs' 1 024 characters, in order."""
    patterns: list[str] = []
    current: list[str] = []
    for term in _tamper_terms(log_group, bucket):
        if current and len("{ " + " || ".join([*current, term]) + " }") > PATTERN_LIMIT:
            patterns.append("{ " + " || ".join(current) + " }")
            current = []
        current.append(term)
    patterns.append("{ " + " || ".join(current) + " }")
    return patterns


def tamper_filter_names(first: str, count: int) -> list[str]:
    """tamper_filter, tamper_filter-2, ...: one per pattern."""
    return [first if i == 1 else f"{first}-{i}" for i in range(1, count + 1)]


# What each extra over --minimal costs a month (us-east-1 list prices, 2025), in dollars: said
# beside each change in the plan, and added up in its cost note.
KMS_MONTHLY = 1.00
ALARM_MONTHLY = 0.10
METRIC_MONTHLY = 0.30


def kms_cost() -> str:
    """What the KMS key costs, said beside it in the plan."""
    return _(
        "${price:.0f}/month; each of its first two yearly rotations adds ${price:.0f}/month; "
        "$0.03 per 10,000 requests"
    ).format(price=KMS_MONTHLY)


def alarm_cost() -> str:
    """What an alarm costs."""
    return _("${price:.2f}/month, a standard-resolution alarm").format(price=ALARM_MONTHLY)


def metric_cost() -> str:
    """What a metric filter's metric costs."""
    return _("${price:.2f}/month for its custom metric; the first 10 metrics are free").format(
        price=METRIC_MONTHLY
    )


def access_logs_cost() -> str:
    """What the access logs cost."""
    return _("cents a month: S3 storage of the trail bucket's access logs")


# AWS Config (us-east-1, 2025): per configuration item recorded, continuous recording.
CONFIG_ITEM_PRICE = 0.003

ALARM_PERIOD = 300  # a metric-filter metric is standard resolution: never under 60 s

UNIVERSAL_DISABLE = "scheduler:::aws-sdk:cloudwatch:disableAlarmActions"

UNIVERSAL_ENABLE = "scheduler:::aws-sdk:cloudwatch:enableAlarmActions"

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

QUIET_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Names:
    """Every resource name, derived from account and region (stable across runs)."""

    account: str
    region: str

    @property
    def bucket(self) -> str:
        return f"{PREFIX}-trail-{self.account}-{self.region}"

    @property
    def access_logs_bucket(self) -> str:
        """Where S3 server access logs of the trail bucket go (SSE-S3: AWS refuses SSE-KMS on a
        log target bucket)."""
        return f"{PREFIX}-access-logs-{self.account}-{self.region}"

    log_group: str = f"/{PREFIX}/cloudtrail"
    logs_role: str = f"{PREFIX}-cloudtrail-to-logs"
    trail: str = f"{PREFIX}-trail"
    signin_filter: str = f"{PREFIX}-console-signin-without-mfa"
    trail_changes_filter: str = f"{PREFIX}-cloudtrail-changes"
    topic: str = f"{PREFIX}-alerts"
    signin_alarm: str = f"{PREFIX}-console-signin-without-mfa"
    trail_changes_alarm: str = f"{PREFIX}-cloudtrail-changes"
    root_usage_filter: str = f"{PREFIX}-root-usage"
    root_usage_alarm: str = f"{PREFIX}-root-usage"
    tamper_filter: str = f"{PREFIX}-monitoring-tampered"
    tamper_alarm: str = f"{PREFIX}-monitoring-tampered"
    scheduler_role: str = SCHEDULER_ROLE
    schedule_start: str = f"{PREFIX}-quiet-hours-start"
    schedule_end: str = f"{PREFIX}-quiet-hours-end"
    schedule_failed_alarm: str = f"{PREFIX}-quiet-hours-schedule-failed"
    key_alias: str = f"alias/{PREFIX}-trail"
    # Seed 004: who administers CloudTrail, who only reads it (AWS managed policies).
    trail_admins_group: str = f"{PREFIX}-cloudtrail-admins"
    trail_readers_group: str = f"{PREFIX}-cloudtrail-readers"
    # AWS Config: one recorder and one delivery channel per region; these are ours by name.
    config_recorder: str = PREFIX
    config_channel: str = PREFIX
    # The organization (o-...) of an organization trail, whose member accounts' logs the
    # trail bucket takes too; None for an account's own trail.
    organization: str | None = None

    @property
    def partition(self) -> str:
        return partition_of_region(self.region)

    @property
    def trail_arn(self) -> str:
        return f"arn:{self.partition}:cloudtrail:{self.region}:{self.account}:trail/{self.trail}"

    @property
    def topic_arn(self) -> str:
        return f"arn:{self.partition}:sns:{self.region}:{self.account}:{self.topic}"

    def alarm_arn(self, name: str) -> str:
        return f"arn:{self.partition}:cloudwatch:{self.region}:{self.account}:alarm:{name}"

    def aws_policy_arn(self, name: str) -> str:
        """An AWS managed policy's ARN in this partition."""
        return f"arn:{self.partition}:iam::aws:policy/{name}"

    @property
    def log_group_arn(self) -> str:
        return (
            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:{self.log_group}:*"
        )


def names_for(account: str, region: str) -> Names:
    """The resource names for one account and region."""
    return Names(account=account, region=region)
