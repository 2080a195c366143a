"""Enforcement against a moto server: plan, apply, idempotence, versions, guard, undo, SCP."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.support.cli import mfa_wizard
from tests.support.realism import AWS_LIKE
from wizard import policy_documents, scp
from wizard.audit import run_audit
from wizard.aws import Services
from wizard.errors import UsageError, WizardError
from wizard.journal import read
from wizard.policies import DEFAULT_GROUP, apply_enforcement, plan_enforcement
from wizard.undo import undo_enforcement

pytestmark = AWS_LIKE

ARN = "arn:aws:iam::123456789012:policy/mfa-wizard/RequireMFA"


def members(services, group=DEFAULT_GROUP):
    return {u["UserName"] for u in services.iam.get_group(GroupName=group)["Users"]}


def test_plan_then_apply_then_nothing_to_do(services, realism):
    audit = run_audit(services)
    plan = plan_enforcement(services, audit)
    # Default: console users, and the admin is left out (long-term keys), not locked out.
    assert "admin" not in plan.users and "alice.nakamura" in plan.users
    assert "ci-deployer" not in plan.users  # programmatic users are not the policy's target
    assert any("admin (you)" in item for item in plan.left_out)
    assert [s.status for s in plan.steps[:3]] == ["create", "create", "create"]
    impact = {i.user_name: i.reasons for i in plan.impact}
    assert any("until they enrol" in r for r in impact["dave.sato"])
    assert any("access key 1 was used 2 d ago" in r for r in impact["alice.nakamura"])
    assert any("no change" in r for r in impact["bob.tanaka"])

    waits: list[str] = []
    done = apply_enforcement(services, plan, on_wait=waits.append)
    assert done[0] == f"created policy {ARN}"
    # AWS (the realism layer) refused the attach while the new policy propagated; the first
    # run waited, said so once, and succeeded.
    assert realism.refused.get("NoSuchEntity", 0) >= 1
    assert waits == [
        "waiting for IAM to propagate the new policy RequireMFA and the new group MFARequired "
        "(AWS takes a few seconds, at most ~2 min) …"
    ]
    iam = services.iam
    version = iam.get_policy_version(PolicyArn=ARN, VersionId="v1")["PolicyVersion"]["Document"]
    assert policy_documents.canonical(version) == policy_documents.canonical(
        policy_documents.load_document()
    )
    assert {"Key": "managed-by", "Value": "mfa-wizard"} in iam.get_policy(PolicyArn=ARN)["Policy"][
        "Tags"
    ]
    attached = iam.list_attached_group_policies(GroupName=DEFAULT_GROUP)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [ARN]
    assert members(services) == set(plan.users)

    again = plan_enforcement(services, run_audit(services))
    assert again.nothing_to_do
    assert apply_enforcement(services, again) == []


def test_changed_document_makes_a_new_default_version_with_a_diff(services):
    iam = services.iam
    old = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
    }
    iam.create_policy(PolicyName="RequireMFA", Path="/mfa-wizard/", PolicyDocument=json.dumps(old))
    plan = plan_enforcement(services, run_audit(services), users=["dave.sato"])
    assert plan.diff and any("DenyAllExceptListedIfNoMFA" in line for line in plan.diff)
    assert [s.kind for s in plan.steps][:1] == ["policy version"]
    apply_enforcement(services, plan)
    policy = iam.get_policy(PolicyArn=ARN)["Policy"]
    assert policy["DefaultVersionId"] == "v2"
    undo_enforcement(services)
    # Undo restores v1 as default and deletes v2; the policy itself was not ours to delete.
    policy = iam.get_policy(PolicyArn=ARN)["Policy"]
    assert policy["DefaultVersionId"] == "v1"
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=ARN)["Versions"]] == ["v1"]


def test_five_versions_the_oldest_non_default_is_pruned(services):
    iam = services.iam

    def doc(n):
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": f"S{n}", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
                ],
            }
        )  # noqa: E731

    iam.create_policy(PolicyName="RequireMFA", Path="/mfa-wizard/", PolicyDocument=doc(1))
    for n in range(2, 6):
        iam.create_policy_version(PolicyArn=ARN, PolicyDocument=doc(n), SetAsDefault=(n == 3))
    assert len(iam.list_policy_versions(PolicyArn=ARN)["Versions"]) == 5
    plan = plan_enforcement(services, run_audit(services), users=["dave.sato"])
    assert plan.prune_version == "v1"  # oldest non-default (v3 is the default)
    apply_enforcement(services, plan)
    versions = {
        v["VersionId"]: v["IsDefaultVersion"]
        for v in iam.list_policy_versions(PolicyArn=ARN)["Versions"]
    }
    assert "v1" not in versions and len(versions) == 5
    new_default = [v for v, is_default in versions.items() if is_default]
    assert new_default == ["v6"]
    assert any(e.action == "delete_policy_version" and e.undo is None for e in read())


def test_lockout_guard_refuses_the_admin_by_name(services):
    audit = run_audit(services)
    plan = plan_enforcement(services, audit, users=["admin", "dave.sato"])
    assert plan.guard and "long-term access keys" in plan.guard
    with pytest.raises(UsageError, match="refused"):
        apply_enforcement(services, plan)
    assert "MFARequired" not in {g["GroupName"] for g in services.iam.list_groups()["Groups"]}


def test_lockout_guard_admin_without_mfa(demo, services):
    """An admin without any MFA device is refused even from a session."""
    iam = services.iam
    iam.create_user(UserName="newadmin")
    key = iam.create_access_key(UserName="newadmin")["AccessKey"]
    session = boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    as_new = Services(session=session, region="us-east-1", endpoint_url=demo.endpoint_url)
    plan = plan_enforcement(as_new, run_audit(as_new), users=["newadmin"])
    assert (
        plan.guard
        and "have no MFA device" in plan.guard
        and "mfa-wizard enroll newadmin" in plan.guard
    )


def test_guard_passes_only_for_a_session_known_to_carry_mfa(demo):
    # moto identifies a caller by the access key id alone, so the admin's key with a token is
    # "the admin in a session" here; what the session is worth is decided by the guard.
    from datetime import UTC, datetime, timedelta

    from wizard.session.cache import remember_mfa_session
    from wizard.session.credentials import SessionCredentials

    session = boto3.Session(
        aws_access_key_id=demo.admin_access_key_id,
        aws_secret_access_key=demo.admin_secret_access_key,
        aws_session_token="A-SESSION-TOKEN",
        region_name="us-east-1",
    )
    as_session = Services(session=session, region="us-east-1", endpoint_url=demo.endpoint_url)
    # Any token is not enough (GetSessionToken without MFA, GetFederationToken): asked for by
    # name, refused; by default, left out with the reason; --include-self puts it in.
    plan = plan_enforcement(as_session, run_audit(as_session), users=["admin"])
    assert plan.guard and "cannot tell carries MFA" in plan.guard
    default = plan_enforcement(as_session, run_audit(as_session))
    assert "admin" not in default.users
    assert any("cannot tell carries MFA" in line for line in default.left_out)
    assert "admin" in plan_enforcement(as_session, run_audit(as_session), include_self=True).users
    # A session this tool made with an MFA code (mfa-session remembers it) counts.
    expiry = datetime.now(UTC) + timedelta(hours=1)
    remember_mfa_session(SessionCredentials(demo.admin_access_key_id, "s", "t", expiry))
    plan = plan_enforcement(as_session, run_audit(as_session), users=["admin"])
    assert plan.guard is None


def test_undo_reverses_everything_and_is_idempotent(services):
    plan = plan_enforcement(services, run_audit(services))
    apply_enforcement(services, plan)
    lines = undo_enforcement(services)
    assert lines[0].startswith("undone: add_user_to_group")
    assert lines[-1] == f"undone: create_policy {ARN}"
    iam = services.iam
    assert DEFAULT_GROUP not in {g["GroupName"] for g in iam.list_groups()["Groups"]}
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn=ARN)
    assert undo_enforcement(services) == []


def test_undo_refuses_to_delete_a_group_with_foreign_members(services):
    plan = plan_enforcement(services, run_audit(services), users=["dave.sato"])
    apply_enforcement(services, plan)
    services.iam.add_user_to_group(GroupName=DEFAULT_GROUP, UserName="ivan.kato")  # someone else's
    with pytest.raises(WizardError, match="still has members"):
        undo_enforcement(services)
    assert members(services) == {"ivan.kato"}


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"users": ["nobody"]}, "no IAM user named 'nobody'"),
        ({"group": "bad group"}, "not a valid IAM group name"),
        ({"policy_name": "x/y"}, "not a valid IAM policy name"),
        ({"policy_path": "no-slashes"}, "not a valid IAM path"),
    ],
)
def test_bad_inputs(services, kwargs, words):
    with pytest.raises(UsageError, match=words):
        plan_enforcement(services, run_audit(services), **kwargs)


def test_failure_midway_leaves_a_journal_that_undo_completes(services, monkeypatch):
    from botocore.exceptions import ClientError

    plan = plan_enforcement(services, run_audit(services), users=["dave.sato", "erin.kobayashi"])
    real = services.iam.add_user_to_group
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["UserName"])
        if kwargs["UserName"] == "erin.kobayashi":
            raise ClientError({"Error": {"Code": "Throttling", "Message": "x"}}, "AddUserToGroup")
        return real(**kwargs)

    monkeypatch.setattr(services.iam, "add_user_to_group", flaky)
    with pytest.raises(WizardError, match="throttling") as stopped:
        apply_enforcement(services, plan)
    # The truth: what was made, what was under way, and that applying again finishes it.
    message = stopped.value.message
    assert "changes were made (" in message and "member erin.kobayashi was under way" in message
    assert "member dave.sato" in message and "`mfa-wizard enforce`" in message
    assert "nothing was left half-done" not in message
    monkeypatch.setattr(services.iam, "add_user_to_group", real)
    # A re-run completes exactly what is missing...
    rerun = plan_enforcement(services, run_audit(services), users=["dave.sato", "erin.kobayashi"])
    assert [(s.kind, s.name) for s in rerun.steps if s.changes] == [("member", "erin.kobayashi")]
    apply_enforcement(services, rerun)
    # ...and undo removes everything, the half-run's changes included.
    undo_enforcement(services)
    assert DEFAULT_GROUP not in {g["GroupName"] for g in services.iam.list_groups()["Groups"]}


def test_ctrl_c_midway_says_what_was_made_and_how_to_finish(services, monkeypatch):
    plan = plan_enforcement(services, run_audit(services), users=["dave.sato", "erin.kobayashi"])
    total = sum(1 for s in plan.steps if s.changes)
    real = services.iam.add_user_to_group

    def interrupted(**kwargs):
        if kwargs["UserName"] == "erin.kobayashi":
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(services.iam, "add_user_to_group", interrupted)
    with pytest.raises(WizardError) as stopped:
        apply_enforcement(services, plan)
    error = stopped.value
    assert error.exit_code == 130
    assert error.cause.startswith(f"cancelled (Ctrl-C); {total - 1} of {total} changes were made")
    assert "half-done" not in error.message and "finishes the rest" in error.fix


# ------------------------------------------------------------------ SCP


def test_scp_apply_needs_an_organization(services):
    with pytest.raises(UsageError, match="not in an AWS Organization"):
        scp.plan_scp(services, "r-abcd")


def test_scp_apply_in_the_management_account(services):
    org = services.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    plan = scp.plan_scp(services, root)
    assert plan.policy_id is None and not plan.attached
    done = scp.apply_scp(services, plan)
    assert done[-1].startswith("attached RequireMFAForIAMUsers")
    again = scp.plan_scp(services, root)
    assert again.policy_id and again.attached
    content = json.loads(org.describe_policy(PolicyId=again.policy_id)["Policy"]["Content"])
    assert content == scp.scp_document()


def test_cli_enforce_dry_run_apply_rerun_undo(services, demo_env, tmp_path):
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "journal.jsonl")}
    dry = mfa_wizard("enforce", "--users", "dave.sato,erin.kobayashi", "--dry-run", env=env)
    assert dry.returncode == 0 and "Dry run: nothing changed." in dry.stdout
    assert "DenyAllExceptListedIfNoMFA" not in dry.stdout  # readable, not raw JSON
    assert "Without MFA in the session, everything else is denied" in dry.stdout
    assert "aws iam create-policy" in dry.stdout
    assert DEFAULT_GROUP not in {g["GroupName"] for g in services.iam.list_groups()["Groups"]}
    unconfirmed = mfa_wizard("enforce", "--users", "dave.sato", env=env)
    assert unconfirmed.returncode == 1 and "pass --yes" in unconfirmed.stderr
    applied = mfa_wizard("enforce", "--users", "dave.sato,erin.kobayashi", "--yes", env=env)
    assert applied.returncode == 0 and "added erin.kobayashi to MFARequired" in applied.stdout
    # The first run met AWS's propagation delay (the realism layer) and said what it waited for.
    assert "waiting for IAM to propagate the new policy RequireMFA" in applied.stderr
    rerun = mfa_wizard("enforce", "--users", "dave.sato,erin.kobayashi", "--yes", env=env)
    assert rerun.returncode == 0 and "Nothing to do" in rerun.stdout
    refused = mfa_wizard("enforce", "--users", "admin", "--yes", env=env)
    assert refused.returncode == 2 and "refused" in refused.stderr
    undo = mfa_wizard("enforce", "--undo", "--yes", env=env)
    assert undo.returncode == 0 and "undone: create_policy" in undo.stdout
    assert "Nothing to undo" in mfa_wizard("enforce", "--undo", "--yes", env=env).stdout


def test_cli_scp_preview(demo_env):
    out = mfa_wizard("scp", "--preview", env=demo_env)
    assert out.returncode == 0
    document = json.loads(out.stdout.split("\n\n")[0])
    assert document == scp.scp_document()
    assert "Role sessions never match" in out.stdout


# ------------------------------------------------------------------ the safety pass (enforce)


def test_an_existing_group_with_other_policies_is_refused_unless_forced(services):
    from wizard import audit
    from wizard.policies import plan_enforcement

    services.iam.create_group(GroupName="MFARequired")
    services.iam.put_group_policy(
        GroupName="MFARequired",
        PolicyName="AllowEverything",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    result = audit.run_audit(services)
    plan = plan_enforcement(services, result)
    assert plan.guard and "AllowEverything (inline)" in plan.guard and "--force" in plan.guard
    assert any("AllowEverything (inline)" in s.detail for s in plan.steps)
    forced = plan_enforcement(services, result, force=True)
    assert forced.guard is None
    assert any("also grants: AllowEverything (inline)" in s.detail for s in forced.steps)


def test_the_preview_warns_of_a_user_who_must_reset_their_password(services, demo_env):
    # AWS's documented policy denies iam:ChangePassword without MFA: a user made with "must
    # reset at next sign-in" could never finish signing in once enforced. Said before applying.
    services.iam.create_user(UserName="first.day")
    services.iam.create_login_profile(
        UserName="first.day", Password="F1rst-Day-Passw0rd!", PasswordResetRequired=True
    )
    plan = plan_enforcement(services, run_audit(services))
    reasons = {i.user_name: " ".join(i.reasons) for i in plan.impact}
    assert "denies iam:ChangePassword without MFA" in reasons["first.day"]
    assert "--no-password-reset-required" in reasons["first.day"]
    # Others without MFA get the usual line; the flag is read per console user without MFA only.
    assert "ChangePassword" not in reasons["dave.sato"]
    shown = mfa_wizard("enforce", "--dry-run", env=demo_env)
    assert shown.returncode == 0 and "denies iam:ChangePassword without MFA" in shown.stdout


DENY_EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
}


def organization_with_a_same_named_scp(services):
    org = services.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    policy = org.create_policy(
        Content=json.dumps(DENY_EVERYTHING),
        Description="someone else's",
        Name=scp.SCP_NAME,
        Type="SERVICE_CONTROL_POLICY",
    )["Policy"]["PolicySummary"]["Id"]
    return org, root, policy


def content(org, policy):
    return json.loads(org.describe_policy(PolicyId=policy)["Policy"]["Content"])


def test_a_same_named_scp_that_differs_is_shown_and_never_replaced_by_yes_alone(
    services, demo_env, tmp_path
):
    org, root, policy = organization_with_a_same_named_scp(services)
    plan = scp.plan_scp(services, root)
    assert plan.policy_id == policy and plan.differs
    assert '-      "Action": "*",' in plan.diff
    with pytest.raises(UsageError, match="differs from the wizard's"):
        scp.apply_scp(services, plan)
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "j.jsonl")}
    refused = mfa_wizard("scp", "--apply", "--target", root, "--yes", env=env)
    assert refused.returncode == 2 and "--replace-existing" in refused.stderr
    assert "differs:" in refused.stdout and '-      "Action": "*"' in refused.stdout
    # Nothing attached, nothing replaced: the deny-everything policy never reached the root.
    assert content(org, policy) == DENY_EVERYTHING
    on_root = org.list_policies_for_target(TargetId=root, Filter="SERVICE_CONTROL_POLICY")
    assert policy not in {p["Id"] for p in on_root["Policies"]}
    replaced = mfa_wizard(
        "scp", "--apply", "--target", root, "--yes", "--replace-existing", env=env
    )
    assert replaced.returncode == 0, replaced.stderr
    assert content(org, policy) == scp.scp_document()
    again = mfa_wizard("scp", "--apply", "--target", root, "--yes", env=env)
    assert "Nothing to do" in again.stdout
    # Undo detaches it and puts the old content back.
    undone = mfa_wizard("undo", "--step", "scp", "--last", "2", "--yes", env=env)
    assert undone.returncode == 0, undone.stderr
    assert content(org, policy) == DENY_EVERYTHING


def test_a_same_named_scp_with_the_same_content_is_reused(services):
    org, root, policy = organization_with_a_same_named_scp(services)
    org.update_policy(PolicyId=policy, Content=json.dumps(scp.scp_document()))
    plan = scp.plan_scp(services, root)
    assert plan.policy_id == policy and not plan.differs
    assert scp.apply_scp(services, plan) == [f"attached {scp.SCP_NAME} to {root}"]
