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
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard import APP_NAME, TAG_KEY, TAG_VALUE
from wizard.aws import Services
from wizard.errors import UsageError, absent, aws_errors, delete_if_present
from wizard.journal import record
from wizard.partition import partition_of_region
from wizard.plan import Status

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
ALARM_PERIOD = 300  # a metric-filter metric is standard resolution: never under 60 s
UNIVERSAL_DISABLE = "scheduler:::aws-sdk:cloudwatch:disableAlarmActions"
UNIVERSAL_ENABLE = "scheduler:::aws-sdk:cloudwatch:enableAlarmActions"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
QUIET_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


# ----------------------------------------------------------------------------- options


@dataclass(frozen=True)
class MonitorOptions:
    """What the admin chose (all validated by `validate`)."""

    email: str | None = None
    timezone: str = "UTC"
    quiet_hours: str | None = None  # "18:00-09:00", weekdays
    quiet_alarm: str | None = None
    insist_quiet_signin_alarm: bool = False
    kms: bool = False
    retention_days: int = 365
    glacier_days: int = 90
    expire_days: int = 2557  # seven years
    iam_users_only: bool = False
    trail_changes_alarm: bool = True
    reuse_trail: bool = True


RETENTION_VALUES = {
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
}


def validate_timezone(name: str) -> str:
    """An IANA time zone name (e.g. Asia/Tokyo), or a UsageError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UsageError(
            f"{name!r} is not an IANA time zone",
            "use a name such as Asia/Tokyo, Europe/Paris or UTC",
        ) from None
    return name


def parse_quiet_hours(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """'18:00-09:00' -> ((18, 0), (9, 0))."""
    match = QUIET_RE.match(text.strip())
    if not match:
        raise UsageError(
            f"{text!r} is not a time range", "write quiet hours as HH:MM-HH:MM, e.g. 18:00-09:00"
        )
    start = (int(match.group(1)), int(match.group(2)))
    end = (int(match.group(3)), int(match.group(4)))
    if start == end:
        raise UsageError(
            "the quiet hours start and end at the same time", "choose two different times"
        )
    return start, end


def validate(options: MonitorOptions) -> MonitorOptions:
    """Check every option before any AWS call; errors name the option and the fix."""
    if options.email is not None and not EMAIL_RE.match(options.email):
        raise UsageError(
            f"{options.email!r} is not an email address",
            "type an address such as security@example.com",
        )
    validate_timezone(options.timezone)
    if options.retention_days not in RETENTION_VALUES:
        raise UsageError(
            f"{options.retention_days} days is not a CloudWatch Logs retention",
            f"choose one of {', '.join(str(v) for v in sorted(RETENTION_VALUES))}",
        )
    if not 1 <= options.glacier_days < options.expire_days:
        raise UsageError(
            "the lifecycle must move logs to Glacier before it expires them",
            "choose Glacier days < expiry days",
        )
    if options.quiet_hours:
        parse_quiet_hours(options.quiet_hours)
        if options.quiet_alarm and not ALARM_NAME.fullmatch(options.quiet_alarm):
            # A wildcard would give the scheduler role rights over every alarm in the account.
            raise UsageError(
                f"{options.quiet_alarm!r} is not an alarm name",
                "name one alarm exactly: no wildcards (* ?), 1-255 characters",
            )
        if not options.quiet_alarm:
            raise UsageError(
                "quiet hours need --quiet-alarm",
                f"name the alarm to silence, e.g. {names_for('0', 'x').trail_changes_alarm}",
            )
        if (
            options.quiet_alarm == names_for("0", "x").signin_alarm
            and not options.insist_quiet_signin_alarm
        ):
            raise UsageError(
                "the no-MFA sign-in alarm would be silenced during quiet hours, and a sign-in then is never notified later "
                "(alarm actions fire only on a change of state)",
                "choose another alarm, or pass --insist if you accept missing those alerts",
            )
    return options


# ----------------------------------------------------------------------------- names


@dataclass(frozen=True)
class Names:
    """Every resource name, derived from account and region (stable across runs)."""

    account: str
    region: str

    @property
    def bucket(self) -> str:
        return f"{PREFIX}-trail-{self.account}-{self.region}"

    log_group: str = f"/{PREFIX}/cloudtrail"
    logs_role: str = f"{PREFIX}-cloudtrail-to-logs"
    trail: str = f"{PREFIX}-trail"
    signin_filter: str = f"{PREFIX}-console-signin-without-mfa"
    trail_changes_filter: str = f"{PREFIX}-cloudtrail-changes"
    topic: str = f"{PREFIX}-alerts"
    signin_alarm: str = f"{PREFIX}-console-signin-without-mfa"
    trail_changes_alarm: str = f"{PREFIX}-cloudtrail-changes"
    scheduler_role: str = f"{PREFIX}-scheduler"
    schedule_start: str = f"{PREFIX}-quiet-hours-start"
    schedule_end: str = f"{PREFIX}-quiet-hours-end"
    schedule_failed_alarm: str = f"{PREFIX}-quiet-hours-schedule-failed"
    key_alias: str = f"alias/{PREFIX}-trail"

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

    @property
    def log_group_arn(self) -> str:
        return (
            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:{self.log_group}:*"
        )


def names_for(account: str, region: str) -> Names:
    """The resource names for one account and region."""
    return Names(account=account, region=region)


# ----------------------------------------------------------------------------- documents


def bucket_policy(n: Names) -> dict[str, Any]:
    """CloudTrail may check the ACL and write (owner full control), only for our trail; no plain HTTP."""
    source = {"aws:SourceArn": n.trail_arn}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:{n.partition}:s3:::{n.bucket}",
                "Condition": {"StringEquals": source},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:{n.partition}:s3:::{n.bucket}/AWSLogs/{n.account}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [
                    f"arn:{n.partition}:s3:::{n.bucket}",
                    f"arn:{n.partition}:s3:::{n.bucket}/*",
                ],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def kms_key_policy(n: Names) -> dict[str, Any]:
    """The account administers the key; CloudTrail encrypts for our trail; alarms publish to SNS."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableAccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{n.partition}:iam::{n.account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AllowCloudTrailToEncryptLogs",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceArn": n.trail_arn},
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{n.partition}:cloudtrail:*:{n.account}:trail/*"
                    },
                },
            },
            {
                "Sid": "AllowCloudWatchAlarmsToUseTheTopicKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ],
    }


def logs_role_trust() -> dict[str, Any]:
    """CloudTrail may assume the delivery role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def logs_role_policy(n: Names) -> dict[str, Any]:
    """CreateLogStream and PutLogEvents on our log group's streams only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:{n.partition}:logs:{n.region}:{n.account}:log-group:{n.log_group}:log-stream:*",
            }
        ],
    }


def topic_policy(n: Names) -> dict[str, Any]:
    """Only this account's CloudWatch alarms may publish; the owner manages the topic."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnerManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{n.partition}:iam::{n.account}:root"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:DeleteTopic",
                ],
                "Resource": n.topic_arn,
            },
            {
                "Sid": "AllowCloudWatchAlarmsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": n.topic_arn,
                "Condition": {
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{n.partition}:cloudwatch:{n.region}:{n.account}:alarm:*"
                    },
                    "StringEquals": {"aws:SourceAccount": n.account},
                },
            },
        ],
    }


def scheduler_trust(n: Names) -> dict[str, Any]:
    """EventBridge Scheduler of this account may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": n.account}},
            }
        ],
    }


def scheduler_policy(n: Names, alarms: list[str]) -> dict[str, Any]:
    """Only Disable/EnableAlarmActions, only on the chosen alarms."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"],
                "Resource": [n.alarm_arn(a) for a in alarms],
            }
        ],
    }


ALARM_NAME = re.compile(r"[^*?\x00-\x1f]{1,255}")


def quiet_schedules(options: MonitorOptions) -> tuple[str, str]:
    """(disable, enable) cron expressions for weekday quiet hours in the admin's time zone.

    An overnight range (18:00-09:00) starts on weekday evenings and ends the next morning, so
    it ends Tuesday to Saturday: ending MON-FRI would silence Friday evening to Monday morning.
    """
    assert options.quiet_hours
    (sh, sm), (eh, em) = parse_quiet_hours(options.quiet_hours)
    overnight = (eh, em) < (sh, sm)
    return (
        f"cron({sm} {sh} ? * MON-FRI *)",
        f"cron({em} {eh} ? * {'TUE-SAT' if overnight else 'MON-FRI'} *)",
    )


def dst_gaps(
    timezone: str, at: tuple[int, int], weekdays: range = range(7), days: int = 366
) -> list[str]:
    """Dates in the coming year, on the given weekdays (0 = Monday), on which the local time `at`
    does not exist in `timezone` (a spring-forward gap): EventBridge Scheduler skips such a run."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    gaps = []
    start = datetime.now(zone).date()  # "today" where the schedule runs, not on this machine
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        local = datetime(day.year, day.month, day.day, at[0], at[1], tzinfo=zone)
        back = local.astimezone(UTC).astimezone(zone)
        if (back.hour, back.minute) != at:
            gaps.append(day.isoformat())
    return gaps


def mfa_delete_command(bucket: str, account: str, partition: str = "aws") -> str:
    """The root-only command that enables MFA Delete (the wizard cannot run it)."""
    return (
        f"aws s3api put-bucket-versioning --bucket {bucket} "
        f"--versioning-configuration Status=Enabled,MFADelete=Enabled "
        f'--mfa "arn:{partition}:iam::{account}:mfa/root-account-mfa-device 123456"   # as root, with root\'s code'
    )


# ----------------------------------------------------------------------------- plan


@dataclass
class Change:
    """One resource: what it is, what will happen, the CLI equivalent, and how to do it."""

    kind: str
    name: str
    status: Status
    detail: str
    cli: str = ""
    run: Callable[[], str] | None = field(default=None, repr=False)

    @property
    def changes(self) -> bool:
        return self.status in {Status.CREATE, Status.UPDATE}

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "cli": self.cli,
        }


@dataclass
class MonitorPlan:
    """The whole plan, in apply order."""

    options: MonitorOptions
    names: Names
    changes: list[Change]
    notes: list[str]
    reused_trail: str | None = None
    log_group: str = ""

    @property
    def nothing_to_do(self) -> bool:
        return not any(c.changes for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [c.to_json() for c in self.changes],
            "notes": self.notes,
            "reused_trail": self.reused_trail,
            "nothing_to_do": self.nothing_to_do,
        }


def _try(call: Callable[[], Any], op: str) -> Any | None:
    """The answer of a read, or None when the thing does not exist."""
    return absent(op, call)


class Planner:
    """Reads each resource and builds the Change list (closures do the writes)."""

    def __init__(self, services: Services, options: MonitorOptions) -> None:
        self.s = services
        self.o = validate(options)
        identity = services.identity()
        self.n = names_for(identity.account_id, services.region)
        self.changes: list[Change] = []
        self.notes: list[str] = []
        self.key_arn: str | None = None

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def journal(self, action: str, resource: str, undo: dict[str, Any] | None = None) -> None:
        record(self.s, "monitor", action, resource, undo=undo)

    # -- the existing trail

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
        elif not any(
            s["SubscriptionArn"].startswith("arn:") for s in self.subscriptions()
        ):  # "PendingConfirmation" is not yet a way to reach anyone
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
            self.o, self.n, self.changes, self.notes, reused["Name"] if reused else None, log_group
        )

    # -- KMS

    def plan_key(self) -> None:
        kms = self.s.client("kms")
        alias = _try(lambda: kms.describe_key(KeyId=self.n.key_alias)["KeyMetadata"], "DescribeKey")
        if alias and alias.get("KeyState") == "Enabled":
            self.key_arn = alias["Arn"]
            self.add(
                Change("kms key", self.n.key_alias, Status.NOTHING, "customer managed key exists")
            )
            return

        def run() -> str:
            with aws_errors("CreateKey"):
                key = kms.create_key(
                    Description="mfa-wizard: CloudTrail logs and alarm topic",
                    Policy=json.dumps(kms_key_policy(self.n)),
                    Tags=[{"TagKey": TAG_KEY, "TagValue": TAG_VALUE}],
                )["KeyMetadata"]
                kms.create_alias(AliasName=self.n.key_alias, TargetKeyId=key["KeyId"])
            self.key_arn = key["Arn"]
            self.journal(
                "create_kms_key",
                key["Arn"],
                undo={
                    "op": "schedule_key_deletion",
                    "key": key["KeyId"],
                    "alias": self.n.key_alias,
                },
            )
            return key["Arn"]

        self.key_arn = (
            f"arn:{self.n.partition}:kms:{self.n.region}:{self.n.account}:{self.n.key_alias}"
        )
        self.add(
            Change(
                "kms key",
                self.n.key_alias,
                Status.CREATE,
                "customer managed key whose policy lets CloudTrail encrypt and alarms publish",
                f"aws kms create-key --policy file://key-policy.json && aws kms create-alias --alias-name {self.n.key_alias} ...",
                run,
            )
        )

    # -- S3

    def plan_bucket(self) -> None:
        s3 = self.s.client("s3")
        n = self.n
        exists = _try(lambda: s3.head_bucket(Bucket=n.bucket), "HeadBucket") is not None
        wanted = self.bucket_settings()
        if not exists:

            def run() -> str:
                kwargs: dict[str, Any] = {"Bucket": n.bucket}
                if n.region != "us-east-1":
                    # us-east-1 refuses an explicit LocationConstraint; every other region needs one.
                    kwargs["CreateBucketConfiguration"] = {"LocationConstraint": n.region}
                with aws_errors("CreateBucket"):
                    s3.create_bucket(**kwargs)
                self.journal(
                    "create_bucket", n.bucket, undo={"op": "delete_bucket", "bucket": n.bucket}
                )
                self.apply_bucket_settings(wanted)
                return f"arn:{n.partition}:s3:::{n.bucket}"

            self.add(
                Change(
                    "s3 bucket",
                    n.bucket,
                    Status.CREATE,
                    "private (Block Public Access), encrypted, versioned, lifecycle to Glacier, CloudTrail-only policy, TLS only",
                    f"aws s3api create-bucket --bucket {n.bucket}"
                    + (
                        ""
                        if n.region == "us-east-1"
                        else f" --create-bucket-configuration LocationConstraint={n.region}"
                    ),
                    run,
                )
            )
            return
        drift = self.bucket_drift(wanted)
        if drift:
            self.add(
                Change(
                    "s3 bucket",
                    n.bucket,
                    Status.UPDATE,
                    "fix: " + ", ".join(drift),
                    f"aws s3api put-bucket-policy --bucket {n.bucket} ... (and the others)",
                    lambda: self.apply_bucket_settings(wanted, only=drift),
                )
            )
        else:
            self.add(
                Change(
                    "s3 bucket",
                    n.bucket,
                    Status.NOTHING,
                    "private, encrypted, versioned, lifecycle and policy in place",
                )
            )
        versioning = (
            _try(lambda: s3.get_bucket_versioning(Bucket=n.bucket), "GetBucketVersioning") or {}
        )
        if versioning.get("MFADelete") != "Enabled":
            self.add(
                Change(
                    "mfa delete",
                    n.bucket,
                    Status.INFO,
                    "MFA Delete is off: only the root user can turn it on (see the note)",
                )
            )

    def bucket_settings(self) -> dict[str, Any]:
        n = self.n
        if self.o.kms:
            encryption = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.key_arn}
        else:
            encryption = {"SSEAlgorithm": "AES256"}
        return {
            "public_access_block": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
            "encryption": encryption,
            "versioning": "Enabled",
            "lifecycle": {
                "Rules": [
                    {
                        "ID": f"{PREFIX}-archive",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Transitions": [{"Days": self.o.glacier_days, "StorageClass": "GLACIER"}],
                        "Expiration": {"Days": self.o.expire_days},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": self.o.expire_days},
                    }
                ]
            },
            "policy": bucket_policy(n),
        }

    def bucket_drift(self, wanted: dict[str, Any]) -> list[str]:
        s3 = self.s.client("s3")
        b = self.n.bucket
        drift = []
        pab = _try(
            lambda: s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"],
            "GetPublicAccessBlock",
        )
        if pab != wanted["public_access_block"]:
            drift.append("public_access_block")
        enc = _try(
            lambda: s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"][
                "Rules"
            ][0]["ApplyServerSideEncryptionByDefault"],
            "GetBucketEncryption",
        )
        if not enc or enc.get("SSEAlgorithm") != wanted["encryption"]["SSEAlgorithm"]:
            drift.append("encryption")
        if (_try(lambda: s3.get_bucket_versioning(Bucket=b), "GetBucketVersioning") or {}).get(
            "Status"
        ) != "Enabled":
            drift.append("versioning")
        rules = (
            _try(
                lambda: s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"],
                "GetBucketLifecycleConfiguration",
            )
            or []
        )
        mine = [r for r in rules if r.get("ID") == f"{PREFIX}-archive"]
        want_rule = wanted["lifecycle"]["Rules"][0]
        if (
            not mine
            or mine[0].get("Transitions", [{}])[0].get("Days")
            != want_rule["Transitions"][0]["Days"]
            or mine[0].get("Expiration", {}).get("Days") != want_rule["Expiration"]["Days"]
        ):
            drift.append("lifecycle")
        policy = _try(lambda: s3.get_bucket_policy(Bucket=b)["Policy"], "GetBucketPolicy")
        if not policy or json.loads(policy) != wanted["policy"]:
            drift.append("policy")
        return drift

    def apply_bucket_settings(self, wanted: dict[str, Any], only: list[str] | None = None) -> str:
        s3 = self.s.client("s3")
        b = self.n.bucket
        todo = only or [
            "public_access_block",
            "encryption",
            "versioning",
            "lifecycle",
            "policy",
            "tags",
        ]
        with aws_errors("configuring the trail bucket"):
            if "public_access_block" in todo:
                s3.put_public_access_block(
                    Bucket=b, PublicAccessBlockConfiguration=wanted["public_access_block"]
                )
            if "encryption" in todo:
                rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": wanted["encryption"]}
                if self.o.kms:
                    rule["BucketKeyEnabled"] = True
                s3.put_bucket_encryption(
                    Bucket=b, ServerSideEncryptionConfiguration={"Rules": [rule]}
                )
            if "versioning" in todo:
                s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
            if "lifecycle" in todo:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=b, LifecycleConfiguration=wanted["lifecycle"]
                )
            if "policy" in todo:
                s3.put_bucket_policy(Bucket=b, Policy=json.dumps(wanted["policy"]))
            if "tags" in todo:
                s3.put_bucket_tagging(
                    Bucket=b, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": TAG_VALUE}]}
                )
        if only:
            self.journal("update_bucket", b, undo=None)
        return f"arn:{self.n.partition}:s3:::{b}"

    # -- CloudWatch Logs

    def plan_log_group(self) -> None:
        logs = self.s.client("logs")
        n = self.n
        with aws_errors("DescribeLogGroups"):
            groups = [
                g
                for page in logs.get_paginator("describe_log_groups").paginate(
                    logGroupNamePrefix=n.log_group
                )
                for g in page["logGroups"]
            ]
        group = next((g for g in groups if g["logGroupName"] == n.log_group), None)
        if group is None:

            def run() -> str:
                with aws_errors("CreateLogGroup"):
                    logs.create_log_group(logGroupName=n.log_group, tags={TAG_KEY: TAG_VALUE})
                    logs.put_retention_policy(
                        logGroupName=n.log_group, retentionInDays=self.o.retention_days
                    )
                self.journal(
                    "create_log_group",
                    n.log_group,
                    undo={"op": "delete_log_group", "name": n.log_group},
                )
                return n.log_group_arn

            self.add(
                Change(
                    "log group",
                    n.log_group,
                    Status.CREATE,
                    f"retention {self.o.retention_days} days",
                    f"aws logs create-log-group --log-group-name {n.log_group} && aws logs put-retention-policy --log-group-name {n.log_group} --retention-in-days {self.o.retention_days}",
                    run,
                )
            )
        elif group.get("retentionInDays") != self.o.retention_days:

            def update() -> str:
                with aws_errors("PutRetentionPolicy"):
                    logs.put_retention_policy(
                        logGroupName=n.log_group, retentionInDays=self.o.retention_days
                    )
                self.journal("update_log_retention", n.log_group)
                return n.log_group_arn

            self.add(
                Change(
                    "log group",
                    n.log_group,
                    Status.UPDATE,
                    f"retention {group.get('retentionInDays')} -> {self.o.retention_days} days",
                    f"aws logs put-retention-policy --log-group-name {n.log_group} --retention-in-days {self.o.retention_days}",
                    update,
                )
            )
        else:
            self.add(
                Change(
                    "log group",
                    n.log_group,
                    Status.NOTHING,
                    f"exists, retention {self.o.retention_days} days",
                )
            )

    def plan_role(
        self, name: str, trust: dict[str, Any], policy: dict[str, Any], what: str
    ) -> None:
        iam = self.s.iam
        role = _try(lambda: iam.get_role(RoleName=name)["Role"], "GetRole")
        current = (
            _try(
                lambda: iam.get_role_policy(RoleName=name, PolicyName=name)["PolicyDocument"],
                "GetRolePolicy",
            )
            if role
            else None
        )

        def run() -> str:
            with aws_errors("CreateRole"):
                if role is None:
                    iam.create_role(
                        RoleName=name,
                        AssumeRolePolicyDocument=json.dumps(trust),
                        Description=what,
                        Tags=[{"Key": TAG_KEY, "Value": TAG_VALUE}],
                    )
                    self.journal("create_role", name, undo={"op": "delete_role", "name": name})
                iam.put_role_policy(
                    RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy)
                )
            return f"arn:{self.n.partition}:iam::{self.n.account}:role/{name}"

        if role is None:
            self.add(
                Change(
                    "iam role",
                    name,
                    Status.CREATE,
                    what,
                    f"aws iam create-role --role-name {name} ... && aws iam put-role-policy ...",
                    run,
                )
            )
        elif current != policy:
            self.add(
                Change(
                    "iam role",
                    name,
                    Status.UPDATE,
                    f"{what}: permissions differ",
                    f"aws iam put-role-policy --role-name {name} ...",
                    run,
                )
            )
        else:
            self.add(Change("iam role", name, Status.NOTHING, what))

    def plan_logs_role(self) -> None:
        self.plan_role(
            self.n.logs_role,
            logs_role_trust(),
            logs_role_policy(self.n),
            "CloudTrail writes to the log group",
        )

    # -- CloudTrail

    def plan_trail(self) -> None:
        ct = self.s.client("cloudtrail")
        n = self.n
        trails = {
            t["Name"]: t
            for t in ct.describe_trails(trailNameList=[n.trail], includeShadowTrails=False)[
                "trailList"
            ]
        }
        trail = trails.get(n.trail)
        role_arn = f"arn:{n.partition}:iam::{n.account}:role/{n.logs_role}"
        settings = {
            "S3BucketName": n.bucket,
            "IsMultiRegionTrail": True,
            "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True,
            "CloudWatchLogsLogGroupArn": n.log_group_arn,
            "CloudWatchLogsRoleArn": role_arn,
        }
        if self.o.kms:
            settings["KmsKeyId"] = self.key_arn

        def create() -> str:
            with aws_errors("CreateTrail"):
                arn = ct.create_trail(
                    Name=n.trail, TagsList=[{"Key": TAG_KEY, "Value": TAG_VALUE}], **settings
                )["TrailARN"]
                ct.start_logging(Name=n.trail)
            self.journal("create_trail", n.trail, undo={"op": "delete_trail", "name": n.trail})
            return arn

        if trail is None:
            self.add(
                Change(
                    "cloudtrail",
                    n.trail,
                    Status.CREATE,
                    "multi-region, global service events, log file validation, to CloudWatch Logs; logging started",
                    f"aws cloudtrail create-trail --name {n.trail} --s3-bucket-name {n.bucket} --is-multi-region-trail --include-global-service-events --enable-log-file-validation --cloud-watch-logs-log-group-arn {n.log_group_arn} --cloud-watch-logs-role-arn {role_arn} && aws cloudtrail start-logging --name {n.trail}",
                    create,
                )
            )
            return
        drift = [
            k
            for k, v in (
                ("IsMultiRegionTrail", True),
                ("IncludeGlobalServiceEvents", True),
                ("LogFileValidationEnabled", True),
            )
            if trail.get(k) != v
        ]
        if trail.get("CloudWatchLogsLogGroupArn") != n.log_group_arn:
            drift.append("CloudWatchLogsLogGroupArn")
        status = ct.get_trail_status(Name=n.trail)
        logging = bool(status.get("IsLogging"))

        def update() -> str:
            with aws_errors("UpdateTrail"):
                if drift:
                    ct.update_trail(Name=n.trail, **settings)
                if not logging:
                    ct.start_logging(Name=n.trail)
            self.journal("update_trail", n.trail)
            return n.trail_arn

        if drift or not logging:
            what = ", ".join(drift + ([] if logging else ["logging stopped"]))
            self.add(
                Change(
                    "cloudtrail",
                    n.trail,
                    Status.UPDATE,
                    f"fix: {what}",
                    f"aws cloudtrail update-trail --name {n.trail} ... && aws cloudtrail start-logging --name {n.trail}",
                    update,
                )
            )
        else:
            self.add(
                Change(
                    "cloudtrail",
                    n.trail,
                    Status.NOTHING,
                    "multi-region, validated, logging to CloudWatch Logs",
                )
            )

    # -- metric filters

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
                lambda: logs.describe_metric_filters(logGroupName=log_group, filterNamePrefix=name)[
                    "metricFilters"
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
                if existing:
                    # AWS replaces a filter of the same name; some emulators add a second one:
                    # removing it first gives one filter everywhere.
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
            self.add(Change("metric filter", name, Status.CREATE, pattern, cli, run))
        elif not same:
            self.add(
                Change("metric filter", name, Status.UPDATE, f"pattern -> {pattern}", cli, run)
            )
        else:
            self.add(Change("metric filter", name, Status.NOTHING, pattern))

    # -- SNS

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
                    "sns topic",
                    n.topic,
                    Status.CREATE,
                    "only this account's CloudWatch alarms may publish"
                    + (" · KMS encrypted" if kms_id else ""),
                    f"aws sns create-topic --name {n.topic} --attributes file://topic-attributes.json",
                    run,
                )
            )
        elif json.loads(attributes.get("Policy", "{}")) != wanted["Policy"] or (
            kms_id and attributes.get("KmsMasterKeyId") != kms_id
        ):
            self.add(
                Change(
                    "sns topic",
                    n.topic,
                    Status.UPDATE,
                    "topic policy / encryption differ",
                    f"aws sns set-topic-attributes --topic-arn {n.topic_arn} ...",
                    run,
                )
            )
        else:
            self.add(Change("sns topic", n.topic, Status.NOTHING, "policy in place"))

    def subscriptions(self) -> list[dict[str, Any]]:
        sns = self.s.client("sns")
        return (
            _try(
                lambda: [
                    s
                    for p in sns.get_paginator("list_subscriptions_by_topic").paginate(
                        TopicArn=self.n.topic_arn
                    )
                    for s in p["Subscriptions"]
                ],
                "ListSubscriptionsByTopic",
            )
            or []
        )

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
                    "email subscription",
                    email,
                    Status.CREATE,
                    "AWS emails a confirmation link: alerts arrive only after it is clicked",
                    f"aws sns subscribe --topic-arn {self.n.topic_arn} --protocol email --notification-endpoint {email}",
                    run,
                )
            )
        else:
            pending = subs[0]["SubscriptionArn"] in {"PendingConfirmation", "pending confirmation"}
            self.add(
                Change(
                    "email subscription",
                    email,
                    Status.NOTHING,
                    "waiting for confirmation (click the link in the email)"
                    if pending
                    else "confirmed",
                )
            )

    # -- alarms

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
                    "alarm",
                    name,
                    Status.CREATE,
                    f"Sum >= 1 in {ALARM_PERIOD} s -> {self.n.topic}",
                    cli,
                    run,
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
        if differs:
            self.add(Change("alarm", name, Status.UPDATE, "fix: " + ", ".join(differs), cli, run))
        else:
            self.add(
                Change(
                    "alarm", name, Status.NOTHING, f"Sum >= 1 in {ALARM_PERIOD} s -> {self.n.topic}"
                )
            )

    # -- schedules

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

        def run() -> str:
            with aws_errors("CreateSchedule"):
                if current is None:
                    arn = scheduler.create_schedule(**body)["ScheduleArn"]
                    self.journal(
                        "create_schedule", name, undo={"op": "delete_schedule", "name": name}
                    )
                else:
                    arn = scheduler.update_schedule(**body)["ScheduleArn"]
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


def plan_monitoring(services: Services, options: MonitorOptions) -> tuple[Planner, MonitorPlan]:
    """Read everything and plan (no change is made)."""
    planner = Planner(services, options)
    return planner, planner.plan()


def apply_monitoring(
    plan: MonitorPlan, on_progress: Callable[[int, int, str], None] | None = None
) -> list[str]:
    """Run the plan's changes in order; returns the ARN or name each produced."""
    todo = [c for c in plan.changes if c.changes and c.run]
    results = []
    for index, change in enumerate(todo, 1):
        if on_progress:
            on_progress(index, len(todo), f"{change.status} {change.kind} {change.name}")
        assert change.run is not None
        results.append(f"{change.kind} {change.name}: {change.run()}")
    return results


def send_test_notification(services: Services) -> tuple[str, bool]:
    """Set the no-MFA alarm to ALARM once (the next evaluation resets it): (alarm name, whether
    the topic has a confirmed subscription, i.e. whether anyone will get it)."""
    n = names_for(services.identity().account_id, services.region)
    cw = services.client("cloudwatch")
    with aws_errors("DescribeAlarms"):
        if not cw.describe_alarms(AlarmNames=[n.signin_alarm])["MetricAlarms"]:
            raise UsageError("the alarm does not exist yet", "apply the monitoring plan first")
    with aws_errors("SetAlarmState"):
        cw.set_alarm_state(
            AlarmName=n.signin_alarm, StateValue="ALARM", StateReason="mfa-wizard test notification"
        )
    sns = services.client("sns")
    subscriptions = absent(
        "ListSubscriptionsByTopic",
        lambda: [
            s
            for page in sns.get_paginator("list_subscriptions_by_topic").paginate(
                TopicArn=n.topic_arn
            )
            for s in page["Subscriptions"]
        ],
    )
    reachable = any(s["SubscriptionArn"].startswith("arn:") for s in subscriptions or [])
    return n.signin_alarm, reachable


# ----------------------------------------------------------------------------- teardown


def _tagged(tags: list[dict[str, str]] | dict[str, str] | None) -> bool:
    if isinstance(tags, dict):
        return tags.get(TAG_KEY) == TAG_VALUE
    return any(
        (t.get("Key") or t.get("TagKey")) == TAG_KEY
        and (t.get("Value") or t.get("TagValue")) == TAG_VALUE
        for t in tags or []
    )


def teardown(
    services: Services, purge: bool = False, on_progress: Callable[[str], None] | None = None
) -> list[str]:
    """Remove everything the wizard created (found by name and tag), newest first.

    The trail bucket is deleted only when empty, or with purge=True (its logs are evidence).
    """
    account = services.identity().account_id
    n = names_for(account, services.region)
    done: list[str] = []

    def say(text: str) -> None:
        done.append(text)
        if on_progress:
            on_progress(text)

    def gone(call: Callable[[], Any], what: str, op: str) -> None:
        if delete_if_present(op, call):
            say(f"deleted {what}")

    scheduler = services.client("scheduler")
    for name in (n.schedule_start, n.schedule_end):
        gone(
            lambda name=name: scheduler.delete_schedule(Name=name),
            f"schedule {name}",
            "DeleteSchedule",
        )
    cw = services.client("cloudwatch")
    alarms = [
        a
        for a in cw.describe_alarms(
            AlarmNames=[n.signin_alarm, n.trail_changes_alarm, n.schedule_failed_alarm]
        )["MetricAlarms"]
    ]
    mine = [
        a["AlarmName"]
        for a in alarms
        if _tagged(cw.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags"))
    ]
    if mine:
        with aws_errors("DeleteAlarms"):
            cw.delete_alarms(AlarmNames=mine)
        say(f"deleted alarms {', '.join(mine)}")
    sns = services.client("sns")
    topic_tags = _try(
        lambda: sns.list_tags_for_resource(ResourceArn=n.topic_arn)["Tags"], "ListTagsForResource"
    )
    if topic_tags is not None and _tagged(topic_tags):
        gone(
            lambda: sns.delete_topic(TopicArn=n.topic_arn),
            f"topic {n.topic} and its subscriptions",
            "DeleteTopic",
        )
    logs = services.client("logs")
    trail = services.client("cloudtrail")
    reused = [
        t
        for t in trail.describe_trails()["trailList"]
        if t.get("CloudWatchLogsLogGroupArn") and t.get("Name") != n.trail
    ]
    for group in {
        n.log_group,
        *[
            t["CloudWatchLogsLogGroupArn"].split(":log-group:", 1)[1].split(":", 1)[0]
            for t in reused
        ],
    }:
        for name in (n.signin_filter, n.trail_changes_filter):
            filters = (
                _try(
                    lambda group=group, name=name: logs.describe_metric_filters(
                        logGroupName=group, filterNamePrefix=name
                    )["metricFilters"],
                    "DescribeMetricFilters",
                )
                or []
            )
            for f in [f for f in filters if f["filterName"] == name]:
                gone(
                    lambda group=group, f=f: logs.delete_metric_filter(
                        logGroupName=group, filterName=f["filterName"]
                    ),
                    f"metric filter {name}",
                    "DeleteMetricFilter",
                )
    ours = [
        t
        for t in trail.describe_trails(trailNameList=[n.trail])["trailList"]
        if t.get("Name") == n.trail
    ]
    trail_tags = (
        _try(lambda: trail.list_tags(ResourceIdList=[n.trail_arn])["ResourceTagList"], "ListTags")
        if ours
        else []
    )
    if trail_tags and _tagged(trail_tags[0].get("TagsList")):
        gone(
            lambda: trail.stop_logging(Name=n.trail), f"(stopped logging) {n.trail}", "StopLogging"
        )
        gone(lambda: trail.delete_trail(Name=n.trail), f"trail {n.trail}", "DeleteTrail")
    iam = services.iam
    for role in (n.scheduler_role, n.logs_role):
        info = _try(lambda role=role: iam.get_role(RoleName=role)["Role"], "GetRole")
        if info and _tagged(info.get("Tags")):
            gone(
                lambda role=role: iam.delete_role_policy(RoleName=role, PolicyName=role),
                f"role policy {role}",
                "DeleteRolePolicy",
            )
            gone(lambda role=role: iam.delete_role(RoleName=role), f"role {role}", "DeleteRole")
    groups = (
        _try(
            lambda: [
                g
                for page in logs.get_paginator("describe_log_groups").paginate(
                    logGroupNamePrefix=n.log_group
                )
                for g in page["logGroups"]
            ],
            "DescribeLogGroups",
        )
        or []
    )
    if any(g["logGroupName"] == n.log_group for g in groups):
        tags = (
            _try(
                lambda: logs.list_tags_log_group(logGroupName=n.log_group)["tags"],
                "ListTagsLogGroup",
            )
            or {}
        )
        if _tagged(tags) and purge:
            gone(
                lambda: logs.delete_log_group(logGroupName=n.log_group),
                f"log group {n.log_group}",
                "DeleteLogGroup",
            )
        elif _tagged(tags):
            # The sign-in events in it are evidence: only --purge deletes them.
            say(f"kept log group {n.log_group} (its events are evidence); --purge deletes it")
    s3 = services.client("s3")
    items: list[dict[str, str]] = []
    tags = _try(
        lambda: s3.get_bucket_tagging(Bucket=n.bucket, ExpectedBucketOwner=account)["TagSet"],
        "GetBucketTagging",
    )
    if tags is not None and _tagged(tags):
        # Every page: a real trail bucket holds far more than the first 1 000 versions.
        pages = (
            _try(
                lambda: list(
                    s3.get_paginator("list_object_versions").paginate(
                        Bucket=n.bucket, ExpectedBucketOwner=account
                    )
                ),
                "ListObjectVersions",
            )
            or []
        )
        items = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for page in pages
            for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if items and not purge:
            say(
                f"kept bucket {n.bucket}: it holds {len(items)} log object(s); pass --purge to delete them and it"
            )
        else:
            if items:
                with aws_errors("DeleteObjects"):
                    # The bucket is going: its policy (TLS only, CloudTrail only) goes first so
                    # nothing in it can block the deletes (an endpoint over plain HTTP would).
                    s3.delete_bucket_policy(Bucket=n.bucket)
                    for start in range(0, len(items), 1000):
                        answer = s3.delete_objects(
                            Bucket=n.bucket, Delete={"Objects": items[start : start + 1000]}
                        )
                        if answer.get("Errors"):
                            raise UsageError(
                                f"{len(answer['Errors'])} log object(s) in {n.bucket} could not be deleted ({answer['Errors'][0].get('Code')})",
                                "check the bucket's Object Lock / permissions, then run teardown --purge again",
                            )
                say(f"deleted {len(items)} log object(s)")
            gone(lambda: s3.delete_bucket(Bucket=n.bucket), f"bucket {n.bucket}", "DeleteBucket")
    kms = services.client("kms")
    key = _try(lambda: kms.describe_key(KeyId=n.key_alias)["KeyMetadata"], "DescribeKey")
    protects_logs = bool(items) and not purge if tags is not None and _tagged(tags) else False
    if key and key.get("KeyState") == "Enabled" and (not purge or protects_logs):
        # Deleting the key would make every log it encrypted unreadable for good.
        say(f"kept KMS key {n.key_alias}: it protects the logs kept; --purge removes both")
    elif key and key.get("KeyState") == "Enabled":
        with aws_errors("ScheduleKeyDeletion"):
            kms.delete_alias(AliasName=n.key_alias)
            kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        say(
            f"scheduled deletion of KMS key {key['KeyId']} in 7 days (AWS's minimum; cancel with kms cancel-key-deletion)"
        )
    if done:
        record(services, "monitor", "teardown", n.trail, detail="; ".join(done))
    return done
