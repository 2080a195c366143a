"""Seed 004's extras of the Monitor step against moto: the CloudTrail groups (AWS managed
policies, as the demo loads them) and AWS Config beside the trail."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.support.cli import mfa_wizard
from wizard import journal
from wizard.errors import UsageError, WizardError
from wizard.monitoring import MonitorOptions, apply_monitoring, names_for, plan_monitoring, teardown
from wizard.undo import undo_entries, undoable

N = names_for("123456789012", "us-east-1")
BASE = MonitorOptions(minimal=True, trail_changes_alarm=False)
FULL = "arn:aws:iam::aws:policy/AWSCloudTrail_FullAccess"
READ = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
GROUPS = replace(
    BASE,
    cloudtrail_groups=True,
    trail_admins=("alice.nakamura", "bob.tanaka"),
    trail_readers=("carol.suzuki",),
)
CONFIG = replace(BASE, config_recorder=True)


def by_name(plan, kind):
    return {c.name: c for c in plan.changes if c.kind == kind}


def members(iam, group):
    return {u["UserName"] for u in iam.get_group(GroupName=group)["Users"]}


def attached(iam, group):
    answer = iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]
    return {p["PolicyArn"] for p in answer}


def test_cloudtrail_groups_created_idempotent_undone(services):
    _, plan = plan_monitoring(services, GROUPS)
    groups = by_name(plan, "iam group")
    admins = groups[N.trail_admins_group]
    assert admins.status == "create" and "can stop or delete the trail" in admins.detail
    assert "alice.nakamura, bob.tanaka" in admins.detail
    apply_monitoring(plan)
    iam = services.iam
    assert attached(iam, N.trail_admins_group) == {FULL}
    assert attached(iam, N.trail_readers_group) == {READ}
    assert members(iam, N.trail_admins_group) == {"alice.nakamura", "bob.tanaka"}
    assert members(iam, N.trail_readers_group) == {"carol.suzuki"}
    # A second run: nothing to do for the groups.
    _, again = plan_monitoring(services, GROUPS)
    assert {c.status for c in by_name(again, "iam group").values()} == {"nothing"}
    # A member added by hand stays; one more named is added; the plan says both.
    iam.add_user_to_group(GroupName=N.trail_readers_group, UserName="dave.sato")
    more = replace(GROUPS, trail_readers=("carol.suzuki", "erin.kobayashi"))
    _, third = plan_monitoring(services, more)
    readers = by_name(third, "iam group")[N.trail_readers_group]
    assert readers.status == "update" and "add erin.kobayashi" in readers.detail
    assert "1 other member(s) left as they are" in readers.detail

    # Undo walks the journal back: members out, policies off, groups gone; but a member added
    # by hand is not the wizard's to remove: undo stops there and says so.
    def undo_groups() -> None:
        entries = undoable(journal.read(), services, step="monitor")
        undo_entries(services, [e for e in entries if "group" in e.action])

    with pytest.raises(WizardError, match=r"still has members \(dave.sato\)"):
        undo_groups()
    iam.remove_user_from_group(GroupName=N.trail_readers_group, UserName="dave.sato")
    undo_groups()
    names = {g["GroupName"] for g in iam.list_groups()["Groups"]}
    assert N.trail_readers_group not in names and N.trail_admins_group not in names


def test_groups_teardown_removes_only_ours(services):
    _, plan = plan_monitoring(services, GROUPS)
    apply_monitoring(plan)
    said = teardown(services)
    assert any(N.trail_admins_group in line for line in said)
    names = {g["GroupName"] for g in services.iam.list_groups()["Groups"]}
    assert N.trail_admins_group not in names and N.trail_readers_group not in names
    assert {"Admins", "Developers"} <= names  # not ours


def test_unknown_member_and_missing_managed_policy_are_clear(services):
    with pytest.raises(Exception, match="no IAM user named 'nobody'"):
        plan_monitoring(services, replace(GROUPS, trail_readers=("nobody",)))
    # An emulator without AWS managed policies: one clear message, nothing made.
    from moto.iam.models import iam_backends

    backend = iam_backends["123456789012"]["global"]
    backend.managed_policies.pop(FULL)
    with pytest.raises(UsageError, match="AWSCloudTrail_FullAccess does not exist") as missing:
        plan_monitoring(services, GROUPS)
    assert "MOTO_IAM_LOAD_MANAGED_POLICIES" in missing.value.fix
    assert N.trail_admins_group not in {
        g["GroupName"] for g in services.iam.list_groups()["Groups"]
    }


def test_config_recorder_set_up_recording_idempotent_and_torn_down(services):
    _, plan = plan_monitoring(services, CONFIG)
    kinds = [c.kind for c in plan.changes]
    assert {"config recorder", "config channel", "config recording"} <= set(kinds)
    recorder = by_name(plan, "config recorder")[N.config_recorder]
    assert recorder.status == "create" and "$0.003 per configuration item" in recorder.cost
    assert any("AWS Config bills $0.003" in note for note in plan.notes)
    apply_monitoring(plan)
    config = services.client("config")
    found = config.describe_configuration_recorders()["ConfigurationRecorders"][0]
    assert found["name"] == N.config_recorder
    assert found["recordingGroup"]["allSupported"] is True
    assert found["roleARN"].startswith("arn:aws:iam::123456789012:role/aws-service-role/")
    status = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert status["recording"] is True
    channel = config.describe_delivery_channels()["DeliveryChannels"][0]
    assert (channel["s3BucketName"], channel["s3KeyPrefix"]) == (N.bucket, "config")
    # The trail bucket lets Config deliver, for this account only.
    policy = json.loads(services.client("s3").get_bucket_policy(Bucket=N.bucket)["Policy"])
    delivery = next(s for s in policy["Statement"] if s["Sid"] == "AWSConfigBucketDelivery")
    assert delivery["Principal"] == {"Service": "config.amazonaws.com"}
    assert delivery["Resource"].endswith("/config/AWSLogs/123456789012/Config/*")
    assert delivery["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    # Idempotent: nothing to do; and a later run without the option keeps Config's grants.
    _, again = plan_monitoring(services, CONFIG)
    assert again.nothing_to_do
    _, without = plan_monitoring(services, BASE)
    assert without.nothing_to_do
    # Narrowing to IAM is an update of our recorder.
    _, narrow = plan_monitoring(services, replace(CONFIG, config_iam_only=True))
    assert by_name(narrow, "config recorder")[N.config_recorder].status == "update"
    said = teardown(services)
    assert f"deleted AWS Config recorder {N.config_recorder}" in said
    assert config.describe_configuration_recorders()["ConfigurationRecorders"] == []
    assert config.describe_delivery_channels()["DeliveryChannels"] == []


def test_an_existing_recorder_is_reused_never_replaced(services):
    config = services.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/their-config-role",
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "resourceTypes": ["AWS::EC2::Instance"],
            },
        }
    )
    _, plan = plan_monitoring(services, CONFIG)
    reuse = by_name(plan, "config recorder")["default"]
    assert reuse.status == "reuse" and "STOPPED" in reuse.detail
    note = next(n for n in plan.notes if "has other settings" in n)
    assert "does not record IAM" in note and "no delivery channel" in note
    assert "config channel" not in {c.kind for c in plan.changes}
    apply_monitoring(plan)
    recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert [r["name"] for r in recorders] == ["default"]
    assert recorders[0]["recordingGroup"]["resourceTypes"] == ["AWS::EC2::Instance"]
    teardown(services)
    assert [
        r["name"] for r in config.describe_configuration_recorders()["ConfigurationRecorders"]
    ] == ["default"]


def test_cli_plan_shows_groups_and_config(demo_env):
    out = mfa_wizard(
        "monitor",
        "plan",
        "--minimal",
        "--cloudtrail-groups",
        "--trail-admins",
        "alice.nakamura",
        "--config-recorder",
        "--config-iam-only",
        env=demo_env,
    )
    assert out.returncode == 0, out.stderr
    assert (
        "mfa-wizard-cloudtrail-admins" in out.stdout
        and "can stop or delete the trail" in out.stdout
    )
    assert "records IAM only" in out.stdout and "$0.003" in out.stdout
    bad = mfa_wizard("monitor", "plan", "--trail-admins", "a", env=demo_env)
    assert bad.returncode == 2 and "add --cloudtrail-groups" in bad.stderr


def test_verify_reads_the_groups_and_the_recorder_back(services):
    from wizard.verify import run_verify

    _, plan = plan_monitoring(services, replace(GROUPS, config_recorder=True))
    apply_monitoring(plan)
    report = run_verify(services)
    from wizard import summary

    posture = summary.capture(services)
    assert posture.cloudtrail_groups == "admins 2, readers 1"
    assert posture.config_recorder == "mfa-wizard (recording)"
    held = {(c.check, c.subject) for c in report.checked}
    assert ("cloudtrail groups", N.trail_admins_group) in held
    assert ("config", N.config_recorder) in held
    # Someone detaches the policy and stops the recorder: verify reads it as it is now.
    services.iam.detach_group_policy(GroupName=N.trail_readers_group, PolicyArn=READ)
    services.client("config").stop_configuration_recorder(
        ConfigurationRecorderName=N.config_recorder
    )
    failed = {(f.check, f.subject) for f in run_verify(services).failures}
    assert ("cloudtrail groups", N.trail_readers_group) in failed
    assert ("config", N.config_recorder) in failed


def test_verify_fails_a_recorder_whose_deliveries_fail(services, monkeypatch):
    from wizard.verify import run_verify, seed004

    apply_monitoring(plan_monitoring(services, CONFIG)[1])
    monkeypatch.setattr(
        seed004, "delivery_failures", lambda s, c: ["configHistoryDeliveryInfo: AccessDenied"]
    )
    failure = next(f for f in run_verify(services).failures if f.check == "config")
    assert "last attempt failed (configHistoryDeliveryInfo: AccessDenied)" in failure.detail


def test_the_plan_says_when_no_alarm_watches_the_admins(services):
    quiet = replace(GROUPS, trail_changes_alarm=False)  # BASE is --minimal: no tamper alarm
    _, plan = plan_monitoring(services, quiet)
    admins = by_name(plan, "iam group")[N.trail_admins_group]
    assert "NO alarm of this plan pages on that" in admins.detail
    _, watched = plan_monitoring(services, replace(GROUPS, trail_changes_alarm=True))
    detail = by_name(watched, "iam group")[N.trail_admins_group].detail
    assert "the trail-changes alarm pages on that" in detail


def test_teardown_and_undo_meet_what_others_added_or_removed(services):
    apply_monitoring(plan_monitoring(services, replace(GROUPS, config_recorder=True))[1])
    # Someone adds an inline policy to a group: AWS deletes a group only without one.
    services.iam.put_group_policy(
        GroupName=N.trail_readers_group,
        PolicyName="extra",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
            }
        ),
    )
    teardown(services)
    names = {g["GroupName"] for g in services.iam.list_groups()["Groups"]}
    assert N.trail_readers_group not in names
    # Undo after teardown: each entry is already undone, none blocks the others.
    entries = undoable(journal.read(), services, step="monitor")
    done = undo_entries(services, entries)
    assert len(done) == len(entries)
    seed004 = {"create_group", "attach_group_policy", "add_user_to_group"}
    ours = {o for e, o in done if e.action in seed004 or "config" in e.action}
    assert ours == {"already undone"}
