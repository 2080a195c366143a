"""`mfa-wizard verify` against a moto server behind the realism layer, whose
SimulatePrincipalPolicy and TestMetricFilter answer from the suite's evaluators (moto has
neither): the three outcomes proven after a full sitting, and each change made behind the
wizard's back named, by the proof it rests on."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.aws import good_codes
from tests.support.cli import mfa_wizard
from wizard import clock
from wizard.audit import run_audit
from wizard.aws import Services
from wizard.monitoring import MonitorOptions, apply_monitoring, names_for, plan_monitoring
from wizard.policies import DEFAULT_GROUP, apply_enforcement, plan_enforcement
from wizard.verify import run_verify
from wizard.verify.enforcement import DETAILS, SIMULATOR

N = names_for("123456789012", "us-east-1")
DENY_WITHOUT_MFA_BOOL = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            # Bool, not BoolIfExists: long-term access keys carry no MFA key, so it misses them.
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        }
    ],
}
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def enroll_everyone(services: Services) -> None:
    """A virtual device for every console user without one (two good codes, as AWS checks)."""
    iam = services.iam
    for user in run_audit(services).console_users_without_mfa:
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.user_name)
        seed = device["VirtualMFADevice"]["Base32StringSeed"]
        seed = seed.decode() if isinstance(seed, bytes) else seed
        one, two = good_codes(seed)
        iam.enable_mfa_device(
            UserName=user.user_name,
            SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
            AuthenticationCode1=one,
            AuthenticationCode2=two,
        )


def as_mfa_session(demo) -> Services:
    """The admin in a session (moto knows a caller by its key id): the identity that may put
    itself in the group (--include-self)."""
    session = boto3.Session(
        aws_access_key_id=demo.admin_access_key_id,
        aws_secret_access_key=demo.admin_secret_access_key,
        aws_session_token="A-SESSION-TOKEN",
        region_name="us-east-1",
    )
    return Services(session=session, region="us-east-1", endpoint_url=demo.endpoint_url)


@pytest.fixture
def sitting(demo, services):
    """One full sitting: everyone enrolled, everyone enforced, monitoring applied."""
    enroll_everyone(services)
    admin = as_mfa_session(demo)
    apply_enforcement(admin, plan_enforcement(admin, run_audit(admin), include_self=True))
    _, plan = plan_monitoring(services, MonitorOptions(email="sec@example.com"))
    apply_monitoring(plan)
    return services


def by_check(report, severity="fail"):
    return {(f.check, f.subject) for f in report.findings if f.severity == severity}


def test_a_full_sitting_holds_proven_by_the_simulator_and_the_filter_test(sitting, realism):
    report = run_verify(sitting)
    assert report.holds and report.exit_code == 0, [f.to_json() for f in report.findings]
    # The demo's service users hold no permission: nothing works for their keys either.
    assert by_check(report, "warn") == set()
    proofs = {c.check: c.proven_by for c in report.checked}
    assert proofs["enforced"] == SIMULATOR
    assert proofs["filter"] == "logs:TestMetricFilter"
    # moto's root user has no MFA and cannot get one: said, as the one thing it cannot show.
    assert [text.split(":")[0] for text in report.not_shown] == ["root MFA"]
    # The layer answered both in moto's place: the product really asked AWS's evaluators.
    assert realism.answered["TestMetricFilter"] == 1
    simulated = realism.answered["SimulatePrincipalPolicy"]
    # Users with the same groups and no policy of their own share one simulation (4 or 5
    # calls each): fewer simulations than users, and the note counts them.
    note = next(n for n in report.notes if "simulation(s) for" in n)
    simulations, users = (int(w) for w in note.replace("(s)", "").split()[:4:3])
    assert simulations < users and 4 * simulations <= simulated <= 5 * simulations


def test_changes_behind_the_wizards_back_are_each_named_and_plan_repairs_the_wizards(sitting, demo):
    services = sitting
    iam, cw, s3 = services.iam, services.client("cloudwatch"), services.client("s3")
    cw.disable_alarm_actions(AlarmNames=[N.signin_alarm])
    # A console user made after enforcement, in no group, given rights directly.
    iam.create_user(UserName="newcomer")
    iam.create_login_profile(UserName="newcomer", Password="Newc0mer-Passw0rd!")
    iam.put_user_policy(
        UserName="newcomer", PolicyName="everything", PolicyDocument=json.dumps(ALLOW_ALL)
    )
    iam.create_user(UserName="first.day")  # must reset at first sign-in, enforced at once
    iam.create_login_profile(
        UserName="first.day", Password="F1rst-Day-Passw0rd!", PasswordResetRequired=True
    )
    iam.add_user_to_group(GroupName=DEFAULT_GROUP, UserName="first.day")
    s3.put_bucket_versioning(Bucket=N.bucket, VersioningConfiguration={"Status": "Suspended"})
    report = run_verify(services)
    assert not report.holds and report.exit_code == 1
    assert by_check(report) == {
        ("alarm", N.signin_alarm),
        ("mfa", "newcomer"),
        ("enforced", "newcomer"),
        ("mfa", "first.day"),
        ("password_reset", "first.day"),
        ("bucket", N.bucket),
    }
    found = {(f.check, f.subject): f for f in report.findings}
    assert found[("enforced", "newcomer")].proven_by == SIMULATOR
    assert "s3:ListAllMyBuckets" in found[("enforced", "newcomer")].detail
    assert "--no-password-reset-required" in found[("password_reset", "first.day")].fix
    assert "versioning" in found[("bucket", N.bucket)].detail
    # monitor plan reads what verify reads: it repairs the alarm and the bucket.
    _, plan = plan_monitoring(services, MonitorOptions(email="sec@example.com"))
    assert {c.name for c in plan.changes if c.changes} == {N.signin_alarm, N.bucket}
    apply_monitoring(plan)
    again = run_verify(services)
    assert {c for c, _ in by_check(again)} == {"mfa", "enforced", "password_reset"}


def test_a_boundary_or_a_bool_condition_changes_the_outcome_and_the_simulator_sees_it(
    sitting,
):
    services = sitting
    iam = services.iam
    # An Allow of their own changes nothing: the group's Deny wins.
    iam.put_user_policy(
        UserName="bob.tanaka", PolicyName="everything", PolicyDocument=json.dumps(ALLOW_ALL)
    )
    # A boundary that allows only S3: the newcomer can no longer set MFA up.
    boundary = iam.create_policy(
        PolicyName="s3-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.create_user(UserName="bounded")
    iam.create_login_profile(UserName="bounded", Password="B0unded-Passw0rd!")
    iam.add_user_to_group(GroupName=DEFAULT_GROUP, UserName="bounded")
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary)
    # Another team's "require MFA" with Bool: a console user with keys is not held by it.
    iam.create_group(GroupName="OldMFA")
    clock.sleep(2)  # AWS propagates a new group for a moment (virtual time here)
    iam.put_group_policy(
        GroupName="OldMFA", PolicyName="old", PolicyDocument=json.dumps(DENY_WITHOUT_MFA_BOOL)
    )
    iam.put_group_policy(
        GroupName="OldMFA", PolicyName="everything", PolicyDocument=json.dumps(ALLOW_ALL)
    )
    iam.create_user(UserName="keys.person")
    iam.create_login_profile(UserName="keys.person", Password="K3ys-Person-Passw0rd!")
    iam.create_access_key(UserName="keys.person")
    iam.add_user_to_group(GroupName="OldMFA", UserName="keys.person")
    # A service user with rights: its keys work without MFA. Said, as a warning: not a person.
    iam.put_user_policy(
        UserName="ci-deployer", PolicyName="everything", PolicyDocument=json.dumps(ALLOW_ALL)
    )
    report = run_verify(services)
    failed = by_check(report)
    assert by_check(report, "warn") == {("enforced", "ci-deployer")}
    assert ("enforced", "bob.tanaka") not in failed
    assert ("self_service", "bounded") in failed
    assert ("enforced", "keys.person") in failed
    found = {(f.check, f.subject): f for f in report.findings}
    assert "iam:EnableMFADevice" in found[("self_service", "bounded")].detail
    assert "access keys" in found[("enforced", "keys.person")].detail
    assert all(f.proven_by.startswith(SIMULATOR) for f in report.failures if f.check != "mfa")


@pytest.mark.realism(simulator="absent")
def test_without_the_simulator_the_policies_answer_the_narrow_question(sitting, realism):
    services = sitting
    services.iam.create_user(UserName="newcomer")
    services.iam.create_login_profile(UserName="newcomer", Password="Newc0mer-Passw0rd!")
    report = run_verify(services)
    assert ("enforced", "newcomer") in by_check(report)
    assert {f.proven_by for f in report.findings if f.check == "enforced"} == {DETAILS}
    assert any("SimulatePrincipalPolicy" in text for text in report.not_shown)
    assert "SimulatePrincipalPolicy" not in realism.answered
    # The enforced users hold, on the narrower proof.
    held = {c.subject: c.proven_by for c in report.checked if c.check == "enforced"}
    assert held["alice.nakamura"] == DETAILS


@pytest.mark.realism(simulator="denied")
def test_a_caller_denied_the_simulator_is_told_which_permission_gives_the_stronger_proof(
    sitting,
):
    report = run_verify(sitting)
    assert report.holds  # the narrow proof still holds for this account
    assert any("Grant iam:SimulatePrincipalPolicy" in text for text in report.notes)
    assert not any("SimulatePrincipalPolicy" in text for text in report.not_shown)


def test_a_pattern_changed_behind_the_wizards_back_fails_the_filter_test(sitting):
    services = sitting
    logs = services.client("logs")
    # AWS replaces a filter of the same name; moto adds a second one, so it goes first here.
    logs.delete_metric_filter(logGroupName=N.log_group, filterName=N.signin_filter)
    logs.put_metric_filter(
        logGroupName=N.log_group,
        filterName=N.signin_filter,
        filterPattern='{ $.eventName = "ConsoleLogin" }',
        metricTransformations=[
            {
                "metricName": "ConsoleSignInWithoutMFA",
                "metricNamespace": "MfaWizard",
                "metricValue": "1",
            }
        ],
    )
    report = run_verify(services)
    failing = [f for f in report.failures if f.check == "filter"]
    assert failing and "matches iam_user_success_with_mfa" in failing[0].detail
    assert failing[0].proven_by == "logs:TestMetricFilter"


def test_a_read_that_is_denied_is_not_proven_never_holds(sitting):
    services = sitting

    def deny(**kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DescribeAlarms")

    services.client("cloudwatch").meta.events.register(
        "before-call.cloudwatch.DescribeAlarms", deny
    )
    report = run_verify(services)
    unproven = [f for f in report.findings if f.severity == "unproven"]
    assert [f.check for f in unproven] == ["alarm"]
    assert "cloudwatch:DescribeAlarms" in unproven[0].fix
    assert not report.holds and report.exit_code == 2


def test_cli_verify_json_and_exit_codes(services, demo_env):
    result = mfa_wizard("verify", "--format", "json", env=demo_env)
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["holds"] is False
    assert set(doc) >= {"holds", "findings", "checked"}
    finding = doc["findings"][0]
    assert set(finding) >= {"check", "subject", "detail", "fix", "proven_by"}
    # A fresh account: users without MFA, nobody enforced, nothing watching.
    checks = {f["check"] for f in doc["findings"] if f["severity"] == "fail"}
    assert checks >= {"mfa", "enforced", "filter", "alarm"}
    # The caller itself is left out by enforce unless in an MFA session: the fix says so.
    admin = next(f for f in doc["findings"] if f["check"] == "enforced" and f["subject"] == "admin")
    assert admin["fix"].startswith("from an MFA session")
    table = mfa_wizard("verify", env=demo_env)
    assert table.returncode == 1 and "MFA does NOT hold" in table.stdout
    assert "Traceback" not in table.stderr


def test_cli_verify_org_proves_every_active_account_through_the_org_role(demo, services, demo_env):
    from tests.support.aws import member_iam

    orgs = services.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids = {}
    for name in ("workloads", "sandbox"):
        status = orgs.create_account(Email=f"{name}@example.com", AccountName=name)
        ids[name] = status["CreateAccountStatus"]["AccountId"]
    orgs.close_account(AccountId=ids["sandbox"])
    iam = member_iam(demo.endpoint_url, services, ids["workloads"])
    iam.create_user(UserName="ops.person")
    iam.create_login_profile(UserName="ops.person", Password="Correct-Horse-9!")
    result = mfa_wizard("verify", "--org", "--format", "json", env=demo_env)
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    by_account = {a["account_id"]: a for a in doc["accounts"]}
    # The closed account is not verified; the member was verified inside itself.
    assert set(by_account) == {"123456789012", ids["workloads"]}
    member = by_account[ids["workloads"]]
    assert ("mfa", "ops.person") in {(f["check"], f["subject"]) for f in member["findings"]}
    assert doc["holds"] is False


def test_a_key_policy_that_shuts_out_cloudwatch_logs_is_named(sitting):
    services = sitting
    kms = services.client("kms")
    key = kms.describe_key(KeyId=N.key_alias)["KeyMetadata"]
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    policy["Statement"] = [
        s for s in policy["Statement"] if "logs." not in json.dumps(s.get("Principal", ""))
    ]
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    report = run_verify(services)
    failing = [f for f in report.failures if f.check == "kms_key"]
    assert failing and "logs.us-east-1.amazonaws.com" in failing[0].detail
    assert N.log_group in failing[0].detail


def test_a_throttled_probe_is_asked_again_with_retries_not_given_up(sitting):
    # The simulator's first call goes out once (an emulator without it answers 500, which
    # botocore would retry for seconds); throttled there, it is asked again with retries.
    probe = sitting.client_with_attempts("iam", 1)
    thrown = []

    def throttle_once(**kwargs):
        if not thrown:
            thrown.append(1)
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}},
                "SimulatePrincipalPolicy",
            )

    probe.meta.events.register("before-call.iam.SimulatePrincipalPolicy", throttle_once)
    report = run_verify(sitting)
    assert thrown and report.holds, [f.to_json() for f in report.findings]
    assert {c.proven_by for c in report.checked if c.check == "enforced"} == {SIMULATOR}


def test_quiet_hours_that_outlive_their_window_fail(sitting):
    """The quiet alarm's actions off inside its window is a warning; with the schedule that
    ends the window gone, or past the window's end, it fails (nothing else watches it)."""
    from datetime import UTC, datetime

    from wizard.monitoring.schedules import quiet_state_outlived

    services = sitting
    n = names_for("123456789012", "us-east-1")
    options = MonitorOptions(
        email="sec@example.com",
        timezone="Asia/Tokyo",
        quiet_hours="18:00-09:00",
        quiet_alarm=n.signin_alarm,
        insist_quiet_signin_alarm=True,
    )
    apply_monitoring(plan_monitoring(services, options)[1])
    # Tuesday 2026-12-08 in Tokyo: 20:00 is inside the window, 12:00 past its end.
    inside = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
    past = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    assert quiet_state_outlived(services, n, inside) == ""
    assert "ended at Tue 09:00 (Asia/Tokyo)" in quiet_state_outlived(services, n, past)
    just_ended = datetime(2026, 12, 8, 0, 2, tzinfo=UTC)  # 09:02 in Tokyo: the run may be late
    assert quiet_state_outlived(services, n, just_ended) == ""
    services.client("cloudwatch").disable_alarm_actions(AlarmNames=[n.signin_alarm])
    services.client("scheduler").delete_schedule(Name=n.schedule_end)
    report = run_verify(services)
    (finding,) = [f for f in report.findings if f.subject == n.signin_alarm]
    assert finding.severity == "fail"
    assert "quiet-hours-end that ends the quiet hours is gone" in finding.detail
