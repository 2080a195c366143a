"""The policy documents of the Monitor step (bucket, key, roles, topic, scheduler)."""

from __future__ import annotations

from typing import Any

from wizard.i18n import _
from wizard.monitoring.names import Names


def deny_plain_http(partition: str, bucket: str) -> dict[str, Any]:
    """Every S3 call on `bucket` over plain HTTP is denied (CIS s3_bucket_secure_transport_policy)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:{partition}:s3:::{bucket}", f"arn:{partition}:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


CONFIG_PREFIX = "config"  # where AWS Config's delivery channel writes in the trail bucket


def config_bucket_statements(n: Names) -> list[dict[str, Any]]:
    """AWS Config's three statements (its developer guide), for this account only: it delivers
    as its service principal when it records through its service-linked role."""
    config = {"Service": "config.amazonaws.com"}
    mine = {"aws:SourceAccount": n.account}
    bucket = f"arn:{n.partition}:s3:::{n.bucket}"
    return [
        {
            "Sid": "AWSConfigBucketPermissionsCheck",
            "Effect": "Allow",
            "Principal": config,
            "Action": "s3:GetBucketAcl",
            "Resource": bucket,
            "Condition": {"StringEquals": mine},
        },
        {
            "Sid": "AWSConfigBucketExistenceCheck",
            "Effect": "Allow",
            "Principal": config,
            "Action": "s3:ListBucket",
            "Resource": bucket,
            "Condition": {"StringEquals": mine},
        },
        {
            "Sid": "AWSConfigBucketDelivery",
            "Effect": "Allow",
            "Principal": config,
            "Action": "s3:PutObject",
            "Resource": f"{bucket}/{CONFIG_PREFIX}/AWSLogs/{n.account}/Config/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **mine}},
        },
    ]


def config_key_statement(n: Names) -> dict[str, Any]:
    """AWS Config may encrypt what it delivers to the (SSE-KMS) trail bucket, for this account."""
    return {
        "Sid": "AllowConfigToEncryptDeliveries",
        "Effect": "Allow",
        "Principal": {"Service": "config.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": n.account}},
    }


def bucket_policy(n: Names, config: bool = False) -> dict[str, Any]:
    """CloudTrail may check the ACL and write (owner full control), only for our trail; AWS Config
    too when it delivers here (`config`); no plain HTTP."""
    source = {"aws:SourceArn": n.trail_arn}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:{n.partition}:s3:::{n.bucket}",
                "Condition": {"StringEquals": source},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:{n.partition}:s3:::{n.bucket}/AWSLogs/{n.account}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}
                },
            },
            *(
                [
                    {
                        # An organization trail writes every member's logs under the org's id.
                        "Sid": "AWSCloudTrailOrganizationWrite",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:{n.partition}:s3:::{n.bucket}/AWSLogs/{n.organization}/*",
                        "Condition": {
                            "StringEquals": {
                                "s3:x-amz-acl": "bucket-owner-full-control",
                                **source,
                            }
                        },
                    }
                ]
                if n.organization
                else []
            ),
            *(config_bucket_statements(n) if config else []),
            deny_plain_http(n.partition, n.bucket),
        ],
    }


def kms_key_policy(n: Names, config: bool = False) -> dict[str, Any]:
    """The key policy CloudTrail's documentation gives, plus the alarm topic's grant.

    * CloudTrail encrypts (GenerateDataKey*) for our trail, with the encryption-context condition.
    * DescribeKey is a statement of its own with SourceArn only: DescribeKey carries no
      encryption context, so inside the statement above it would be denied and CreateTrail fail.
    * CloudTrail may Decrypt for our trail: AWS requires it when the bucket uses an S3 Bucket Key
      (ours does), to create or update the trail.
    * Principals of this account may decrypt the log files (and nobody else's account).
    * CloudWatch Logs (the regional service principal) may use it for our log group only: the
      encryption context of every log-group operation is the log group's ARN.
    * CloudWatch alarms may use the key of the encrypted alarm topic.
    """
    trail_context = {
        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{n.partition}:cloudtrail:*:{n.account}:trail/*"
    }
    our_trail = {"aws:SourceArn": n.trail_arn}
    cloudtrail = {"Service": "cloudtrail.amazonaws.com"}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableAccountAdministration",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{n.partition}:iam::{n.account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AllowCloudTrailToEncryptLogs",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {"StringEquals": our_trail, "StringLike": trail_context},
            },
            {
                "Sid": "AllowCloudTrailToDescribeKey",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": {"StringEquals": our_trail},
            },
            {
                "Sid": "AllowCloudTrailToDecryptWithTheBucketKey",
                "Effect": "Allow",
                "Principal": cloudtrail,
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": our_trail},
            },
            {
                "Sid": "AllowPrincipalsInTheAccountToDecryptLogFiles",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": n.account},
                    "StringLike": trail_context,
                },
            },
            {
                "Sid": "AllowCloudWatchLogsToEncryptTheLogGroup",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{n.region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnEquals": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{n.partition}:logs:{n.region}:{n.account}:log-group:{n.log_group}"
                        )
                    }
                },
            },
            {
                "Sid": "AllowCloudWatchAlarmsToUseTheTopicKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                # The confused deputy: only alarms of this account may use the key through the
                # service (AWS's recommendation for every service principal in a key policy).
                "Condition": {"StringEquals": {"aws:SourceAccount": n.account}},
            },
            *([config_key_statement(n)] if config else []),
        ],
    }


def access_logs_bucket_policy(n: Names) -> dict[str, Any]:
    """S3 server access logging of the trail bucket may write here (and nothing else); no plain
    HTTP. The logging service principal with SourceArn/SourceAccount, as S3's documentation
    recommends over the old log-delivery group ACL."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3ServerAccessLogsOfTheTrailBucket",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:{n.partition}:s3:::{n.access_logs_bucket}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": f"arn:{n.partition}:s3:::{n.bucket}"},
                    "StringEquals": {"aws:SourceAccount": n.account},
                },
            },
            deny_plain_http(n.partition, n.access_logs_bucket),
        ],
    }


def logs_role_trust() -> dict[str, Any]:
    """CloudTrail may assume the delivery role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def logs_role_policy(n: Names) -> dict[str, Any]:
    """CreateLogStream and PutLogEvents on our log group's streams only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:{n.partition}:logs:{n.region}:{n.account}:log-group:{n.log_group}:log-stream:*",
            }
        ],
    }


def topic_policy(n: Names) -> dict[str, Any]:
    """Only this account's CloudWatch alarms may publish; the owner manages the topic."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnerManagesTopic",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{n.partition}:iam::{n.account}:root"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:DeleteTopic",
                ],
                "Resource": n.topic_arn,
            },
            {
                "Sid": "AllowCloudWatchAlarmsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": n.topic_arn,
                "Condition": {
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{n.partition}:cloudwatch:{n.region}:{n.account}:alarm:*"
                    },
                    "StringEquals": {"aws:SourceAccount": n.account},
                },
            },
        ],
    }


def scheduler_trust(n: Names) -> dict[str, Any]:
    """EventBridge Scheduler of this account may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": n.account}},
            }
        ],
    }


def scheduler_policy(n: Names, alarms: list[str]) -> dict[str, Any]:
    """Only Disable/EnableAlarmActions, only on the chosen alarms."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"],
                "Resource": [n.alarm_arn(a) for a in alarms],
            }
        ],
    }


def mfa_delete_command(bucket: str, account: str, partition: str = "aws") -> str:
    """The root-only command that enables MFA Delete (the wizard cannot run it)."""
    return (
        f"aws s3api put-bucket-versioning --bucket {bucket} "
        f"--versioning-configuration Status=Enabled,MFADelete=Enabled "
        f'--mfa "arn:{partition}:iam::{account}:mfa/root-account-mfa-device 123456"   # '
    ) + _("as root, with the root user's code")
