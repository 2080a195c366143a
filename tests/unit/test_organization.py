"""wizard.organization without a server: per-account backoff, the root-credentials check and
what an account's root state does to its verdict.

sts:AssumeRoot and the IAM reads about the root user are not in moto: they are stubbed here with
botocore's Stubber on real clients (no request is sent); tests/integration/test_org_audit.py
runs the same check against moto's Organizations with only those calls stubbed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from wizard import organization
from wizard.aws import Services, new_boto3_session
from wizard.errors import AccessDeniedError, ThrottledError
from wizard.models import AuditResult, CallerIdentity, UserFinding
from wizard.organization import (
    BACKOFF_ATTEMPTS,
    BACKOFF_BUDGET_SECONDS,
    AccountAudit,
    audit_accounts,
    backoff_delay,
)
from wizard.root_access import (
    RootAccess,
    RootCredentials,
    check_root_credentials,
    regional_sts,
    root_credentials_found,
)

ME = "123456789012"
MEMBER = "210987654321"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
AUDIT_ARN = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"


def offline_services(region: str = "us-east-1", endpoint_url: str | None = None) -> Services:
    """Services whose identity is known already: nothing here sends a request."""
    session = new_boto3_session(
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret",
        region_name=region,
    )
    return Services(
        session=session,
        region=region,
        endpoint_url=endpoint_url,
        _identity=CallerIdentity(ME, f"arn:aws:iam::{ME}:user/admin", "AIDAEXAMPLE"),
    )


def audit(*, root_mfa: bool = False, users: tuple[UserFinding, ...] = ()) -> AuditResult:
    return AuditResult(
        account_id=MEMBER,
        generated_at=NOW,
        report_generated_at=NOW,
        root_mfa_active=root_mfa,
        users=users,
    )


def console_user(name: str, mfa: bool) -> UserFinding:
    return UserFinding(
        user_name=name,
        arn=f"arn:aws:iam::{MEMBER}:user/{name}",
        path="/",
        created=NOW,
        console_access=True,
        mfa_active=mfa,
        mfa_devices=(),
        password_last_used=None,
    )


def throttled(code: str = "Throttling") -> Exception:
    return ThrottledError("AWS is throttling GetCredentialReport", "wait", code=code)


# ----------------------------------------------------------------------------- backoff


def test_a_throttled_account_is_tried_again_and_audited():
    calls, waits = [], []

    def flaky(services):
        calls.append(services)
        if len(calls) <= 2:
            raise throttled()
        return audit(root_mfa=True)

    [result] = audit_accounts(
        offline_services(),
        [{"Id": ME, "Name": "management", "Status": "ACTIVE"}],
        audit_one=flaky,
        sleep=waits.append,
    )
    assert result.status == "audited" and result.clean
    assert len(calls) == 3 and len(waits) == 2
    # Doubling with jitter: each wait in [base/2, base], the base doubling from the first.
    first = organization.BACKOFF_FIRST_SECONDS
    assert first / 2 <= waits[0] <= first and first <= waits[1] <= 2 * first


@pytest.mark.parametrize(
    "code",
    [
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceeded",
        "LimitExceededException",
        "ReportInProgress",
    ],
)
def test_an_account_throttled_every_time_is_unreachable_never_clean(code):
    waits = []

    def always(services):
        # A raw ClientError as well as a translated one: the code decides, not the type.
        raise ClientError({"Error": {"Code": code, "Message": "slow down"}}, "GetCredentialReport")

    [result] = audit_accounts(
        offline_services(),
        [{"Id": ME, "Name": "management", "Status": "ACTIVE"}],
        audit_one=always,
        sleep=waits.append,
    )
    assert result.status == "unreachable" and not result.clean and result.audit is None
    assert "throttling" in (result.reason or "") and code in (result.reason or "")
    assert f"{BACKOFF_ATTEMPTS} attempts" in (result.reason or "")
    assert len(waits) == BACKOFF_ATTEMPTS - 1 and sum(waits) <= BACKOFF_BUDGET_SECONDS


def test_any_other_failure_is_not_tried_again():
    waits, calls = [], []

    def denied(services):
        calls.append(1)
        raise AccessDeniedError("access denied calling GenerateCredentialReport", "grant it")

    [result] = audit_accounts(
        offline_services(),
        [{"Id": ME, "Name": "management"}],
        audit_one=denied,
        sleep=waits.append,
    )
    assert result.status == "unreachable" and "access denied" in (result.reason or "")
    assert calls == [1] and waits == []


def test_a_member_whose_assume_role_is_throttled_is_tried_again(monkeypatch):
    tries = []

    def assume(services, account_id, role, external_id):
        tries.append(account_id)
        if len(tries) == 1:
            raise throttled("Throttling")
        return services

    monkeypatch.setattr(organization, "member_services", assume)
    [result] = audit_accounts(
        offline_services(),
        [{"Id": MEMBER, "Name": "workloads"}],
        audit_one=lambda services: audit(root_mfa=True),
        sleep=lambda seconds: None,
    )
    assert result.status == "audited" and tries == [MEMBER, MEMBER]


def test_the_backoff_doubles_with_jitter_and_stays_within_its_budget():
    bases = [organization.BACKOFF_FIRST_SECONDS * 2 ** (a - 1) for a in range(1, BACKOFF_ATTEMPTS)]
    for attempt, base in enumerate(bases, start=1):
        waits = {backoff_delay(attempt) for _ in range(20)}
        assert all(base / 2 <= w <= base for w in waits) and len(waits) > 1
    # Even every jitter at its top leaves the whole wait within the budget.
    assert sum(bases) <= BACKOFF_BUDGET_SECONDS


# ----------------------------------------------------------------------------- root verdicts


def test_no_root_credentials_means_root_mfa_off_is_no_finding():
    account = AccountAudit(
        MEMBER,
        "platform",
        "audited",
        audit=audit(users=(console_user("ops", mfa=True),)),
        root_credentials=root_credentials_found(False, (), (), ()),
    )
    assert account.root_credentials.state == "absent"
    assert account.clean and not account.root_finding
    assert "no root credentials" in account.summary_line()
    assert "root MFA OFF" not in account.summary_line()


def test_root_credentials_present_without_mfa_are_a_finding():
    creds = root_credentials_found(True, ("AKIAROOTKEY",), (), ())
    account = AccountAudit(MEMBER, "workloads", "audited", audit=audit(), root_credentials=creds)
    assert creds.state == "present" and creds.detail == "password, 1 access key"
    assert not account.clean and account.root_finding
    assert "root MFA OFF, root credentials present (password, 1 access key)" in (
        account.summary_line()
    )
    doc = account.to_json()
    assert doc["root_credentials"] == {
        "state": "present",
        "detail": "password, 1 access key",
        "password": True,
        "access_keys": 1,
        "signing_certificates": 0,
        "mfa_devices": 0,
    }
    assert {"account_id", "account_name", "status", "reason", "audit"} <= set(doc)


@pytest.mark.parametrize("state", ["unknown", "not checked"])
def test_an_unknown_or_unchecked_root_keeps_the_root_mfa_finding(state):
    account = AccountAudit(
        MEMBER, "x", "audited", audit=audit(), root_credentials=RootCredentials(state, "why")
    )
    assert not account.clean and "root MFA OFF" in account.summary_line()


def test_users_without_mfa_are_a_finding_whatever_the_root():
    account = AccountAudit(
        MEMBER,
        "x",
        "audited",
        audit=audit(users=(console_user("new.hire", mfa=False),)),
        root_credentials=root_credentials_found(False, (), (), ()),
    )
    assert not account.clean


# ----------------------------------------------------------------------------- AssumeRoot


def stubbed_access(services: Services, reads: dict[str, list[tuple[str, dict | str]]]):
    """A RootAccess whose STS and root IAM clients are Stubber-wrapped real clients: AssumeRoot
    answers credentials whose key id is ASIA + the account; the root IAM client for those
    credentials answers `reads[account]` ((operation, response or error code) in call order)."""
    sts = services.session.client("sts", region_name=services.region)
    sts_stub = Stubber(sts)
    stubs = [sts_stub]

    def root_iam(credentials):
        iam = services.session.client(
            "iam",
            region_name=services.region,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        stub = Stubber(iam)
        for operation, answer in reads[credentials["AccessKeyId"].removeprefix("ASIA")]:
            if isinstance(answer, str):
                stub.add_client_error(operation, service_error_code=answer, http_status_code=404)
            else:
                stub.add_response(operation, answer)
        stub.activate()
        stubs.append(stub)
        return iam

    return RootAccess(features_iam=None, sts=sts, root_iam=root_iam), sts_stub, stubs


def assume_root_answer(account_id: str) -> dict:
    return {
        "Credentials": {
            "AccessKeyId": f"ASIA{account_id}",
            "SecretAccessKey": "secret",
            "SessionToken": "token",
            "Expiration": NOW,
        }
    }


NOTHING = [
    ("get_login_profile", "NoSuchEntity"),
    ("list_access_keys", {"AccessKeyMetadata": []}),
    ("list_signing_certificates", {"Certificates": []}),
    ("list_mfa_devices", {"MFADevices": []}),
]


def test_assume_root_with_the_audit_task_policy_and_nothing_found_is_absent():
    services = offline_services()
    access, sts_stub, stubs = stubbed_access(services, {MEMBER: NOTHING})
    sts_stub.add_response(
        "assume_root",
        assume_root_answer(MEMBER),
        expected_params={
            "TargetPrincipal": MEMBER,
            "TaskPolicyArn": {"arn": AUDIT_ARN},
            "DurationSeconds": 900,
        },
    )
    with sts_stub:
        creds = check_root_credentials(access, MEMBER, "aws")
    assert creds.state == "absent", creds.detail
    for stub in stubs:
        stub.assert_no_pending_responses()


def test_a_root_password_and_devices_are_present():
    services = offline_services()
    reads = [
        ("get_login_profile", {"LoginProfile": {"UserName": "root", "CreateDate": NOW}}),
        ("list_access_keys", {"AccessKeyMetadata": []}),
        (
            "list_signing_certificates",
            {
                "Certificates": [
                    {
                        "UserName": "root",
                        "CertificateId": "C" * 24,
                        "CertificateBody": "-----BEGIN CERTIFICATE-----",
                        "Status": "Active",
                    }
                ]
            },
        ),
        ("list_mfa_devices", {"MFADevices": []}),
    ]
    access, sts_stub, _ = stubbed_access(services, {MEMBER: reads})
    sts_stub.add_response("assume_root", assume_root_answer(MEMBER))
    with sts_stub:
        creds = check_root_credentials(access, MEMBER, "aws")
    assert creds.state == "present" and creds.password
    assert creds.detail == "password, 1 signing certificate"
    assert creds.certificate_ids == ("C" * 24,)


def test_assume_root_refused_is_unknown_with_the_reason():
    services = offline_services()
    access, sts_stub, _ = stubbed_access(services, {})
    sts_stub.add_client_error(
        "assume_root", service_error_code="AccessDenied", http_status_code=403
    )
    with sts_stub:
        creds = check_root_credentials(access, MEMBER, "aws")
    assert creds.state == "unknown" and "AssumeRoot" in creds.detail


def test_a_root_read_refused_is_unknown_never_absent():
    services = offline_services()
    reads = [("get_login_profile", "AccessDenied")]
    access, sts_stub, _ = stubbed_access(services, {MEMBER: reads})
    sts_stub.add_response("assume_root", assume_root_answer(MEMBER))
    with sts_stub:
        creds = check_root_credentials(access, MEMBER, "aws")
    assert creds.state == "unknown" and "GetLoginProfile" in creds.detail


def test_assume_root_goes_to_a_regional_sts_endpoint(monkeypatch):
    # A config that asks for the legacy global endpoint: AssumeRoot is not served there.
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    sts = regional_sts(offline_services("eu-west-1"))
    assert sts.meta.endpoint_url == "https://sts.eu-west-1.amazonaws.com"
    assert sts.meta.region_name == "eu-west-1"
    # An endpoint the user configured (the demo, a proxy, AWS_ENDPOINT_URL) is kept as it is.
    local = offline_services(endpoint_url="http://127.0.0.1:5000")
    assert regional_sts(local).meta.endpoint_url == "http://127.0.0.1:5000"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5001")
    assert regional_sts(offline_services()).meta.endpoint_url == "http://127.0.0.1:5001"
