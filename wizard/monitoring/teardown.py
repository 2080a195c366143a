"""Teardown: removes what the Monitor step created, keeping the evidence unless purge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.aws import Services
from wizard.errors import UsageError, aws_errors, delete_if_present
from wizard.journal import record
from wizard.monitoring.base import _try
from wizard.monitoring.names import names_for


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
            AlarmNames=[
                n.signin_alarm,
                n.trail_changes_alarm,
                n.root_usage_alarm,
                n.tamper_alarm,
                n.schedule_failed_alarm,
            ]
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
        for name in (n.signin_filter, n.trail_changes_filter, n.root_usage_filter, n.tamper_filter):
            filters = (
                _try(
                    lambda group=group, name=name: [
                        f
                        for page in logs.get_paginator("describe_metric_filters").paginate(
                            logGroupName=group, filterNamePrefix=name
                        )
                        for f in page["metricFilters"]
                    ],
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
