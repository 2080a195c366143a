"""The metric filter patterns against CloudTrail ConsoleLogin events (moto never applies one)."""

from __future__ import annotations

import json

import pytest

from tests.support.filter_eval import matches
from wizard import asset
from wizard.monitoring import SIGNIN_PATTERN, SIGNIN_PATTERN_IAM_USERS, TRAIL_CHANGES_PATTERN

EVENTS = {
    k: v
    for k, v in json.loads(asset("samples", "console_login_events.json").read_text()).items()
    if not k.startswith("_")
}
SEED_000_PATTERN = '{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "null") && ($.responseElements.MfaUsed = "false") }'


def matched(pattern: str) -> set[str]:
    return {name for name, event in EVENTS.items() if matches(pattern, event)}


def test_cis_pattern_is_the_documented_form():
    assert (
        SIGNIN_PATTERN
        == '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'
    )


def test_cis_pattern_catches_every_sign_in_without_mfa():
    assert matched(SIGNIN_PATTERN) == {
        "iam_user_success_without_mfa",
        "iam_user_failure",
        "root_success_without_mfa",
        "sso_assumed_role_success",
    }


def test_narrowed_pattern_keeps_only_successful_iam_user_sign_ins():
    assert matched(SIGNIN_PATTERN_IAM_USERS) == {"iam_user_success_without_mfa"}


def test_the_seed_pattern_never_matches_a_real_event():
    assert matched(SEED_000_PATTERN) == set()


def test_values_are_case_sensitive():
    event = dict(EVENTS["iam_user_success_with_mfa"])
    event["additionalEventData"] = {**event["additionalEventData"], "MFAUsed": "yes"}
    assert matches(SIGNIN_PATTERN, event)  # "yes" is not "Yes": CloudTrail writes "Yes"


def test_trail_changes_pattern():
    for name in ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"):
        assert matches(TRAIL_CHANGES_PATTERN, {"eventName": name})
    assert not matches(TRAIL_CHANGES_PATTERN, {"eventName": "DescribeTrails"})


@pytest.mark.parametrize("bad", ["{ $.eventName = }", "eventName = x", "{ ($.a = 1) && }"])
def test_evaluator_rejects_malformed_patterns(bad):
    with pytest.raises((ValueError, IndexError)):
        matches(bad, {})


# ------------------------------------------------------------------ CIS root usage, tampering


def test_root_usage_pattern_catches_root_at_work_not_aws_acting_for_it():
    from wizard.monitoring.names import ROOT_USAGE_PATTERN

    root_sign_in = {
        "eventName": "ConsoleLogin",
        "eventType": "AwsConsoleSignIn",
        "userIdentity": {"type": "Root"},
    }
    root_api = {
        "eventName": "CreateUser",
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "Root"},
    }
    service_for_root = {
        "eventName": "Decrypt",
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "Root", "invokedBy": "cloudtrail.amazonaws.com"},
    }
    service_event = {
        "eventName": "X",
        "eventType": "AwsServiceEvent",
        "userIdentity": {"type": "Root"},
    }
    iam_user = {
        "eventName": "CreateUser",
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "IAMUser"},
    }
    assert matches(ROOT_USAGE_PATTERN, root_sign_in) and matches(ROOT_USAGE_PATTERN, root_api)
    for event in (service_for_root, service_event, iam_user):
        assert not matches(ROOT_USAGE_PATTERN, event)


LOG_GROUP = "/mfa-wizard/cloudtrail"
BUCKET = "mfa-wizard-trail-123456789012-us-east-1"


def tampered(event: dict) -> bool:
    """Would any of the tamper filters count `event`?"""
    from wizard.monitoring.names import tamper_patterns

    return any(matches(p, event) for p in tamper_patterns(LOG_GROUP, BUCKET))


@pytest.mark.parametrize(
    "name",
    [
        "DeleteAlarms",
        "DisableAlarmActions",
        "DeleteMetricFilter",
        "PutEventSelectors",
        "StopLogging",
        "DeleteTrail",
        "Unsubscribe",
        "DeleteTopic",
        "SetTopicAttributes",
        "DisableKey",
        "ScheduleKeyDeletion",
        "PutKeyPolicy",
    ],
)
def test_tamper_pattern_catches_each_way_to_silence_the_alarms(name):
    assert tampered({"eventName": name, "userIdentity": {"type": "IAMUser"}})


@pytest.mark.parametrize(
    ("name", "field", "ours", "theirs"),
    [
        ("PutMetricAlarm", "alarmName", "mfa-wizard-console-signin-without-mfa", "app-latency"),
        ("PutMetricFilter", "logGroupName", LOG_GROUP, "/aws/lambda/app"),
        ("DeleteLogGroup", "logGroupName", LOG_GROUP, "/aws/lambda/app"),
        ("PutRetentionPolicy", "logGroupName", LOG_GROUP, "/aws/lambda/app"),
        ("DeleteLogStream", "logGroupName", LOG_GROUP, "/aws/lambda/app"),
        ("CreateSchedule", "name", "mfa-wizard-quiet-hours-start", "nightly-backup"),
        ("UpdateSchedule", "name", "mfa-wizard-quiet-hours-end", "nightly-backup"),
        ("DeleteSchedule", "name", "mfa-wizard-quiet-hours-end", "nightly-backup"),
        ("UpdateAssumeRolePolicy", "roleName", "mfa-wizard-scheduler", "app-role"),
        ("PutRolePolicy", "roleName", "mfa-wizard-cloudtrail-to-logs", "app-role"),
        ("PutBucketPolicy", "bucketName", BUCKET, "app-assets"),
        ("DeleteBucketPolicy", "bucketName", BUCKET, "app-assets"),
    ],
)
def test_tamper_pattern_catches_changes_to_the_wizards_own_resources_only(
    name, field, ours, theirs
):
    def event(value: str) -> dict:
        return {"eventName": name, "requestParameters": {field: value}}

    assert tampered(event(ours))
    assert not tampered(event(theirs))  # an everyday call elsewhere is not tampering


def test_tamper_patterns_fit_cloudwatch_logs_limit_and_name_one_filter_each():
    from wizard.monitoring.names import tamper_filter_names, tamper_patterns

    patterns = tamper_patterns(LOG_GROUP, BUCKET)
    assert len(patterns) > 1 and all(len(p) <= 1024 for p in patterns)
    names = tamper_filter_names("mfa-wizard-monitoring-tampered", len(patterns))
    assert names[:2] == ["mfa-wizard-monitoring-tampered", "mfa-wizard-monitoring-tampered-2"]


def test_tamper_pattern_leaves_ordinary_changes_alone():
    for name in ("PutMetricAlarm", "DescribeAlarms", "CreateTopic", "StartLogging", "Subscribe"):
        assert not tampered({"eventName": name})


def test_the_quiet_hours_schedule_disabling_alarm_actions_is_not_tampering():
    from wizard.monitoring.names import SCHEDULER_ROLE

    def by(role: str, kind: str = "Role") -> dict:
        return {
            "eventName": "DisableAlarmActions",
            "userIdentity": {
                "type": "AssumedRole",
                "sessionContext": {"sessionIssuer": {"type": kind, "userName": role}},
            },
        }

    assert not tampered(by(SCHEDULER_ROLE))
    assert tampered(by("SomeoneElsesRole"))
    # An IAM user of the same name (federated, GetFederationToken) is no exception.
    assert tampered(by(SCHEDULER_ROLE, kind="IAMUser"))
    # The exemption is for DisableAlarmActions alone: the scheduler role deleting or changing
    # a quiet-hours schedule (so the quiet state would last) is tampering.
    for call in ("DeleteSchedule", "UpdateSchedule"):
        changed = {**by(SCHEDULER_ROLE), "eventName": call}
        changed["requestParameters"] = {"name": "mfa-wizard-quiet-hours-end"}
        assert tampered(changed)
