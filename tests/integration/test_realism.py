"""The realism layer itself (tests/support/realism.py): it must refuse what AWS refuses.

Without these, a layer that let everything through would leave every "first run succeeds" test
green whatever the wizard's code does.
"""

from __future__ import annotations

import json

import pyotp
import pytest
from botocore.exceptions import ClientError

from tests.support.aws import good_codes
from wizard import clock

FAST = pytest.mark.realism(propagation=1.0)
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
}


def code_of(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


@FAST
def test_a_new_bucket_policy_is_invisible_to_cloudtrail_for_a_while(services):
    s3, ct = services.client("s3"), services.client("cloudtrail")
    s3.create_bucket(Bucket="realism-trail")
    s3.put_bucket_policy(Bucket="realism-trail", Policy=json.dumps({"Statement": []}))
    with pytest.raises(ClientError) as refused:
        ct.create_trail(Name="trail", S3BucketName="realism-trail")
    assert code_of(refused) == "InsufficientS3BucketPolicyException"
    clock.sleep(1.1)  # virtual time: the layer reads the same clock
    assert ct.create_trail(Name="trail", S3BucketName="realism-trail")["Name"] == "trail"


@FAST
def test_a_new_policy_and_group_are_invisible_to_attach_for_a_while(services):
    iam = services.iam
    arn = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(DOCUMENT))["Policy"]["Arn"]
    iam.create_group(GroupName="g")
    for call in (
        lambda: iam.attach_group_policy(GroupName="g", PolicyArn=arn),
        lambda: iam.add_user_to_group(GroupName="g", UserName="alice.nakamura"),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert code_of(refused) == "NoSuchEntity"
    clock.sleep(1.1)  # virtual time: the layer reads the same clock
    iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    iam.add_user_to_group(GroupName="g", UserName="alice.nakamura")


@FAST
def test_a_new_role_cannot_be_used_by_scheduler_at_once(services):
    services.iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    body = {
        "Name": "s",
        "ScheduleExpression": "rate(1 day)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": "arn:aws:sqs:us-east-1:123456789012:q",
            "RoleArn": "arn:aws:iam::123456789012:role/r",
        },
    }
    with pytest.raises(ClientError) as refused:
        services.client("scheduler").create_schedule(**body)
    assert code_of(refused) == "ValidationException"
    assert "assume the role" in refused.value.response["Error"]["Message"]


def test_enable_mfa_device_checks_two_consecutive_codes(services):
    iam = services.iam
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="realism")["VirtualMFADevice"]
    seed = (
        device["Base32StringSeed"].decode()
        if isinstance(device["Base32StringSeed"], bytes)
        else device["Base32StringSeed"]
    )
    previous, current = good_codes(seed)
    for one, two in (("000000", "000000"), (current, previous)):  # wrong, then reversed
        with pytest.raises(ClientError) as refused:
            iam.enable_mfa_device(
                UserName="dave.sato",
                SerialNumber=device["SerialNumber"],
                AuthenticationCode1=one,
                AuthenticationCode2=two,
            )
        assert code_of(refused) == "InvalidAuthenticationCode"
    iam.enable_mfa_device(
        UserName="dave.sato",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=previous,
        AuthenticationCode2=current,
    )


def test_get_session_token_checks_the_code_and_refuses_it_twice(demo, services):
    serial = demo.admin_mfa_serial
    code = pyotp.TOTP(demo.seeds[serial]).at(clock.time())
    sts = services.sts
    with pytest.raises(ClientError) as wrong:
        sts.get_session_token(
            SerialNumber=serial, TokenCode="000000" if code != "000000" else "111111"
        )
    assert code_of(wrong) == "AccessDenied"
    assert sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]["SessionToken"]
    with pytest.raises(ClientError) as reused:
        sts.get_session_token(SerialNumber=serial, TokenCode=code)
    assert code_of(reused) == "AccessDenied"


@pytest.mark.realism(report_seconds=1.0)
def test_the_credential_report_takes_time(services):
    iam = services.iam
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "INPROGRESS"
    with pytest.raises(ClientError) as early:
        iam.get_credential_report()
    assert code_of(early) == "ReportInProgress"
    clock.sleep(1.05)
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert b"alice.nakamura" in iam.get_credential_report()["Content"]


@pytest.mark.realism(throttle=0.3)
def test_throttling_is_absorbed_by_standard_retries_only(demo, realism):
    bare = demo.services(max_attempts=1)
    codes = []
    for _ in range(30):
        try:
            bare.iam.get_user(UserName="alice.nakamura")
        except ClientError as exc:
            codes.append(exc.response["Error"]["Code"])
    assert codes and set(codes) == {"Throttling"}  # refused as AWS refuses, in IAM's own words
    patient = demo.services(max_attempts=8)
    for _ in range(30):
        assert (
            patient.iam.get_user(UserName="alice.nakamura")["User"]["UserName"] == "alice.nakamura"
        )
    assert realism.refused["throttled"] > len(codes)
