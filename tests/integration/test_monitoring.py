"""The Monitor step against a moto server: every resource and property, idempotence, teardown."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import mfa_wizard, start_process
from tests.support.realism import AWS_LIKE
from wizard import monitoring
from wizard.errors import UsageError
from wizard.monitoring import MonitorOptions, apply_monitoring, names_for, plan_monitoring, teardown

pytestmark = AWS_LIKE

OPTS = MonitorOptions(
    email="security@example.com",
    timezone="Asia/Tokyo",
    quiet_hours="18:00-09:00",
    quiet_alarm="mfa-wizard-cloudtrail-changes",
)


@pytest.fixture
def applied(services, realism):
    _, plan = plan_monitoring(services, OPTS)
    assert all(c.status in {"create", "info"} for c in plan.changes)
    said: list[str] = []
    apply_monitoring(plan, lambda i, n, text: said.append(text))
    # The first run met AWS's propagation delays (the realism layer refused the encrypted log
    # group while the new key policy propagated), waited, said so, and succeeded. (By then the
    # bucket policy has propagated too: the --minimal run meets that one, in test_cis.py.)
    assert realism.refused.get("AccessDeniedException", 0) >= 1
    assert "waiting for CloudWatch Logs to see the new KMS key policy" in " ".join(said)
    return services, names_for("123456789012", "us-east-1")


def test_bucket(applied):
    services, n = applied
    s3 = services.client("s3")
    assert s3.get_public_access_block(Bucket=n.bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    enc = s3.get_bucket_encryption(Bucket=n.bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    # CIS-complete by default: the trail bucket is SSE-KMS with the wizard's key and a bucket key.
    assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key = services.client("kms").describe_key(KeyId=n.key_alias)["KeyMetadata"]
    # The key's own ARN (S3 wants it where AWS services write), not the alias the plan had.
    assert enc["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key["Arn"]
    assert enc["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=n.bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_lifecycle_configuration(Bucket=n.bucket)["Rules"][0]
    assert (
        rule["Transitions"][0] == {"Days": 90, "StorageClass": "GLACIER"}
        and rule["Expiration"]["Days"] == 2557
    )
    policy = json.loads(s3.get_bucket_policy(Bucket=n.bucket)["Policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/mfa-wizard-trail"
    assert by_sid["AWSCloudTrailAclCheck"]["Action"] == "s3:GetBucketAcl"
    assert by_sid["AWSCloudTrailAclCheck"]["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail_arn}
    }
    write = by_sid["AWSCloudTrailWrite"]
    assert write["Action"] == "s3:PutObject" and write["Principal"] == {
        "Service": "cloudtrail.amazonaws.com"
    }
    assert write["Condition"]["StringEquals"] == {
        "s3:x-amz-acl": "bucket-owner-full-control",
        "aws:SourceArn": trail_arn,
    }
    assert by_sid["DenyInsecureTransport"]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_log_group_role_and_trail(applied):
    services, n = applied
    group = services.client("logs").describe_log_groups(logGroupNamePrefix=n.log_group)[
        "logGroups"
    ][0]
    assert group["retentionInDays"] == 365
    role = services.iam.get_role(RoleName=n.logs_role)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "cloudtrail.amazonaws.com"
    }
    inline = services.iam.get_role_policy(RoleName=n.logs_role, PolicyName=n.logs_role)[
        "PolicyDocument"
    ]
    assert set(inline["Statement"][0]["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert inline["Statement"][0]["Resource"].endswith(f"log-group:{n.log_group}:log-stream:*")
    ct = services.client("cloudtrail")
    trail = ct.describe_trails(trailNameList=[n.trail])["trailList"][0]
    assert (
        trail["IsMultiRegionTrail"]
        and trail["IncludeGlobalServiceEvents"]
        and trail["LogFileValidationEnabled"]
    )
    assert trail["CloudWatchLogsLogGroupArn"] == n.log_group_arn
    assert ct.get_trail_status(Name=n.trail)["IsLogging"]


def test_filter_topic_subscription_alarm(applied):
    services, n = applied
    filters = services.client("logs").describe_metric_filters(logGroupName=n.log_group)[
        "metricFilters"
    ]
    signin = [f for f in filters if f["filterName"] == n.signin_filter]
    assert len(signin) == 1 and signin[0]["filterPattern"] == monitoring.SIGNIN_PATTERN
    assert signin[0]["metricTransformations"][0]["metricValue"] == "1"
    sns = services.client("sns")
    policy = json.loads(sns.get_topic_attributes(TopicArn=n.topic_arn)["Attributes"]["Policy"])
    publish = next(s for s in policy["Statement"] if s["Action"] == "SNS:Publish")
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    subs = sns.list_subscriptions_by_topic(TopicArn=n.topic_arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", "security@example.com")]
    alarm = services.client("cloudwatch").describe_alarms(AlarmNames=[n.signin_alarm])[
        "MetricAlarms"
    ][0]
    assert (
        alarm["Statistic"],
        alarm["Period"],
        alarm["EvaluationPeriods"],
        alarm["Threshold"],
    ) == ("Sum", 300, 1, 1.0)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching" and alarm["AlarmActions"] == [n.topic_arn]
    assert alarm["Period"] >= 60


def test_schedules_and_their_role(applied):
    services, n = applied
    scheduler = services.client("scheduler")
    start = scheduler.get_schedule(Name=n.schedule_start)
    end = scheduler.get_schedule(Name=n.schedule_end)
    assert start["ScheduleExpression"] == "cron(0 18 ? * MON-FRI *)"
    # Overnight: Monday-Friday evenings end Tuesday-Saturday mornings (not Friday -> Monday).
    assert end["ScheduleExpression"] == "cron(0 9 ? * TUE-SAT *)"
    assert start["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    assert start["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:cloudwatch:disableAlarmActions"
    assert end["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:cloudwatch:enableAlarmActions"
    assert json.loads(start["Target"]["Input"]) == {"AlarmNames": ["mfa-wizard-cloudtrail-changes"]}
    role = services.iam.get_role(RoleName=n.scheduler_role)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "scheduler.amazonaws.com"
    }
    inline = services.iam.get_role_policy(RoleName=n.scheduler_role, PolicyName=n.scheduler_role)[
        "PolicyDocument"
    ]
    assert set(inline["Statement"][0]["Action"]) == {
        "cloudwatch:DisableAlarmActions",
        "cloudwatch:EnableAlarmActions",
    }
    assert inline["Statement"][0]["Resource"] == [n.alarm_arn("mfa-wizard-cloudtrail-changes")]


def test_second_apply_changes_nothing_and_no_duplicate_filter(applied):
    services, n = applied
    _, again = plan_monitoring(services, OPTS)
    assert again.nothing_to_do
    assert apply_monitoring(again) == []
    filters = services.client("logs").describe_metric_filters(logGroupName=n.log_group)[
        "metricFilters"
    ]
    assert len([f for f in filters if f["filterName"] == n.signin_filter]) == 1


def test_changes_behind_the_wizards_back_are_each_an_update_and_apply_puts_them_back(applied):
    services, n = applied
    cw, s3, ct = (services.client(x) for x in ("cloudwatch", "s3", "cloudtrail"))
    # Four changes nobody told the wizard about.
    cw.disable_alarm_actions(AlarmNames=[n.signin_alarm, n.trail_changes_alarm])
    s3.put_bucket_versioning(
        Bucket=n.access_logs_bucket, VersioningConfiguration={"Status": "Suspended"}
    )
    s3.delete_public_access_block(Bucket=n.bucket)
    ct.stop_logging(Name=n.trail)
    _, plan = plan_monitoring(services, OPTS)
    updates = {c.name: c for c in plan.changes if c.changes}
    assert set(updates) == {n.signin_alarm, n.access_logs_bucket, n.bucket, n.trail}
    assert updates[n.signin_alarm].cli == (
        f"aws cloudwatch enable-alarm-actions --alarm-names {n.signin_alarm}"
    )
    assert "actions are disabled" in updates[n.signin_alarm].detail
    assert updates[n.access_logs_bucket].cli == (
        f"aws s3api put-bucket-versioning --bucket {n.access_logs_bucket} "
        "--versioning-configuration Status=Enabled"
    )
    assert updates[n.bucket].cli.startswith(
        f"aws s3api put-public-access-block --bucket {n.bucket}"
    )
    assert "logging stopped" in updates[n.trail].detail
    # The trail-changes alarm is the quiet-hours schedule's to silence: said, not "repaired".
    assert any(f"The actions of {n.trail_changes_alarm} are off now" in x for x in plan.notes)
    apply_monitoring(plan)
    alarms = {
        a["AlarmName"]: a["ActionsEnabled"]
        for a in cw.describe_alarms(AlarmNames=[n.signin_alarm, n.trail_changes_alarm])[
            "MetricAlarms"
        ]
    }
    assert alarms == {n.signin_alarm: True, n.trail_changes_alarm: False}
    assert s3.get_bucket_versioning(Bucket=n.access_logs_bucket)["Status"] == "Enabled"
    assert all(
        s3.get_public_access_block(Bucket=n.bucket)["PublicAccessBlockConfiguration"].values()
    )
    assert ct.get_trail_status(Name=n.trail)["IsLogging"]
    _, again = plan_monitoring(services, OPTS)
    assert again.nothing_to_do


def test_the_access_log_bucket_is_versioned_from_the_first_apply(applied):
    services, n = applied
    s3 = services.client("s3")
    assert s3.get_bucket_versioning(Bucket=n.access_logs_bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_lifecycle_configuration(Bucket=n.access_logs_bucket)["Rules"][0]
    # Versioned, an expired log becomes a noncurrent version: those are removed as well.
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}


def test_changed_option_is_an_update_and_replaces_the_filter(applied):
    services, n = applied
    narrowed = MonitorOptions(**{**OPTS.__dict__, "iam_users_only": True, "retention_days": 400})
    _, plan = plan_monitoring(services, narrowed)
    updates = {(c.kind, c.status) for c in plan.changes if c.changes}
    assert updates == {("metric filter", "update"), ("log group", "update")}
    apply_monitoring(plan)
    filters = services.client("logs").describe_metric_filters(logGroupName=n.log_group)[
        "metricFilters"
    ]
    signin = [f for f in filters if f["filterName"] == n.signin_filter]
    assert len(signin) == 1 and signin[0]["filterPattern"] == monitoring.SIGNIN_PATTERN_IAM_USERS


def test_test_notification_sets_the_alarm(applied):
    services, n = applied
    assert monitoring.send_test_notification(services)[0] == n.signin_alarm
    alarm = services.client("cloudwatch").describe_alarms(AlarmNames=[n.signin_alarm])[
        "MetricAlarms"
    ][0]
    assert alarm["StateValue"] == "ALARM"


def test_teardown_leaves_nothing_tagged(applied):
    services, n = applied
    s3 = services.client("s3")
    # The bucket policy denies plain HTTP (moto enforces that one), so CloudTrail's delivery is
    # simulated in the in-process backend.
    from moto.s3.models import s3_backends

    s3_backends["123456789012"]["aws"].put_object(
        n.bucket, "AWSLogs/123456789012/x.json.gz", b"log"
    )
    # Past one page of versions: --purge must empty all of them, not the first 1 000.
    for i in range(1005):
        s3_backends["123456789012"]["aws"].put_object(n.bucket, f"AWSLogs/p/{i}.gz", b"l")
    done = teardown(services)
    assert any("kept bucket" in line for line in done)  # logs are evidence: not without --purge
    assert s3.head_bucket(Bucket=n.bucket)
    # The log group (its events are evidence) stays too without --purge.
    assert any("kept log group" in line for line in done)
    assert services.client("logs").describe_log_groups(logGroupNamePrefix=n.log_group)["logGroups"]
    done = teardown(services, purge=True)
    assert any("deleted 1006 log object(s)" in line for line in done)
    assert any(line.startswith("deleted bucket") for line in done)
    assert services.client("cloudtrail").describe_trails(trailNameList=[n.trail])["trailList"] == []
    assert (
        services.client("cloudwatch").describe_alarms(AlarmNamePrefix="mfa-wizard")["MetricAlarms"]
        == []
    )
    assert (
        services.client("logs").describe_log_groups(logGroupNamePrefix="/mfa-wizard")["logGroups"]
        == []
    )
    assert "mfa-wizard" not in " ".join(r["RoleName"] for r in services.iam.list_roles()["Roles"])
    assert services.client("scheduler").list_schedules()["Schedules"] == []
    assert all(
        "mfa-wizard" not in t["TopicArn"] for t in services.client("sns").list_topics()["Topics"]
    )
    assert teardown(services) == []


def test_teardown_spares_what_is_not_ours(services):
    iam = services.iam
    iam.create_role(
        RoleName="mfa-wizard-scheduler",
        AssumeRolePolicyDocument=json.dumps(
            monitoring.scheduler_trust(names_for("123456789012", "us-east-1"))
        ),
    )
    teardown(services)
    assert iam.get_role(RoleName="mfa-wizard-scheduler")  # untagged: somebody else's


def org_trail(services, *, logging=True, selectors=None, region="us-east-1"):
    """Someone else's multi-region trail delivering to a log group (as an org would have)."""
    logs = services.client("logs")
    logs.create_log_group(logGroupName="org-trail-logs")
    services.client("s3").create_bucket(Bucket="org-trail-bucket")
    ct = services.client("cloudtrail")
    ct.create_trail(
        Name="org-trail",
        S3BucketName="org-trail-bucket",
        IsMultiRegionTrail=True,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{region}:123456789012:log-group:org-trail-logs:*",
        CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/x",
    )
    if logging:
        ct.start_logging(Name="org-trail")
    if selectors:
        ct.put_event_selectors(TrailName="org-trail", EventSelectors=selectors)
    return logs


def test_existing_trail_is_reused(services):
    logs = org_trail(services)
    _, plan = plan_monitoring(services, MonitorOptions())
    assert plan.reused_trail == "org-trail"
    kinds = [c.kind for c in plan.changes if c.changes]
    assert "cloudtrail" not in kinds and "s3 bucket" not in kinds
    apply_monitoring(plan)
    filters = logs.describe_metric_filters(logGroupName="org-trail-logs")["metricFilters"]
    assert {f["filterName"] for f in filters} >= {"mfa-wizard-console-signin-without-mfa"}
    # The topic is encrypted with a key that exists: the key is made even with a reused trail.
    topic = services.client("sns").get_topic_attributes(
        TopicArn=names_for("123456789012", "us-east-1").topic_arn
    )["Attributes"]
    kms = services.client("kms")
    assert kms.describe_key(KeyId=topic["KmsMasterKeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


def test_a_key_pending_deletion_behind_the_alias_stops_the_plan(services):
    # Else every apply would create a key that cannot take the alias, and leak it.
    kms = services.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/mfa-wizard-trail", TargetKeyId=key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(UsageError, match="PendingDeletion") as raised:
        plan_monitoring(services, MonitorOptions())
    assert "cancel-key-deletion" in raised.value.fix
    assert len(kms.list_keys()["Keys"]) == 1


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"logging": False}, "it is not logging"),
        (
            {"selectors": [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]},
            "leave out management write events",
        ),
        (
            {"selectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False}]},
            "leave out management write events",
        ),
        ({"region": "eu-west-1"}, "its log group is in another account or region"),
    ],
)
def test_a_trail_that_would_miss_sign_ins_is_not_reused_and_the_plan_says_why(
    services, setup, reason
):
    org_trail(services, **setup)
    _, plan = plan_monitoring(services, MonitorOptions())
    assert plan.reused_trail is None
    assert any(c.kind == "cloudtrail" and c.status == "create" for c in plan.changes)
    assert any(
        note.startswith("The trail org-trail is not reused:") and reason in note
        for note in plan.notes
    )


@pytest.mark.parametrize("reuse_trail", [True, False])  # --new-trail must not bypass it
def test_a_second_region_gets_no_second_multi_region_trail(demo, reuse_trail):
    services = demo.services()
    apply_monitoring(plan_monitoring(services, MonitorOptions())[1])
    with pytest.raises(UsageError) as info:
        plan_monitoring(demo.services(region="eu-west-1"), MonitorOptions(reuse_trail=reuse_trail))
    assert "home region us-east-1" in info.value.cause and "--region us-east-1" in info.value.fix
    trails = services.client("cloudtrail").describe_trails(includeShadowTrails=False)["trailList"]
    assert [t["Name"] for t in trails] == ["mfa-wizard-trail"]


def test_kms_option(services, realism):
    _, plan = plan_monitoring(services, MonitorOptions(kms=True))
    assert plan.changes[0].kind == "kms key"
    apply_monitoring(plan)
    assert realism.refused.get("AccessDeniedException", 0) >= 1
    n = names_for("123456789012", "us-east-1")
    enc = services.client("s3").get_bucket_encryption(Bucket=n.bucket)[
        "ServerSideEncryptionConfiguration"
    ]["Rules"][0]
    assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key = services.client("kms").describe_key(KeyId=n.key_alias)["KeyMetadata"]
    policy = json.loads(
        services.client("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
    )
    assert any(
        s["Principal"] == {"Service": "cloudtrail.amazonaws.com"} for s in policy["Statement"]
    )
    # Without --purge the key stays: deleting it would make the logs it encrypted unreadable.
    done = teardown(services)
    assert any("kept KMS key" in line for line in done)
    state = services.client("kms").describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
    assert state == "Enabled"
    teardown(services, purge=True)
    assert (
        services.client("kms").describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
        == "PendingDeletion"
    )


def test_region_correct_bucket_creation(demo):
    services = demo.services(region="ap-northeast-1")
    _, plan = plan_monitoring(services, MonitorOptions(trail_changes_alarm=False))
    apply_monitoring(plan)
    n = names_for("123456789012", "ap-northeast-1")
    assert (
        services.client("s3").get_bucket_location(Bucket=n.bucket)["LocationConstraint"]
        == "ap-northeast-1"
    )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"email": "not-an-email"}, "not an email address"),
        ({"timezone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"timezone": "JST"}, "not an IANA time zone"),
        ({"quiet_hours": "18-9", "quiet_alarm": "x"}, "not a time range"),
        ({"quiet_hours": "25:00-09:00", "quiet_alarm": "x"}, "not a time range"),
        ({"quiet_hours": "09:00-09:00", "quiet_alarm": "x"}, "same time"),
        ({"quiet_hours": "18:00-09:00"}, "need --quiet-alarm"),
        (
            {"quiet_hours": "18:00-09:00", "quiet_alarm": "mfa-wizard-console-signin-without-mfa"},
            "never notified later",
        ),
        ({"quiet_hours": "18:00-09:00", "quiet_alarm": "*"}, "no wildcards"),
        ({"quiet_hours": "18:00-09:00", "quiet_alarm": "mfa-wizard-*"}, "no wildcards"),
        ({"retention_days": 42}, "not a CloudWatch Logs retention"),
        ({"glacier_days": 400, "expire_days": 300}, "Glacier before"),
    ],
)
def test_bad_options_are_refused_before_any_call(options, words):
    with pytest.raises(UsageError, match=words):
        monitoring.validate(MonitorOptions(**options))


def test_no_mfa_alarm_on_schedule_only_when_insisted():
    options = MonitorOptions(
        quiet_hours="18:00-09:00",
        quiet_alarm="mfa-wizard-console-signin-without-mfa",
        insist_quiet_signin_alarm=True,
    )
    assert monitoring.validate(options).insist_quiet_signin_alarm


def test_cis_extras_follow_minimal_unless_said():
    assert monitoring.validate(MonitorOptions()).kms is True
    assert monitoring.validate(MonitorOptions()).access_logging is True
    assert monitoring.validate(MonitorOptions(minimal=True)).kms is False
    assert monitoring.validate(MonitorOptions(minimal=True)).access_logging is False
    assert monitoring.validate(MonitorOptions(minimal=True, kms=True)).kms is True
    assert monitoring.validate(MonitorOptions(kms=False)).kms is False


def test_cli_plan_apply_plan_teardown(services, demo_env, tmp_path):
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "j.jsonl")}
    plan = mfa_wizard("monitor", "plan", "--email", "a@example.com", "--format", "json", env=env)
    assert plan.returncode == 0, plan.stderr
    doc = json.loads(plan.stdout)
    assert {c["kind"] for c in doc["changes"] if c["status"] == "create"} >= {
        "s3 bucket",
        "cloudtrail",
        "alarm",
        "metric filter",
    }
    assert all(c["cli"].startswith("aws ") for c in doc["changes"] if c["status"] == "create")
    applied = mfa_wizard("monitor", "apply", "--email", "a@example.com", "--yes", env=env)
    assert applied.returncode == 0, applied.stderr
    assert "[1/" in applied.stderr and "arn:aws:cloudtrail:" in applied.stdout
    again = mfa_wizard("monitor", "apply", "--email", "a@example.com", "--yes", env=env)
    assert "Nothing to do" in again.stdout
    bad = mfa_wizard("monitor", "plan", "--timezone", "Tokyo", env=env)
    assert bad.returncode == 2 and "IANA" in bad.stderr and "Traceback" not in bad.stderr
    down = mfa_wizard("monitor", "teardown", "--yes", env=env)
    assert down.returncode == 0 and "deleted trail mfa-wizard-trail" in down.stdout
    # The access-log bucket holds the trail bucket's access logs (moto writes them too): that is
    # evidence, kept without --purge, as is the KMS key (it protects the logs kept).
    n = names_for("123456789012", "us-east-1")
    assert f"kept bucket {n.access_logs_bucket}: it holds" in down.stdout
    assert f"kept KMS key {n.key_alias}" in down.stdout
    purged = mfa_wizard("monitor", "teardown", "--purge", "--yes", env=env)
    assert f"deleted bucket {n.access_logs_bucket}" in purged.stdout
    assert "scheduled deletion of KMS key" in purged.stdout


def test_quiet_hours_same_day_range_stays_on_weekdays():
    start, end = monitoring.quiet_schedules(
        MonitorOptions(quiet_hours="12:00-13:30", quiet_alarm="x")
    )
    assert start == "cron(0 12 ? * MON-FRI *)" and end == "cron(30 13 ? * MON-FRI *)"


def test_dst_gap_is_found():
    # 02:30 does not exist in New York on the spring-forward Sunday (second Sunday of March).
    gaps = monitoring.dst_gaps("America/New_York", (2, 30))
    assert len(gaps) == 1 and gaps[0][5:7] == "03"
    assert monitoring.dst_gaps("Asia/Tokyo", (2, 30)) == []
    # Only the days the end schedule runs: New York changes on a Sunday (never a run day);
    # Jerusalem changes on a Friday, a TUE-SAT run day.
    assert monitoring.dst_gaps("America/New_York", (2, 30), range(1, 6)) == []
    assert monitoring.dst_gaps("Asia/Jerusalem", (2, 30), range(1, 6))


def test_quiet_alarm_must_exist_and_failures_page(services):
    with pytest.raises(UsageError, match="no alarm named 'nosuch'"):
        plan_monitoring(services, MonitorOptions(quiet_hours="18:00-09:00", quiet_alarm="nosuch"))
    _, plan = plan_monitoring(
        services,
        MonitorOptions(quiet_hours="18:00-09:00", quiet_alarm="mfa-wizard-cloudtrail-changes"),
    )
    failed = [c for c in plan.changes if c.name == "mfa-wizard-quiet-hours-schedule-failed"]
    assert failed and failed[0].status == "create"
    apply_monitoring(plan)
    alarm = services.client("cloudwatch").describe_alarms(
        AlarmNames=["mfa-wizard-quiet-hours-schedule-failed"]
    )["MetricAlarms"][0]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Scheduler", "TargetErrorCount")


def test_every_bucket_call_names_the_expected_owner(services):
    # A bucket name someone else owns is refused by S3 instead of being written to.
    from botocore.stub import Stubber

    s3 = services.client("s3")
    with Stubber(s3) as stub:
        stub.add_response(
            "get_bucket_versioning",
            {},
            {"Bucket": "b", "ExpectedBucketOwner": "123456789012"},
        )
        s3.get_bucket_versioning(Bucket="b")
        stub.assert_no_pending_responses()


def test_a_key_with_an_old_policy_gets_the_documented_one(services):
    # A key made by an earlier version (DescribeKey inside the encryption-context statement):
    # on AWS, CreateTrail fails with it. The plan replaces the policy, once.
    from wizard.monitoring.documents import kms_key_policy

    kms = services.client("kms")
    n = names_for("123456789012", "us-east-1")
    old = kms_key_policy(n)
    old["Statement"] = [s for s in old["Statement"] if s["Sid"] != "AllowCloudTrailToDescribeKey"]
    # A statement someone else added: CloudTrail's documentation says never to change those.
    theirs = {
        "Sid": "SecurityTeamReads",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/security"},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    old["Statement"].append(theirs)
    key = kms.create_key(Policy=json.dumps(old))["KeyMetadata"]
    kms.create_alias(AliasName=n.key_alias, TargetKeyId=key["KeyId"])
    _, plan = plan_monitoring(services, MonitorOptions(kms=True))
    assert (plan.changes[0].kind, plan.changes[0].status) == ("kms key", "update")
    apply_monitoring(plan)
    now = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert now["Statement"] == kms_key_policy(n)["Statement"] + [theirs]
    _, again = plan_monitoring(services, MonitorOptions(kms=True))
    assert again.nothing_to_do
    # And it can be undone: the journal kept the previous policy.
    from wizard.journal import read
    from wizard.undo import undo_entries, undoable

    entries = [
        e for e in undoable(read(), services, step="monitor") if e.action == "update_key_policy"
    ]
    assert [outcome for _, outcome in undo_entries(services, entries)] == ["undone"]
    back = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert back == old


def test_an_existing_role_with_the_wrong_trust_is_repaired(services):
    services.iam.create_role(
        RoleName="mfa-wizard-cloudtrail-to-logs",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    _, plan = plan_monitoring(services, MonitorOptions())
    role = next(c for c in plan.changes if c.name == "mfa-wizard-cloudtrail-to-logs")
    assert role.status == "update" and "who may assume it" in role.detail
    apply_monitoring(plan)
    trust = services.iam.get_role(RoleName="mfa-wizard-cloudtrail-to-logs")["Role"][
        "AssumeRolePolicyDocument"
    ]
    assert trust["Statement"][0]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}


def test_an_unencrypted_log_group_gets_the_key_by_arn(services, monkeypatch):
    # A log group made by --minimal (or an older version) is encrypted on the next CIS apply.
    # moto has no AssociateKmsKey: the call is caught on the client, the rest is moto.
    apply_monitoring(plan_monitoring(services, MonitorOptions(minimal=True))[1])
    _, plan = plan_monitoring(services, MonitorOptions())
    group = next(c for c in plan.changes if c.kind == "log group")
    assert group.status == "update" and "encrypt with the KMS key" in group.detail
    calls: list[dict] = []
    logs = services.client("logs")
    monkeypatch.setattr(logs, "associate_kms_key", lambda **kw: calls.append(kw), raising=False)
    apply_monitoring(plan)
    key = services.client("kms").describe_key(KeyId="alias/mfa-wizard-trail")["KeyMetadata"]
    # CloudWatch Logs takes the key's ARN, never the alias the trail and the topic are given.
    assert calls == [{"logGroupName": "/mfa-wizard/cloudtrail", "kmsKeyId": key["Arn"]}]


def _wizard_keys(services, state="Enabled"):
    """Key ids tagged by the wizard in `state`."""
    from wizard import TAG_KEY, TAG_VALUE

    kms = services.client("kms")
    found = []
    for key in kms.list_keys()["Keys"]:
        tags = kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if {"TagKey": TAG_KEY, "TagValue": TAG_VALUE} in tags and meta["KeyState"] == state:
            found.append(key["KeyId"])
    return found


def test_an_apply_that_loses_the_alias_race_leaves_no_orphaned_key(services, tmp_path, monkeypatch):
    """Another apply (another machine: no local lock helps) made the alias between this one's
    plan and its CreateAlias: the key this one made is tagged from CreateKey, journaled before
    the alias, and scheduled for deletion at once; the plan stops and says to plan again."""
    from wizard.journal import read

    monkeypatch.setenv("MFA_WIZARD_JOURNAL", str(tmp_path / "j.jsonl"))
    kms = services.client("kms")
    n = names_for("123456789012", "us-east-1")
    _, plan = plan_monitoring(services, MonitorOptions(kms=True))
    winner = kms.create_key(Tags=[{"TagKey": "managed-by", "TagValue": "mfa-wizard"}])
    kms.create_alias(AliasName=n.key_alias, TargetKeyId=winner["KeyMetadata"]["KeyId"])
    with pytest.raises(UsageError, match="created by another apply") as stopped:
        apply_monitoring(plan)
    assert "plan again" in stopped.value.fix
    assert _wizard_keys(services) == [winner["KeyMetadata"]["KeyId"]]
    (lost,) = _wizard_keys(services, "PendingDeletion")
    actions = [(e.action, e.resource.rsplit("/", 1)[-1]) for e in read()]
    assert actions[:2] == [("create_kms_key", lost), ("discard_kms_key", lost)]


def test_teardown_finds_the_wizards_key_by_its_tag_too(services):
    """An apply stopped between CreateKey and CreateAlias left a tagged key with no alias."""
    from wizard import TAG_KEY, TAG_VALUE

    kms = services.client("kms")
    orphan = kms.create_key(Tags=[{"TagKey": TAG_KEY, "TagValue": TAG_VALUE}])["KeyMetadata"]
    theirs = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "data"}])["KeyMetadata"]
    done = teardown(services)
    assert any(orphan["KeyId"] in line and "no alias" in line for line in done)
    state = lambda k: kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]  # noqa: E731
    assert state(orphan) == "PendingDeletion" and state(theirs) == "Enabled"
    assert not any(orphan["KeyId"] in line for line in teardown(services))  # said once


def test_teardown_skips_keys_closed_to_it_and_never_takes_a_disabled_key(services):
    """Another team's key whose policy shuts us out is not ours to judge (teardown still ends);
    a disabled tagged key may protect the logs kept (the plan's advice for a disabled key is to
    delete its alias), so only an enabled one without an alias is taken."""
    from botocore.exceptions import ClientError

    from wizard import TAG_KEY, TAG_VALUE

    kms = services.client("kms")
    tag = [{"TagKey": TAG_KEY, "TagValue": TAG_VALUE}]
    closed = kms.create_key()["KeyMetadata"]["KeyId"]
    disabled = kms.create_key(Tags=tag)["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    orphan = kms.create_key(Tags=tag)["KeyMetadata"]["KeyId"]

    asked: list[str] = []

    def shut_out(params, **kwargs):
        asked.append(params.get("KeyId"))
        if params.get("KeyId") == closed:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListResourceTags"
            )

    kms.meta.events.register_first("before-parameter-build.kms.ListResourceTags", shut_out)
    done = teardown(services)
    assert any(orphan in line for line in done)
    assert not any(closed in line or disabled in line for line in done)
    assert kms.describe_key(KeyId=disabled)["KeyMetadata"]["KeyState"] == "Disabled"
    assert closed in asked  # the closed key was asked about, and refused


def _apply_process(env):
    apply = ("monitor", "apply", "--email", "a@example.com", "--yes")
    return start_process("wizard", *apply, env=env)


@pytest.mark.real_time
def test_two_applies_at_once_one_is_refused_and_one_key_is_made(services, demo_env, tmp_path):
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "j.jsonl")}
    procs = [_apply_process(env) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    refused = next(err for (_, err), p in zip(outs, procs, strict=True) if p.returncode == 2)
    assert "another `monitor apply` is running for account 123456789012 in us-east-1" in refused
    assert "pid " in refused and "Traceback" not in refused
    assert len(_wizard_keys(services)) == 1


@pytest.mark.real_time
def test_ctrl_c_during_apply_says_what_was_made_and_apply_finishes_it(services, demo_env, tmp_path):
    import signal

    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "j.jsonl")}
    proc = _apply_process(env)
    assert proc.stderr is not None
    seen = ""
    while "[3/" not in seen:
        line = proc.stderr.readline()
        assert line, seen
        seen += line
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    err = seen + rest
    assert proc.returncode == 130, err
    assert "cancelled (Ctrl-C); " in err and " changes were made (kms key " in err
    assert "`mfa-wizard monitor apply` (or F6 on the Monitor step) again" in err
    assert "half-done" not in err and "Traceback" not in err
    again = mfa_wizard("monitor", "apply", "--email", "a@example.com", "--yes", env=env)
    assert again.returncode == 0, again.stderr
    assert (
        "Nothing to do" in mfa_wizard("monitor", "plan", "--email", "a@example.com", env=env).stdout
    )
    assert len(_wizard_keys(services)) == 1


def test_tamper_terms_spread_over_filters_on_one_metric_and_teardown_removes_them(applied):
    services, n = applied
    logs = services.client("logs")

    def tamper_filters():
        found = logs.describe_metric_filters(
            logGroupName=n.log_group, filterNamePrefix=n.tamper_filter
        )["metricFilters"]
        return {f["filterName"]: f for f in found}

    found = tamper_filters()
    assert set(found) == {n.tamper_filter, f"{n.tamper_filter}-2"}
    assert all(len(f["filterPattern"]) <= 1024 for f in found.values())
    assert {f["metricTransformations"][0]["metricName"] for f in found.values()} == {
        "MonitoringTampered"
    }
    assert f'"{n.log_group}"' in " ".join(f["filterPattern"] for f in found.values())
    teardown(services)
    assert tamper_filters() == {}


def test_the_plan_names_the_calls_of_its_own_that_trip_the_tamper_alarm(services):
    _, plan = plan_monitoring(services, OPTS)
    (note,) = [n for n in plan.notes if "tamper alarm fires once" in n]
    for call in ("PutMetricAlarm ×", "PutMetricFilter ×", "PutRolePolicy ×", "CreateSchedule ×"):
        assert call in note
    assert "PutBucketPolicy" in note and "PutEventSelectors" in note
    _, minimal = plan_monitoring(services, MonitorOptions(minimal=True))
    assert not any("tamper alarm" in n for n in minimal.notes)


def test_a_plan_gone_stale_is_refused_not_applied(services):
    """The TUI shows a plan; before F6, another apply (or a hand) changed the account: planned
    again under the apply lock, the change is seen and the stale plan is refused."""
    from wizard.monitoring.planner import apply_current

    _, shown = plan_monitoring(services, MonitorOptions(minimal=True))
    services.client("sns").create_topic(Name=names_for("123456789012", "us-east-1").topic)
    with pytest.raises(UsageError, match="changed since this plan was made") as stale:
        apply_current(services, shown)
    assert "plan again (F5)" in stale.value.fix
    assert services.client("cloudtrail").describe_trails()["trailList"] == []  # nothing applied
    _, current = plan_monitoring(services, MonitorOptions(minimal=True))
    assert apply_current(services, current)  # a plan that still holds goes ahead
