"""The narrow evaluator verify falls back on (wizard/verify/deny.py): only a Deny that certainly
applies to a request without MFA counts; anything it cannot read does not."""

from __future__ import annotations

import pytest

from wizard.policy_documents import load_document
from wizard.verify.deny import explicitly_denied

USER = "alice"
ME = "arn:aws:iam::123456789012:user/alice"


def deny(condition: dict, **fields) -> dict:
    statement = {"Effect": "Deny", "Resource": "*", "Condition": condition, **fields}
    statement.setdefault("Action", "*")
    return {"Statement": [statement]}


@pytest.mark.parametrize("mfa", [False, None])  # console without MFA; long-term access keys
def test_the_documented_policy_denies_everything_but_mfa_set_up_without_mfa(mfa):
    doc = [load_document()]
    assert explicitly_denied(doc, "s3:ListAllMyBuckets", "*", USER, mfa)
    assert explicitly_denied(doc, "iam:ChangePassword", ME, USER, mfa)
    for action in ("iam:EnableMFADevice", "iam:ListMFADevices", "iam:GetUser"):
        assert not explicitly_denied(doc, action, ME, USER, mfa)
    assert not explicitly_denied(doc, "sts:GetSessionToken", "*", USER, mfa)
    # With MFA nothing is denied.
    assert not explicitly_denied(doc, "s3:ListAllMyBuckets", "*", USER, True)


def test_bool_without_if_exists_misses_long_term_keys():
    doc = [deny({"Bool": {"aws:MultiFactorAuthPresent": "false"}})]
    assert explicitly_denied(doc, "s3:PutObject", "*", USER, mfa=False)
    assert not explicitly_denied(doc, "s3:PutObject", "*", USER, mfa=None)


def test_null_on_the_age_key_is_read_as_without_mfa():
    doc = [deny({"Null": {"aws:MultiFactorAuthAge": "true"}})]
    assert explicitly_denied(doc, "ec2:RunInstances", "*", USER, mfa=None)
    assert not explicitly_denied(doc, "ec2:RunInstances", "*", USER, mfa=True)


def test_a_condition_it_cannot_read_is_never_counted():
    doc = [
        deny(
            {
                "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
                "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
            }
        )
    ]
    assert not explicitly_denied(doc, "s3:PutObject", "*", USER, mfa=False)


def test_a_narrower_resource_does_not_cover_every_call():
    doc = [
        deny({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, Resource="arn:aws:s3:::x")
    ]
    assert not explicitly_denied(doc, "s3:PutObject", "*", USER, mfa=False)


def test_allow_statements_are_never_denials():
    doc = [{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}]
    assert not explicitly_denied(doc, "s3:PutObject", "*", USER, mfa=False)


def test_root_without_mfa_fails_on_aws_and_is_only_not_shown_on_an_emulator():
    from datetime import UTC, datetime

    from wizard.models import AuditResult
    from wizard.verify import VerifyReport, verify_humans

    audit = AuditResult("1", datetime.now(UTC), None, root_mfa_active=False, users=())
    on_aws = VerifyReport("1")
    verify_humans(audit, on_aws, endpoint=None)
    assert [(f.check, f.subject, f.severity) for f in on_aws.findings] == [("mfa", "root", "fail")]
    assert on_aws.exit_code == 1
    on_moto = VerifyReport("1")
    verify_humans(audit, on_moto, endpoint="http://127.0.0.1:5000")
    assert on_moto.findings == [] and on_moto.not_shown and on_moto.holds
