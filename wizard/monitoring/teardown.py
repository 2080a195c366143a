"""Teardown: removes what the Monitor step created, keeping the evidence unless purge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.aws import Services
from wizard.errors import UsageError, WizardError, aws_errors, delete_if_present, error_code
from wizard.i18n import N_, _
from wizard.journal import record
from wizard.monitoring.base import _try
from wizard.monitoring.config import teardown_config
from wizard.monitoring.groups import teardown_groups
from wizard.monitoring.names import names_for
from wizard.plan import UNDONE, revert


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
) -> list[Said]:
    """Remove everything the wizard created (found by name and tag), newest first.

    The trail bucket is deleted only when empty, or with purge=True (its logs are evidence).
    """
    account = services.identity().account_id
    n = names_for(account, services.region)
    done: list[Said] = []
    journal_lines: list[str] = []  # the same lines in English: the journal is for machines

    def say(template: str, **values: Any) -> None:
        """One line of what was done; `template` is English, marked with N_()."""
        journal_lines.append(template.format(**values))
        done.append(Said(_(template).format(**values), template))
        if on_progress:
            on_progress(done[-1])

    def gone(call: Callable[[], Any], template: str, op: str, **values: Any) -> None:
        if delete_if_present(op, call):
            say(template, **values)

    def reverted(op: dict[str, Any], template: str, **values: Any) -> None:
        # The same reverting ops as `undo` (wizard.plan): one meaning of "already gone".
        if revert(services, op) == UNDONE:
            say(template, **values)

    for name in (n.schedule_start, n.schedule_end):
        reverted({"op": "delete_schedule", "name": name}, N_("deleted schedule {name}"), name=name)
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
        reverted({"op": "delete_alarm", "name": alarm}, N_("deleted alarm {name}"), name=alarm)
    sns = services.client("sns")
    topic_tags = _try(
        lambda: sns.list_tags_for_resource(ResourceArn=n.topic_arn)["Tags"], "ListTagsForResource"
    )
    if topic_tags is not None and _tagged(topic_tags):
        reverted(
            {"op": "delete_topic", "arn": n.topic_arn},
            N_("deleted topic {name} and its subscriptions"),
            name=n.topic,
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
                    N_("deleted metric filter {name}"),
                    name=found,
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
        reverted({"op": "delete_trail", "name": n.trail}, N_("deleted trail {name}"), name=n.trail)
    iam = services.iam
    for role in (n.scheduler_role, n.logs_role):
        info = _try(lambda role=role: iam.get_role(RoleName=role)["Role"], "GetRole")
        if info and _tagged(info.get("Tags")):
            reverted({"op": "delete_role", "name": role}, N_("deleted role {name}"), name=role)
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
                N_("deleted log group {name}"),
                "DeleteLogGroup",
                name=n.log_group,
            )
        elif _tagged(tags):
            # The sign-in events in it are evidence: only --purge deletes them.
            say(
                N_("kept log group {name} (its events are evidence); --purge deletes it"),
                name=n.log_group,
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

    def remove_bucket(bucket: str, logs_kind: str) -> bool:
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
                    N_(
                        "kept bucket {bucket}: it holds {count} {what}; pass --purge to delete them and it"
                    ),
                    bucket=bucket,
                    count=len(items),
                    what=_(logs_kind),
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
                say(N_("deleted {count} {what}"), count=len(items), what=_(logs_kind))
            try:
                reverted(
                    {"op": "delete_bucket", "bucket": bucket},
                    N_("deleted bucket {bucket}"),
                    bucket=bucket,
                )
                return False
            except WizardError as exc:
                # A log delivered while we emptied it: list and empty it once more.
                if error_code(exc) != "BucketNotEmpty" or attempt == 2:
                    raise
        return False

    trail_bucket_kept = remove_bucket(n.bucket, N_("log object(s)"))
    if (
        trail_bucket_kept
        and _try(lambda: s3.head_bucket(Bucket=n.access_logs_bucket), "HeadBucket") is not None
    ):
        say(
            N_("kept bucket {bucket}: the kept trail bucket still logs to it"),
            bucket=n.access_logs_bucket,
        )
    else:
        remove_bucket(n.access_logs_bucket, N_("access-log object(s)"))
    kms = services.client("kms")
    key = _try(lambda: kms.describe_key(KeyId=n.key_alias)["KeyMetadata"], "DescribeKey")
    if key and key.get("KeyState") == "Enabled" and not purge:
        # Deleting the key would make every log it encrypted unreadable for good.
        say(
            N_("kept KMS key {key}: it protects the logs kept; --purge removes both"),
            key=n.key_alias,
        )
    elif key and key.get("KeyState") == "Enabled":
        with aws_errors("ScheduleKeyDeletion"):
            kms.delete_alias(AliasName=n.key_alias)
            kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        say(
            N_(
                "scheduled deletion of KMS key {key} in 7 days (AWS's minimum; cancel with kms "
                "cancel-key-deletion)"
            ),
            key=key["KeyId"],
        )
    for orphan in orphaned_keys(kms):
        # Made by an apply stopped between CreateKey and CreateAlias (or one that lost the race
        # for the alias): nothing was ever encrypted with it. Scheduled, so cancellable 7 days.
        with aws_errors("ScheduleKeyDeletion"):
            kms.schedule_key_deletion(KeyId=orphan, PendingWindowInDays=7)
        say(
            N_(
                "scheduled deletion of KMS key {key} in 7 days: made by mfa-wizard (tagged), "
                "no alias, so an interrupted apply's; cancel with kms cancel-key-deletion"
            ),
            key=orphan,
        )
    if done:
        record(services, "monitor", "teardown", n.trail, detail="; ".join(journal_lines))
    return done


class Said(str):
    """A line teardown said, in the language in use; `kind` tells deleted, kept and other apart
    without reading the words (taken from the English template)."""

    kind: str

    def __new__(cls, text: str, template: str) -> Said:
        said = super().__new__(cls, text)
        said.kind = (
            "deleted"
            if template.startswith(("deleted", "scheduled"))
            else "kept"
            if template.startswith("kept")
            else "other"
        )
        return said


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
