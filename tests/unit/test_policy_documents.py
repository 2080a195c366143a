"""The policy documents against AWS's documented statements, evaluated by a small evaluator."""

from __future__ import annotations

import json

import pytest

from tests.support.policy_eval import allowed_by, denied
from wizard.policy_documents import describe_policy, document_diff, load_document
from wizard.scp import scp_document

# From "AWS: Allows MFA-authenticated IAM users to manage their own credentials on the Security
# credentials page" (IAM User Guide, reference_policies_examples_aws_my-sec-creds-self-manage).
DOCUMENTED_SIDS = [
    "AllowViewAccountInfo",
    "AllowManageOwnPasswords",
    "AllowManageOwnAccessKeys",
    "AllowManageOwnSigningCertificates",
    "AllowManageOwnSSHPublicKeys",
    "AllowManageOwnGitCredentials",
    "AllowManageOwnVirtualMFADevice",
    "AllowManageOwnUserMFA",
    "DenyAllExceptListedIfNoMFA",
]
# AWS's documented exemptions. iam:ChangePassword is deliberately not one of them (AWS: it can be
# added, but that is not recommended): changing a password needs MFA first.
DOCUMENTED_NOT_ACTION = {
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:GetMFADevice",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
}
ENROLMENT_CALLS = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:ListMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
]
USER = "arn:aws:iam::123456789012:user/alice"
PATH_USER = "arn:aws:iam::123456789012:user/engineering/alice"
# The documented self-service resource, plus the one that lets users with a path match it.
OWN = ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/*/${aws:username}"]
ROLE = "arn:aws:iam::123456789012:role/ci-deploy"


def by_sid(document):
    return {s["Sid"]: s for s in document["Statement"]}


def test_statements_are_the_documented_ones():
    document = load_document()
    assert document["Version"] == "2012-10-17"
    assert [s["Sid"] for s in document["Statement"]] == DOCUMENTED_SIDS


def test_deny_statement_operator_key_and_exemptions():
    deny = by_sid(load_document())["DenyAllExceptListedIfNoMFA"]
    assert deny["Effect"] == "Deny" and deny["Resource"] == "*"
    assert "Action" not in deny
    assert set(deny["NotAction"]) == DOCUMENTED_NOT_ACTION
    # BoolIfExists, not Bool: long-term access keys carry no MFA key at all and must be denied.
    assert deny["Condition"] == {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}


@pytest.mark.parametrize(
    ("sid", "actions", "resource"),
    [
        (
            "AllowManageOwnPasswords",
            {"iam:ChangePassword", "iam:GetUser"},
            OWN,
        ),
        (
            "AllowManageOwnAccessKeys",
            {
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey",
                "iam:GetAccessKeyLastUsed",
            },
            OWN,
        ),
        ("AllowManageOwnVirtualMFADevice", {"iam:CreateVirtualMFADevice"}, "arn:aws:iam::*:mfa/*"),
        (
            "AllowManageOwnUserMFA",
            {
                "iam:DeactivateMFADevice",
                "iam:EnableMFADevice",
                "iam:GetMFADevice",
                "iam:ListMFADevices",
                "iam:ResyncMFADevice",
            },
            OWN,
        ),
    ],
)
def test_self_service_statements(sid, actions, resource):
    statement = by_sid(load_document())[sid]
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == actions
    assert statement["Resource"] == resource


@pytest.mark.parametrize(
    "action",
    [
        "s3:ListAllMyBuckets",
        "ec2:RunInstances",
        "iam:CreateUser",
        "iam:DeactivateMFADevice",
        "iam:CreateAccessKey",
    ],
)
def test_without_mfa_everything_else_is_denied(action):
    document = load_document()
    assert denied(document, action, {"aws:MultiFactorAuthPresent": "false"})
    # A request signed with long-term access keys has no MFA key: BoolIfExists denies it too.
    assert denied(document, action, {})
    assert not denied(document, action, {"aws:MultiFactorAuthPresent": "true"})


@pytest.mark.parametrize("action", ENROLMENT_CALLS)
def test_enrolment_calls_are_never_denied(action):
    document = load_document()
    for context in (
        {},
        {"aws:MultiFactorAuthPresent": "false"},
        {"aws:MultiFactorAuthPresent": "true"},
    ):
        assert not denied(document, action, context)


@pytest.mark.parametrize("me", [USER, PATH_USER])
def test_with_mfa_users_manage_their_own_keys_and_nothing_else(me):
    document = load_document()
    with_mfa = {"aws:MultiFactorAuthPresent": "true", "aws:username": "alice"}
    without = {"aws:MultiFactorAuthPresent": "false", "aws:username": "alice"}
    for action in ("iam:CreateAccessKey", "iam:ChangePassword", "iam:DeactivateMFADevice"):
        assert allowed_by(document, action, with_mfa, resource=me), (action, me)
        # Without MFA: only the enrolment calls, never the rest of self-service.
        assert not allowed_by(document, action, without, resource=me), (action, me)
    for action in ("iam:EnableMFADevice", "iam:ListMFADevices", "iam:GetUser"):
        assert allowed_by(document, action, without, resource=me), (action, me)
    # Someone else's user is never theirs, with MFA or not.
    bob = "arn:aws:iam::123456789012:user/engineering/bob"
    assert not allowed_by(document, "iam:CreateAccessKey", with_mfa, resource=bob)
    assert not allowed_by(document, "iam:EnableMFADevice", without, resource=bob)


def test_documented_resource_alone_would_miss_path_users():
    # What AWS's text gives: a user at /engineering/ matches none of it (why the path form exists).
    from tests.support.policy_eval import statement_applies

    documented = {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": OWN[0]}
    context = {"aws:username": "alice"}
    assert statement_applies(documented, "iam:CreateAccessKey", context, resource=USER)
    assert not statement_applies(documented, "iam:CreateAccessKey", context, resource=PATH_USER)


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_every_arn_follows_the_partition(partition):
    import json as _json

    text = _json.dumps(load_document(partition=partition)) + _json.dumps(scp_document(partition))
    assert "arn:aws:" not in text and f"arn:{partition}:" in text


def test_scp_denies_iam_users_without_mfa():
    scp = scp_document()
    assert denied(
        scp, "s3:GetObject", {"aws:PrincipalArn": USER, "aws:MultiFactorAuthPresent": "false"}
    )
    assert denied(scp, "s3:GetObject", {"aws:PrincipalArn": USER})  # long-term keys
    assert not denied(
        scp, "s3:GetObject", {"aws:PrincipalArn": USER, "aws:MultiFactorAuthPresent": "true"}
    )
    for action in ENROLMENT_CALLS:
        assert not denied(scp, action, {"aws:PrincipalArn": USER})


@pytest.mark.parametrize(
    "principal",
    [
        ROLE,
        "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123",
        "arn:aws:iam::123456789012:root",
    ],
)
@pytest.mark.parametrize("action", ["s3:GetObject", "ec2:RunInstances", "iam:CreateUser", "*"])
def test_scp_never_matches_a_role_principal(principal, action):
    scp = scp_document()
    for mfa in (None, "false", "true"):
        context = {"aws:PrincipalArn": principal}
        if mfa is not None:
            context["aws:MultiFactorAuthPresent"] = mfa
        assert not denied(scp, action, context)


def test_the_seed_scp_would_have_denied_roles():
    """The evaluator can tell: seed 002's SCP (deny * without MFA) hits role sessions."""
    naive = {
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            }
        ]
    }
    assert denied(naive, "s3:GetObject", {"aws:PrincipalArn": ROLE})
    assert denied(naive, "iam:EnableMFADevice", {"aws:PrincipalArn": USER})


def test_description_names_every_statement_and_the_condition():
    text = "\n".join(describe_policy(load_document()))
    assert "change their own password" in text and "access keys" in text
    assert "GetSessionToken" in text and "BoolIfExists aws:MultiFactorAuthPresent = false" in text


def test_diff_ignores_key_order_and_spacing():
    document = load_document()
    shuffled = {"Statement": document["Statement"], "Version": document["Version"]}
    assert document_diff(document, shuffled) == []
    changed = {**document, "Statement": document["Statement"][:-1]}
    assert any(
        line.startswith("-") and "DenyAllExceptListedIfNoMFA" in line
        for line in document_diff(document, changed)
    )


def test_monitoring_arns_follow_the_region_partition():
    from wizard.monitoring import names_for

    cn = names_for("123456789012", "cn-north-1")
    gov = names_for("123456789012", "us-gov-west-1")
    assert cn.topic_arn.startswith("arn:aws-cn:sns:") and cn.trail_arn.startswith("arn:aws-cn:")
    assert gov.log_group_arn.startswith("arn:aws-us-gov:logs:")


# ------------------------------------------------------------------ the CloudTrail key policy


def _for(principal: dict, document: dict) -> dict:
    """The statements that name this principal (the evaluator does not model principals)."""
    return {
        "Statement": [
            s for s in document["Statement"] if s.get("Principal") in (principal, {"AWS": "*"})
        ]
    }


def test_key_policy_lets_cloudtrail_describe_encrypt_and_decrypt_for_our_trail_only():
    from wizard.monitoring.documents import kms_key_policy
    from wizard.monitoring.names import names_for

    n = names_for("123456789012", "eu-west-1")
    cloudtrail = _for({"Service": "cloudtrail.amazonaws.com"}, kms_key_policy(n))
    ours = {"aws:SourceArn": n.trail_arn}
    context = {**ours, "kms:EncryptionContext:aws:cloudtrail:arn": n.trail_arn}
    # DescribeKey carries no encryption context: it must be allowed on SourceArn alone.
    assert allowed_by(cloudtrail, "kms:DescribeKey", ours)
    assert allowed_by(cloudtrail, "kms:GenerateDataKey", context)
    assert not allowed_by(cloudtrail, "kms:GenerateDataKey", ours)  # no context, no key
    # S3 Bucket Key: CloudTrail needs Decrypt to create or update the trail.
    assert allowed_by(cloudtrail, "kms:Decrypt", ours)
    other = {"aws:SourceArn": n.trail_arn.replace(n.trail, "someone-elses-trail")}
    for action in ("kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"):
        assert not allowed_by(cloudtrail, action, {**context, **other})


def test_key_policy_lets_this_account_read_the_logs_and_alarms_publish():
    from wizard.monitoring.documents import kms_key_policy
    from wizard.monitoring.names import names_for

    n = names_for("123456789012", "us-east-1")
    document = kms_key_policy(n)
    anyone = _for({"AWS": "*"}, document)
    log_file = {"kms:EncryptionContext:aws:cloudtrail:arn": n.trail_arn}
    assert allowed_by(anyone, "kms:Decrypt", {"kms:CallerAccount": n.account, **log_file})
    assert not allowed_by(anyone, "kms:Decrypt", {"kms:CallerAccount": "999999999999", **log_file})
    alarms = _for({"Service": "cloudwatch.amazonaws.com"}, document)
    ours = {"aws:SourceAccount": n.account}
    assert allowed_by(alarms, "kms:GenerateDataKey", ours)
    assert allowed_by(alarms, "kms:Decrypt", ours)
    # Another account's alarm cannot make the service use this key for it (confused deputy).
    assert not allowed_by(alarms, "kms:GenerateDataKey", {"aws:SourceAccount": "999999999999"})
    assert not allowed_by(alarms, "kms:Decrypt", {})


def test_key_policy_arns_follow_the_partition():
    from wizard.monitoring.documents import kms_key_policy
    from wizard.monitoring.names import names_for

    n = names_for("123456789012", "cn-north-1")
    text = json.dumps(kms_key_policy(n))
    assert "arn:aws-cn:" in text and "arn:aws:" not in text
