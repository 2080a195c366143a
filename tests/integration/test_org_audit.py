"""`mfa-wizard audit --org`: every ACTIVE member audited through the organization role."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.support.cli import mfa_wizard
from wizard import organization
from wizard.errors import AccessDeniedError
from wizard.organization import audit_organization


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
    sts = services.sts.assume_role(
        RoleArn=f"arn:aws:iam::{ids['workloads']}:role/OrganizationAccountAccessRole",
        RoleSessionName="seed",
    )["Credentials"]
    iam = boto3.client(
        "iam",
        endpoint_url=demo.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=sts["AccessKeyId"],
        aws_secret_access_key=sts["SecretAccessKey"],
        aws_session_token=sts["SessionToken"],
    )
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
    assert header.startswith("account_id,account_name,account_status,")
    assert any(r.startswith(f"{org['workloads']},workloads,audited,ops.person,") for r in rows)
    assert any(r.startswith(f"{org['sandbox']},sandbox,skipped,") for r in rows)


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
