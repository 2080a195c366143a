"""`mfa-wizard audit --org`: every ACTIVE member audited through the organization role."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto.iam.models import iam_backends

from tests.support.aws import member_iam
from tests.support.cli import mfa_wizard
from wizard import organization
from wizard.errors import AccessDeniedError
from wizard.organization import audit_organization
from wizard.root_access import RootAccess


@pytest.fixture
def org(demo, services):
    """The demo account manages an organization with two members; one is being closed."""
    orgs = services.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids = {}
    for name in ("workloads", "sandbox"):
        status = orgs.create_account(Email=f"{name}@example.com", AccountName=name)[
            "CreateAccountStatus"
        ]
        ids[name] = status["AccountId"]
    orgs.close_account(AccountId=ids["sandbox"])
    # A console user without MFA in the workloads account, made through its organization role.
    iam = member_iam(demo.endpoint_url, services, ids["workloads"])
    iam.create_user(UserName="ops.person")
    iam.create_login_profile(UserName="ops.person", Password="Correct-Horse-9!")
    return ids


def test_every_account_gets_a_status(services, org):
    result = audit_organization(services, parallel=2)
    by_id = {a.account_id: a for a in result.accounts}
    assert result.management_account_id == "123456789012"
    assert by_id["123456789012"].status == "audited"
    workloads = by_id[org["workloads"]]
    assert workloads.status == "audited" and workloads.audit is not None
    assert [u.user_name for u in workloads.audit.console_users_without_mfa] == ["ops.person"]
    assert workloads.audit.account_id == org["workloads"]  # audited inside the member
    sandbox = by_id[org["sandbox"]]
    assert sandbox.status == "skipped"
    assert any(state in (sandbox.reason or "") for state in ("PENDING_CLOSURE", "SUSPENDED"))
    assert not result.clean
    doc = json.loads(result.to_json())
    assert set(doc) == {
        "generated_at",
        "management_account_id",
        "root_credentials_management",
        "accounts",
    }
    assert doc["root_credentials_management"] in {"enabled", "disabled", "unknown"}
    assert {a["status"] for a in doc["accounts"]} == {"audited", "skipped"}


def test_an_account_whose_role_cannot_be_assumed_is_unreachable_never_clean(
    services, org, monkeypatch
):
    real = organization.member_services

    def refuse(services, account_id, role, external_id):
        if account_id == org["workloads"]:
            raise AccessDeniedError("access denied calling AssumeRole", "the role must trust you")
        if account_id == org["sandbox"]:
            raise RuntimeError("anything else")  # never skips the others, never looks clean
        return real(services, account_id, role, external_id)

    monkeypatch.setattr(organization, "member_services", refuse)
    result = audit_organization(services)
    workloads = next(a for a in result.accounts if a.account_id == org["workloads"])
    assert workloads.status == "unreachable" and "AssumeRole" in (workloads.reason or "")
    assert workloads.audit is None and not result.clean


def test_cli_org_audit_formats_and_exit_codes(org, demo_env):
    table = mfa_wizard("audit", "--org", env=demo_env)
    assert table.returncode == 1, table.stderr
    assert f"{org['workloads']}  workloads" in table.stdout
    assert "skipped" in table.stdout and "ops.person" in table.stdout
    doc = json.loads(mfa_wizard("audit", "--org", "--format", "json", env=demo_env).stdout)
    assert doc["management_account_id"] == "123456789012"
    csv_out = mfa_wizard("audit", "--org", "--format", "csv", env=demo_env).stdout
    header, *rows = csv_out.splitlines()
    assert header.startswith("account_id,account_name,account_status,root_mfa,root_credentials,")
    # moto has no ListOrganizationsFeatures: the member's root credentials were not checked.
    assert any(
        r.startswith(f"{org['workloads']},workloads,audited,off,not checked,ops.person,")
        for r in rows
    )
    assert any(r.startswith(f"{org['sandbox']},sandbox,skipped,") for r in rows)


def test_org_csv_has_a_row_for_every_account_and_defuses_member_names(org, demo_env, services):
    """An account with no IAM users whose only finding is root MFA off is still in the export;
    a member's name (any member can rename itself) is never a formula."""
    import csv
    import io

    orgs = services.client("organizations")
    empty = orgs.create_account(Email="e@example.com", AccountName='=HYPERLINK("x")')[
        "CreateAccountStatus"
    ]["AccountId"]
    out = mfa_wizard("audit", "--org", "--format", "csv", env=demo_env)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {r["account_id"] for r in rows} == {"123456789012", *org.values(), empty}
    (row,) = [r for r in rows if r["account_id"] == empty]
    assert row["account_name"] == '\'=HYPERLINK("x")'
    assert row["account_status"] == "audited" and row["root_mfa"] == "off"
    assert row["user_name"] == ""


def test_no_organization_is_exit_2(demo_env):
    out = mfa_wizard("audit", "--org", env=demo_env)
    assert out.returncode == 2 and "not in an AWS Organization" in out.stderr


def test_a_step_aimed_at_a_member_account_acts_and_journals_there(
    org, demo_env, tmp_path, services
):
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "journal.jsonl")}
    member = org["workloads"]
    out = mfa_wizard("--account", member, "enforce", "--users", "ops.person", "--yes", env=env)
    assert out.returncode == 0, out.stderr
    entries = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert entries and {e["account"] for e in entries} == {member}
    # The group is in the member account, not in the management account.
    assert "MFARequired" not in {g["GroupName"] for g in services.iam.list_groups()["Groups"]}
    undo = mfa_wizard("--account", member, "enforce", "--undo", "--yes", env=env)
    assert undo.returncode == 0 and "undone: create_policy" in undo.stdout
    assert "Nothing to undo" in mfa_wizard("enforce", "--undo", "--yes", env=env).stdout


def test_a_malformed_account_id_is_refused(demo_env):
    out = mfa_wizard("--account", "12345", "audit", env=demo_env)
    assert out.returncode == 2 and "12-digit AWS account id" in out.stderr


def test_scp_preview_lists_who_it_would_stop_per_member_account(org, demo_env, services):
    # In the workloads account a CI user signs with an access key used yesterday.
    from datetime import UTC, datetime, timedelta

    from moto.iam.models import AccessKeyLastUsed, iam_backends

    backend = iam_backends[org["workloads"]]["global"]
    backend.create_user(region_name="us-east-1", user_name="ci-bot", path="/")
    key = backend.create_access_key("ci-bot")
    key.last_used = AccessKeyLastUsed(
        timestamp=(datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None),
        service="s3",
        region="us-east-1",
    )
    root = services.client("organizations").list_roots()["Roots"][0]["Id"]
    out = mfa_wizard("scp", "--preview", "--target", root, env=demo_env)
    assert out.returncode == 0, out.stderr
    assert f"{org['workloads']}  workloads" in out.stdout and "would stop 1: ci-bot" in out.stdout
    assert "123456789012" in out.stdout and "SCPs never apply" in out.stdout
    assert "test OU" in out.stdout


def test_scp_preview_marks_an_account_it_could_not_read(org, services):
    root = services.client("organizations").list_roots()["Roots"][0]["Id"]
    # An account whose credential report cannot be read (a denied audit) in the preview.
    from wizard import scp_impact

    def denied(services):
        raise AccessDeniedError("access denied calling GenerateCredentialReport", "grant it")

    impact = scp_impact.preview_impact(
        services, root, role="OrganizationAccountAccessRole", audit_one=denied
    )
    unread = [a for a in impact if not a.read]
    assert unread and all("not read: access denied" in a.line() for a in unread)


# ----------------------------------------------------------------------------- root credentials
# moto serves Organizations, the member accounts' IAM and AssumeRole; it has neither
# iam:ListOrganizationsFeatures nor sts:AssumeRoot, nor IAM reads about the root user. Those
# three are stubbed with botocore's Stubber (RootAccess, the injection point); everything else
# goes to moto through the realism layer.

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)
NO_ROOT_CREDENTIALS = [
    ("get_login_profile", "NoSuchEntity"),
    ("list_access_keys", {"AccessKeyMetadata": []}),
    ("list_signing_certificates", {"Certificates": []}),
    ("list_mfa_devices", {"MFADevices": []}),
]
ROOT_PASSWORD_ONLY = [
    ("get_login_profile", {"LoginProfile": {"UserName": "root", "CreateDate": EXPIRES}}),
    *NO_ROOT_CREDENTIALS[1:],
]


@pytest.fixture
def platform(org, services):
    """A third member whose only user is a console user with MFA: clean but for its root."""
    orgs = services.client("organizations")
    account = orgs.create_account(Email="platform@example.com", AccountName="platform")[
        "CreateAccountStatus"
    ]["AccountId"]
    backend = iam_backends[account]["global"]
    backend.create_user(region_name="us-east-1", user_name="sre.lead", path="/")
    backend.create_login_profile("sre.lead", "Correct-Horse-9!")
    device = backend.create_virtual_mfa_device("sre.lead", "/")
    backend.enable_mfa_device("sre.lead", device.serial_number, "123456", "654321")
    return account


def member_order(services) -> list[str]:
    """ACTIVE member accounts in ListAccounts order: the order a one-at-a-time audit asks
    AssumeRoot in (the Stubber answers in the order its responses were added)."""
    management = services.client("organizations").describe_organization()["Organization"][
        "MasterAccountId"
    ]
    pages = services.client("organizations").get_paginator("list_accounts").paginate()
    return [
        a["Id"]
        for page in pages
        for a in page["Accounts"]
        if a["Status"] == "ACTIVE" and a["Id"] != management
    ]


def stubbed_root_access(demo, features, answers):
    """RootAccess with Stubber-wrapped clients: ListOrganizationsFeatures answers `features`;
    AssumeRoot, per account in `answers`, credentials (then that account's root reads) or an
    error code. Returns (access, every stubber, for assert_no_pending_responses)."""
    keys = {
        "region_name": "us-east-1",
        "endpoint_url": demo.endpoint_url,
        "aws_access_key_id": "AKIAEXAMPLEEXAMPLE00",
        "aws_secret_access_key": "secret",
    }
    features_iam, sts = boto3.client("iam", **keys), boto3.client("sts", **keys)
    features_stub, sts_stub = Stubber(features_iam), Stubber(sts)
    stubs = [features_stub, sts_stub]
    if features is None:
        features_stub.add_client_error(
            "list_organizations_features", "AccessDenied", http_status_code=403
        )
    else:
        features_stub.add_response(
            "list_organizations_features",
            {"OrganizationId": "o-exampleorgid", "EnabledFeatures": features},
        )
    reads = {}
    for account_id, answer in answers.items():
        if isinstance(answer, str):
            sts_stub.add_client_error("assume_root", answer, http_status_code=403)
            continue
        key = f"ASIA{account_id}"
        reads[key] = answer
        sts_stub.add_response(
            "assume_root",
            {
                "Credentials": {
                    "AccessKeyId": key,
                    "SecretAccessKey": "secret",
                    "SessionToken": "token",
                    "Expiration": EXPIRES,
                }
            },
            expected_params={
                "TargetPrincipal": account_id,
                "TaskPolicyArn": {
                    "arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
                },
                "DurationSeconds": 900,
            },
        )

    def root_iam(credentials):
        iam = boto3.client(
            "iam",
            region_name="us-east-1",
            endpoint_url=demo.endpoint_url,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        stub = Stubber(iam)
        for operation, response in reads[credentials["AccessKeyId"]]:
            if isinstance(response, str):
                stub.add_client_error(operation, response, http_status_code=404)
            else:
                stub.add_response(operation, response)
        stub.activate()
        stubs.append(stub)
        return iam

    features_stub.activate()
    sts_stub.activate()
    return RootAccess(features_iam=features_iam, sts=sts, root_iam=root_iam), stubs


ROOT_SESSIONS_ON = ["RootCredentialsManagement", "RootSessions"]


def test_root_credentials_absent_or_present_under_centralized_root_access(
    services, demo, org, platform
):
    workloads = org["workloads"]
    answers = {workloads: ROOT_PASSWORD_ONLY, platform: NO_ROOT_CREDENTIALS}
    access, stubs = stubbed_root_access(
        demo, ROOT_SESSIONS_ON, {a: answers[a] for a in member_order(services)}
    )
    # One account at a time: the Stubber answers AssumeRoot in the order it was given.
    result = audit_organization(services, parallel=1, access=access, root_credentials=True)
    for stub in stubs:
        stub.assert_no_pending_responses()
    by_id = {a.account_id: a for a in result.accounts}
    assert result.root_credentials_management == "enabled"

    # No root credentials: moto's credential report says root MFA off, and that is no finding.
    clean = by_id[platform]
    assert clean.audit is not None and not clean.audit.root_mfa_active
    assert clean.root_credentials.state == "absent" and clean.clean
    assert "no root credentials" in clean.summary_line()

    # A root password and no root MFA: a finding, with the commands to delete it.
    exposed = by_id[workloads]
    assert exposed.root_credentials.state == "present"
    assert exposed.root_credentials.detail == "password"
    assert exposed.root_finding and not exposed.clean
    assert "root credentials present (password)" in exposed.summary_line()
    advice = "\n".join(organization.root_access_advice(result))
    assert "IAMDeleteRootUserCredentials" in advice and "aws iam delete-login-profile" in advice
    assert "--target-principal ACCOUNT" in advice and f"# {workloads} workloads" in advice

    # The management account is not AssumeRoot's to reach; skipped accounts are not read.
    assert by_id["123456789012"].root_credentials.state == "not checked"
    assert by_id[org["sandbox"]].root_credentials is None
    doc = json.loads(result.to_json())
    accounts = {a["account_id"]: a for a in doc["accounts"]}
    assert accounts[platform]["root_credentials"]["state"] == "absent"
    assert accounts[workloads]["root_credentials"] == {
        "state": "present",
        "detail": "password",
        "password": True,
        "access_keys": 0,
        "signing_certificates": 0,
        "mfa_devices": 0,
    }
    assert set(accounts[platform]) >= {"account_id", "account_name", "status", "reason", "audit"}


def test_assume_root_refused_leaves_the_root_unknown_and_the_finding_standing(
    services, demo, org, platform
):
    access, _ = stubbed_root_access(
        demo, ROOT_SESSIONS_ON, dict.fromkeys(member_order(services), "AccessDenied")
    )
    result = audit_organization(services, parallel=1, access=access, root_credentials=True)
    account = next(a for a in result.accounts if a.account_id == platform)
    assert account.root_credentials.state == "unknown"
    assert "access denied calling AssumeRoot" in account.root_credentials.detail
    # Its users are clean, but an unknown root with MFA off is still a finding.
    assert not account.audit.console_users_without_mfa and not account.clean
    assert "root credentials unknown" in account.summary_line()


def test_without_root_credentials_management_roots_are_not_checked(services, demo, org):
    access, stubs = stubbed_root_access(demo, ["RootSessions"], {})
    result = audit_organization(services, access=access)
    assert result.root_credentials_management == "disabled"
    audited = [a for a in result.accounts if a.status == "audited"]
    assert audited and all(a.root_credentials.state == "not checked" for a in audited)
    assert all("not enabled" in a.root_credentials.detail for a in audited)
    stubs[1].assert_no_pending_responses()  # no AssumeRoot was asked for
    advice = "\n".join(organization.root_access_advice(result))
    assert "enable-organizations-root-credentials-management" in advice


def test_member_roots_are_read_through_assume_root_only_when_asked(services, demo, org, demo_env):
    """AssumeRoot is root activity in every member (root-usage alarms, GuardDuty): without
    --root-credentials nothing is assumed, and the audit says what it did not check and why."""
    access, stubs = stubbed_root_access(demo, ROOT_SESSIONS_ON, {})
    result = audit_organization(services, parallel=1, access=access)
    stubs[1].assert_no_pending_responses()  # no AssumeRoot was asked for
    members = [a for a in result.accounts if a.status == "audited"]
    assert members and all(a.root_credentials.state == "not checked" for a in members)
    member = next(a for a in members if a.account_id == org["workloads"])
    assert "--root-credentials" in member.root_credentials.detail
    advice = "\n".join(organization.root_access_advice(result))
    assert "were not read" in advice and "mfa-wizard audit --org --root-credentials" in advice
    help_text = " ".join(mfa_wizard("audit", "--help", env=demo_env).stdout.split())
    assert "--root-credentials" in help_text and "GuardDuty" in help_text


def test_features_unreadable_is_unknown(services, demo, org):
    access, _ = stubbed_root_access(demo, None, {})
    result = audit_organization(services, access=access)
    assert result.root_credentials_management == "unknown"
    member = next(a for a in result.accounts if a.account_id == org["workloads"])
    assert member.root_credentials.state == "not checked"


def test_root_sessions_off_says_how_to_turn_them_on(services, demo, org):
    access, stubs = stubbed_root_access(demo, ["RootCredentialsManagement"], {})
    result = audit_organization(services, access=access, root_credentials=True)
    member = next(a for a in result.accounts if a.account_id == org["workloads"])
    assert member.root_credentials.state == "unknown"
    assert "enable-organizations-root-sessions" in member.root_credentials.detail
    stubs[1].assert_no_pending_responses()


# ----------------------------------------------------------------------------- --demo-accounts


@pytest.mark.real_time
def test_demo_accounts_seeds_an_organization_for_audit_org(demo_env):
    env = {k: v for k, v in demo_env.items() if not k.startswith("AWS_ENDPOINT")}
    out = mfa_wizard(
        "--demo", "--demo-accounts", "3", "audit", "--org", "--format", "json", env=env
    )
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    statuses = sorted(a["status"] for a in doc["accounts"])
    assert statuses == ["audited"] * 4 + ["skipped"]  # management + 3 members; 1 closed
    names = {a["account_name"] for a in doc["accounts"]}
    assert {"workloads-prod", "workloads-staging", "data-platform", "sandbox-retired"} <= names
    by_name = {a["account_name"]: a for a in doc["accounts"]}
    # Two in three members have a console user without MFA; the third has none.
    assert by_name["workloads-prod"]["audit"]["summary"]["console_users_without_mfa"] == 1
    assert by_name["data-platform"]["audit"]["summary"]["console_users_without_mfa"] == 0
    assert by_name["workloads-staging"]["audit"]["summary"]["console_users_without_mfa"] == 2
    assert by_name["sandbox-retired"]["audit"] is None


def test_demo_accounts_needs_demo(demo_env):
    out = mfa_wizard("--demo-accounts", "3", "audit", "--org", env=demo_env)
    assert out.returncode == 2 and "--demo-accounts needs --demo" in out.stderr


def test_organization_trail_from_the_management_account(org, demo_env, tmp_path, services):
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "journal.jsonl")}
    org_id = services.client("organizations").describe_organization()["Organization"]["Id"]
    plan = mfa_wizard("monitor", "plan", "--organization-trail", "--format", "json", env=env)
    assert plan.returncode == 0, plan.stderr
    kinds = [c["kind"] for c in json.loads(plan.stdout)["changes"]]
    assert kinds.index("trusted access") < kinds.index("cloudtrail")
    out = mfa_wizard("monitor", "apply", "--organization-trail", "--minimal", "--yes", env=env)
    assert out.returncode == 0, out.stderr
    ct = services.client("cloudtrail")
    trail = ct.describe_trails(trailNameList=["mfa-wizard-trail"])["trailList"][0]
    assert trail["IsOrganizationTrail"] and trail["IsMultiRegionTrail"]
    access = services.client("organizations").list_aws_service_access_for_organization()
    assert "cloudtrail.amazonaws.com" in {
        s["ServicePrincipal"] for s in access["EnabledServicePrincipals"]
    }
    # Every member's logs land under AWSLogs/<org id>/ in the management account's bucket.
    bucket = trail["S3BucketName"]
    policy = json.loads(services.client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["AWSCloudTrailOrganizationWrite"]["Resource"].endswith(f"/AWSLogs/{org_id}/*")
    again = mfa_wizard("monitor", "apply", "--organization-trail", "--minimal", "--yes", env=env)
    assert "Nothing to do" in again.stdout
    # Without the flag it stays an organization trail: the members' write statement is kept.
    plain = mfa_wizard("monitor", "apply", "--minimal", "--yes", env=env)
    assert "Nothing to do" in plain.stdout and "stays one" in plain.stdout
    # From a member account: refused before any change, naming the management account.
    member = mfa_wizard(
        "--account", org["workloads"], "monitor", "plan", "--organization-trail", env=env
    )
    assert member.returncode == 2 and "management account" in member.stderr
