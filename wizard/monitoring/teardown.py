"""Teardown: removes what the Monitor step created, keeping the evidence unless purge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.aws import Services
from wizard.errors import UsageError, WizardError, aws_errors, delete_if_present, error_code
from wizard.i18n import _
from wizard.journal import record
from wizard.monitoring.base import _try
from wizard.monitoring.config import teardown_config
from wizard.monitoring.groups import teardown_groups
from wizard.monitoring.names import names_for
from wizard.plan import revert


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
            say(_("deleted {what}").format(what=what))

    def reverted(op: dict[str, Any], what: str) -> None:
        # The same reverting ops as `undo` (wizard.plan): one meaning of "already gone".
        if revert(services, op) == "undone":
            say(_("deleted {what}").format(what=what))

    for name in (n.schedule_start, n.schedule_end):
        reverted({"op": "delete_schedule", "name": name}, f"schedule {name}")
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
    for alarm in mine:
        reverted({"op": "delete_alarm", "name": alarm}, f"alarm {alarm}")
    sns = services.client("sns")
    topic_tags = _try(
        lambda: sns.list_tags_for_resource(ResourceArn=n.topic_arn)["Tags"], "ListTagsForResource"
    )
    if topic_tags is not None and _tagged(topic_tags):
        reverted(
            {"op": "delete_topic", "arn": n.topic_arn}, f"topic {n.topic} and its subscriptions"
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
            # The tamper terms may be spread over tamper_filter, tamper_filter-2, ...
            parts = f"{name}-" if name == n.tamper_filter else None
            for found in sorted(
                f["filterName"]
                for f in filters
                if f["filterName"] == name or (parts and f["filterName"].startswith(parts))
            ):
                reverted(
                    {"op": "delete_metric_filter", "group": group, "name": found},
                    f"metric filter {found}",
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
        reverted({"op": "delete_trail", "name": n.trail}, f"trail {n.trail}")
    iam = services.iam
    for role in (n.scheduler_role, n.logs_role):
        info = _try(lambda role=role: iam.get_role(RoleName=role)["Role"], "GetRole")
        if info and _tagged(info.get("Tags")):
            reverted({"op": "delete_role", "name": role}, f"role {role}")
    teardown_groups(services, n, say)
    teardown_config(services, n, say)
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
            say(
                _(
                    "kept log group {log_group} (its events are evidence); --purge deletes it"
                ).format(log_group=n.log_group)
            )
    s3 = services.client("s3")

    def versions(bucket: str) -> list[dict[str, str]]:
        # Every page: a real trail bucket holds far more than the first 1 000 versions.
        pages = (
            _try(
                lambda: list(
                    s3.get_paginator("list_object_versions").paginate(
                        Bucket=bucket, ExpectedBucketOwner=account
                    )
                ),
                "ListObjectVersions",
            )
            or []
        )
        return [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for page in pages
            for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]

    def remove_bucket(bucket: str, what: str) -> bool:
        """Empty (with purge) and delete one of our buckets; True when it is kept."""
        tags = _try(
            lambda: s3.get_bucket_tagging(Bucket=bucket, ExpectedBucketOwner=account)["TagSet"],
            "GetBucketTagging",
        )
        if tags is None or not _tagged(tags):
            return False
        for attempt in (1, 2):
            items = versions(bucket)
            if items and not purge:
                say(
                    _(
                        "kept bucket {bucket}: it holds {count} {what}; pass --purge to delete them and "
                        "it"
                    ).format(bucket=bucket, count=len(items), what=what)
                )
                return True
            if bucket == n.bucket:
                # No more access logs about this bucket (its deletes would be logged, and the
                # access-log bucket would never be empty).
                with aws_errors("PutBucketLogging"):
                    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
            if items:
                with aws_errors("DeleteObjects"):
                    # The bucket is going: its policy (TLS only, one writer) goes first so
                    # nothing in it can block the deletes (an endpoint over plain HTTP would).
                    s3.delete_bucket_policy(Bucket=bucket)
                    for start in range(0, len(items), 1000):
                        answer = s3.delete_objects(
                            Bucket=bucket, Delete={"Objects": items[start : start + 1000]}
                        )
                        if answer.get("Errors"):
                            raise UsageError(
                                _(
                                    "{count} object(s) in {bucket} could not be deleted ({get})"
                                ).format(
                                    count=len(answer["Errors"]),
                                    bucket=bucket,
                                    get=answer["Errors"][0].get("Code"),
                                ),
                                _(
                                    "check the bucket's Object Lock / permissions, then run teardown --purge again"
                                ),
                            )
                say(_("deleted {count} {what}").format(count=len(items), what=what))
            try:
                reverted({"op": "delete_bucket", "bucket": bucket}, f"bucket {bucket}")
                return False
            except WizardError as exc:
                # A log delivered while we emptied it: list and empty it once more.
                if error_code(exc) != "BucketNotEmpty" or attempt == 2:
                    raise
        return False

    trail_bucket_kept = remove_bucket(n.bucket, "log object(s)")
    if (
        trail_bucket_kept
        and _try(lambda: s3.head_bucket(Bucket=n.access_logs_bucket), "HeadBucket") is not None
    ):
        say(
            _("kept bucket {access_logs_bucket}: the kept trail bucket still logs to it").format(
                access_logs_bucket=n.access_logs_bucket
            )
        )
    else:
        remove_bucket(n.access_logs_bucket, "access-log object(s)")
    kms = services.client("kms")
    key = _try(lambda: kms.describe_key(KeyId=n.key_alias)["KeyMetadata"], "DescribeKey")
    if key and key.get("KeyState") == "Enabled" and not purge:
        # Deleting the key would make every log it encrypted unreadable for good.
        say(
            _("kept KMS key {key_alias}: it protects the logs kept; --purge removes both").format(
                key_alias=n.key_alias
            )
        )
    elif key and key.get("KeyState") == "Enabled":
        with aws_errors("ScheduleKeyDeletion"):
            kms.delete_alias(AliasName=n.key_alias)
            kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        say(
            _(
                "scheduled deletion of KMS key {key} in 7 days (AWS's minimum; cancel with kms "
                "cancel-key-deletion)"
            ).format(key=key["KeyId"])
        )
    for orphan in orphaned_keys(kms):
        # Made by an apply stopped between CreateKey and CreateAlias (or one that lost the race
        # for the alias): nothing was ever encrypted with it. Scheduled, so cancellable 7 days.
        with aws_errors("ScheduleKeyDeletion"):
            kms.schedule_key_deletion(KeyId=orphan, PendingWindowInDays=7)
        say(
            _(
                "scheduled deletion of KMS key {orphan} in 7 days: made by mfa-wizard (tagged), "
                "no alias, so an interrupted apply's; cancel with kms cancel-key-deletion"
            ).format(orphan=orphan)
        )
    if done:
        record(services, "monitor", "teardown", n.trail, detail="; ".join(done))
    return done


def orphaned_keys(kms: Any) -> list[str]:
    """Key ids tagged by the wizard, enabled, with no alias at all.

    Found by tag, not by alias: ListAliases first (every AWS managed key and every key in use
    has one), then ListResourceTags and DescribeKey only for the keys without an alias. A key
    whose policy keeps us out is not ours to judge and is skipped. A disabled key is never taken:
    the plan's own advice for a disabled key is to delete its alias, and that key may still
    protect the logs kept.
    """
    from wizard.aws import paginate
    from wizard.errors import is_denied

    aliased = {a.get("TargetKeyId") for a in paginate(kms, "list_aliases", "Aliases")}
    keys = paginate(kms, "list_keys", "Keys")
    found = []
    for key_id in (k["KeyId"] for k in keys if k["KeyId"] not in aliased):
        try:
            tags = _try(
                lambda k=key_id: kms.list_resource_tags(KeyId=k)["Tags"], "ListResourceTags"
            )
            if not _tagged(tags):
                continue
            meta = _try(lambda k=key_id: kms.describe_key(KeyId=k)["KeyMetadata"], "DescribeKey")
        except WizardError as exc:
            if is_denied(exc):
                continue  # another team's key, closed to us: not ours
            raise
        if meta and meta.get("KeyState") == "Enabled":
            found.append(key_id)
    return found
