"""The 21 CIS checks about the trail, its buckets, log group, filters, alarms and topic that can be
shown on moto, written after Prowler's (the check names are Prowler's), read with boto3.

The `s3_bucket_*` checks read every bucket of the account, as Prowler's do (an earlier version
read only the trail's bucket, and passed while Prowler failed the unversioned access-log bucket);
the `cloudtrail_logs_s3_bucket_*` ones read the trail buckets.

Prowler is not a test dependency: each check here reads what Prowler's check reads and applies
the same rule (its metric-filter checks match the pattern with the regular expressions below,
and want an alarm on the filter's metric, on a log group a trail delivers to). Only
`cloudtrail_cloudwatch_logging_enabled` is narrowed: Prowler also wants a delivery in the last
day (`LatestCloudWatchLogsDeliveryTime`), which moto never reports; here the trail must name
a log group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

# Prowler's patterns (checks/cloudwatch/*/...): the event names and operators, in this order.
SIGNIN_WITHOUT_MFA = (
    r"\$\.eventName\s*=\s*.?ConsoleLogin.+\$\.additionalEventData\.MFAUsed\s*!=\s*.?Yes"
)
ROOT_USAGE = (
    r"\$\.userIdentity\.type\s*=\s*.?Root.+\$\.userIdentity\.invokedBy NOT EXISTS"
    r".+\$\.eventType\s*!=\s*.?AwsServiceEvent.?"
)
TRAIL_CHANGES = (
    r"\$\.eventName\s*=\s*.?CreateTrail.+\$\.eventName\s*=\s*.?UpdateTrail.+\$\.eventName\s*="
    r"\s*.?DeleteTrail.+\$\.eventName\s*=\s*.?StartLogging.+\$\.eventName\s*=\s*.?StopLogging.?"
)
# Condition keys that keep a "Principal: *" statement to one account (Prowler's is_policy_public).
ACCOUNT_KEYS = {
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:sourcearn",
    "kms:calleraccount",
    "aws:principalorgid",
}


class Account:
    """Everything the checks read, read once."""

    def __init__(self, services: Any) -> None:
        self.s = services
        ct = services.client("cloudtrail")
        self.trails = ct.describe_trails()["trailList"]
        self.status = {t["TrailARN"]: ct.get_trail_status(Name=t["TrailARN"]) for t in self.trails}
        self.selectors = {
            t["TrailARN"]: ct.get_event_selectors(TrailName=t["TrailARN"]) for t in self.trails
        }
        logs = services.client("logs")
        self.groups = logs.describe_log_groups()["logGroups"]
        self.filters = logs.describe_metric_filters()["metricFilters"]
        self.alarms = services.client("cloudwatch").describe_alarms()["MetricAlarms"]
        sns = services.client("sns")
        self.topics = [
            sns.get_topic_attributes(TopicArn=t["TopicArn"])["Attributes"]
            for t in sns.list_topics()["Topics"]
        ]
        kms = services.client("kms")
        self.keys = []
        for key in kms.list_keys()["Keys"]:
            meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            if meta.get("KeyManager") != "CUSTOMER" or meta.get("KeyState") != "Enabled":
                continue
            meta["Rotation"] = kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
            meta["Policy"] = json.loads(
                kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
            )
            self.keys.append(meta)

    def logging(self) -> list[dict[str, Any]]:
        return [t for t in self.trails if self.status[t["TrailARN"]].get("IsLogging")]

    def all_buckets(self) -> list[str]:
        return sorted(b["Name"] for b in self.s.client("s3").list_buckets()["Buckets"])

    def trail_buckets(self) -> list[str]:
        return sorted({t["S3BucketName"] for t in self.trails})

    def bucket(self, name: str, what: str) -> Any:
        s3 = self.s.client("s3")
        try:
            return getattr(s3, what)(Bucket=name)
        except Exception:
            return None


def _public(policy: dict[str, Any]) -> bool:
    """An Allow to everyone not held to one account by a condition."""
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        everyone = principal == "*" or (
            isinstance(principal, dict) and "*" in _list(principal.get("AWS"))
        )
        if statement.get("Effect") != "Allow" or not everyone:
            continue
        keys = {
            key.lower()
            for operator in (statement.get("Condition") or {}).values()
            for key in operator
        }
        if not keys & ACCOUNT_KEYS:
            return True
    return False


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _filter_with_alarm(account: Account, pattern: str) -> bool:
    """Prowler's check_cloudwatch_log_metric_filter: a filter matching `pattern`, on a log group
    a trail delivers to, whose metric has an alarm."""
    delivered = {
        t["CloudWatchLogsLogGroupArn"].split(":log-group:")[1].split(":")[0]
        for t in account.trails
        if t.get("CloudWatchLogsLogGroupArn")
    }
    for f in account.filters:
        if f["logGroupName"] not in delivered or not re.search(pattern, f["filterPattern"]):
            continue
        metric = f["metricTransformations"][0]["metricName"]
        if any(a.get("MetricName") == metric for a in account.alarms):
            return True
    return False


def _management_events(account: Account) -> bool:
    for trail in account.logging():
        if not trail.get("IsMultiRegionTrail"):
            continue
        selectors = account.selectors[trail["TrailARN"]]
        for s in selectors.get("EventSelectors") or []:
            if s.get("IncludeManagementEvents") and s.get("ReadWriteType") == "All":
                return True
        for s in selectors.get("AdvancedEventSelectors") or []:
            fields = {f["Field"]: f for f in s.get("FieldSelectors", [])}
            if "Management" in fields.get("eventCategory", {}).get("Equals", []) and (
                "readOnly" not in fields
            ):
                return True
    return False


def _each_trail_bucket(account: Account, test: Callable[[str], bool]) -> bool:
    buckets = account.trail_buckets()
    return bool(buckets) and all(test(b) for b in buckets)


def _each_bucket(account: Account, test: Callable[[str], bool]) -> bool:
    """Prowler's s3 checks: every bucket of the account passes (and there is one)."""
    buckets = account.all_buckets()
    return bool(buckets) and all(test(b) for b in buckets)


def _not_public(account: Account, bucket: str) -> bool:
    pab = account.bucket(bucket, "get_public_access_block")
    if pab and all(pab["PublicAccessBlockConfiguration"].values()):
        return True
    policy = account.bucket(bucket, "get_bucket_policy")
    return not (policy and _public(json.loads(policy["Policy"])))


def _secure_transport(account: Account, bucket: str) -> bool:
    policy = account.bucket(bucket, "get_bucket_policy")
    if not policy:
        return False
    for s in json.loads(policy["Policy"])["Statement"]:
        condition = s.get("Condition", {}).get("Bool", {})
        denies_http = condition.get("aws:SecureTransport") in ("false", False)
        actions = _list(s.get("Action"))
        if s.get("Effect") == "Deny" and denies_http and ("s3:*" in actions or "*" in actions):
            return True
    return False


CHECKS: dict[str, Callable[[Account], bool]] = {
    "cloudtrail_multi_region_enabled": lambda a: any(
        t.get("IsMultiRegionTrail") for t in a.logging()
    ),
    "cloudtrail_multi_region_enabled_logging_management_events": _management_events,
    "cloudtrail_log_file_validation_enabled": lambda a: (
        bool(a.trails) and all(t.get("LogFileValidationEnabled") for t in a.trails)
    ),
    "cloudtrail_kms_encryption_enabled": lambda a: (
        bool(a.trails) and all(t.get("KmsKeyId") for t in a.trails)
    ),
    "cloudtrail_cloudwatch_logging_enabled": lambda a: (
        bool(a.trails) and all(t.get("CloudWatchLogsLogGroupArn") for t in a.trails)
    ),
    "cloudtrail_logs_s3_bucket_access_logging_enabled": lambda a: _each_trail_bucket(
        a, lambda b: bool((a.bucket(b, "get_bucket_logging") or {}).get("LoggingEnabled"))
    ),
    "cloudtrail_logs_s3_bucket_is_not_publicly_accessible": lambda a: _each_trail_bucket(
        a, lambda b: _not_public(a, b)
    ),
    "s3_bucket_default_encryption": lambda a: _each_bucket(
        a, lambda b: a.bucket(b, "get_bucket_encryption") is not None
    ),
    "s3_bucket_secure_transport_policy": lambda a: _each_bucket(
        a, lambda b: _secure_transport(a, b)
    ),
    "s3_bucket_object_versioning": lambda a: _each_bucket(
        a, lambda b: (a.bucket(b, "get_bucket_versioning") or {}).get("Status") == "Enabled"
    ),
    "s3_bucket_level_public_access_block": lambda a: _each_bucket(
        a,
        lambda b: all(
            (
                (a.bucket(b, "get_public_access_block") or {}).get("PublicAccessBlockConfiguration")
                or {"x": False}
            ).values()
        ),
    ),
    "kms_cmk_rotation_enabled": lambda a: bool(a.keys) and all(k["Rotation"] for k in a.keys),
    "kms_key_not_publicly_accessible": lambda a: (
        bool(a.keys) and not any(_public(k["Policy"]) for k in a.keys)
    ),
    "cloudwatch_log_group_kms_encryption_enabled": lambda a: (
        bool(a.groups) and all(g.get("kmsKeyId") for g in a.groups)
    ),
    "cloudwatch_log_group_retention_policy_specific_days_enabled": lambda a: (
        bool(a.groups) and all((g.get("retentionInDays") or 10**6) >= 365 for g in a.groups)
    ),
    "sns_topics_kms_encryption_at_rest_enabled": lambda a: (
        bool(a.topics) and all(t.get("KmsMasterKeyId") for t in a.topics)
    ),
    "sns_topics_not_publicly_accessible": lambda a: (
        bool(a.topics) and not any(_public(json.loads(t.get("Policy", "{}"))) for t in a.topics)
    ),
    "cloudwatch_log_metric_filter_sign_in_without_mfa": lambda a: _filter_with_alarm(
        a, SIGNIN_WITHOUT_MFA
    ),
    "cloudwatch_log_metric_filter_root_usage": lambda a: _filter_with_alarm(a, ROOT_USAGE),
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled": (
        lambda a: _filter_with_alarm(a, TRAIL_CHANGES)
    ),
    "cloudwatch_alarm_actions_enabled": lambda a: (
        bool(a.alarms)
        and all(al.get("ActionsEnabled") and al.get("AlarmActions") for al in a.alarms)
    ),
}


def run_checks(services: Any) -> dict[str, bool]:
    """Every check's verdict for the account behind `services`."""
    account = Account(services)
    return {name: check(account) for name, check in CHECKS.items()}
