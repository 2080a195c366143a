"""The trail's KMS key and its two buckets, the links of the alerting chain that store the
evidence (wizard/verify/alerting.py reads the rest). `chain` is the AlertingCheck: its `read`
turns a denied or throttled read into an "unproven" finding."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from wizard.errors import is_absent
from wizard.i18n import N_, _

# The fix of every broken link the wizard makes: its plan reads the same things and puts them back.
APPLY = N_("mfa-wizard monitor apply (it plans first and shows each change)")


def check_key(chain: Any, trail: dict[str, Any]) -> None:
    """The trail's KMS key is enabled and lets CloudTrail use it."""
    key_id = trail.get("KmsKeyId")
    if not key_id:
        chain.r.held("kms_key", trail["Name"], _("no KMS key (SSE-S3)"), "cloudtrail")
        return
    kms = chain.s.in_region(key_id.split(":")[3] if key_id.startswith("arn:") else "").client("kms")
    meta = chain.read(
        "kms_key", key_id, "DescribeKey", lambda: kms.describe_key(KeyId=key_id)["KeyMetadata"]
    )
    policy = json.loads(
        chain.read(
            "kms_key",
            key_id,
            "GetKeyPolicy",
            lambda: kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"],
        )
    )
    wrong = []
    if meta.get("KeyState") != "Enabled":
        wrong.append(_("it is {state}: CloudTrail cannot write").format(state=meta.get("KeyState")))
    allowed = {
        p
        for s in policy.get("Statement", [])
        if s.get("Effect") == "Allow"
        for p in _services(s.get("Principal"))
    }
    for service, why in key_users(chain, kms, meta).items():
        if service not in allowed:
            wrong.append(
                _("its policy does not let {service} use it ({why})").format(
                    service=service, why=why
                )
            )
    if wrong:
        chain.r.fail(
            "kms_key", meta.get("Arn", key_id), _("; ").join(wrong), _(APPLY), "kms:GetKeyPolicy"
        )
    else:
        chain.r.held(
            "kms_key",
            meta.get("Arn", key_id),
            _("enabled; its policy lets {services} use it").format(
                services=", ".join(sorted(allowed))
            ),
            "kms:GetKeyPolicy",
        )


def key_users(chain: Any, kms: Any, meta: dict[str, Any]) -> dict[str, str]:
    """The services that must be able to use the key, and why: CloudTrail always (it encrypts
    the trail); CloudWatch Logs when the log group is encrypted with it; CloudWatch alarms when
    the alert topic is (else the alarm's message is never delivered)."""
    arn = meta.get("Arn", "")
    needed = {"cloudtrail.amazonaws.com": _("it encrypts the trail")}
    logs = chain.s.client("logs")
    groups = chain.read(
        "kms_key",
        arn,
        "DescribeLogGroups",
        lambda: logs.describe_log_groups(logGroupNamePrefix=chain.group)["logGroups"],
    )
    if any(g["logGroupName"] == chain.group and g.get("kmsKeyId") == arn for g in groups):
        needed[f"logs.{chain.s.region}.amazonaws.com"] = _("it encrypts {what}").format(
            what=chain.group
        )
    for topic in getattr(chain, "topics", []):
        sns = chain.s.in_region(topic.split(":")[3]).client("sns")
        attributes = chain.read(
            "kms_key",
            arn,
            "GetTopicAttributes",
            lambda topic=topic, sns=sns: sns.get_topic_attributes(TopicArn=topic)["Attributes"],
        )
        alias = attributes.get("KmsMasterKeyId")
        if not alias:
            continue
        used = chain.read(
            "kms_key", arn, "DescribeKey", lambda alias=alias: kms.describe_key(KeyId=alias)
        )["KeyMetadata"].get("Arn")
        if used == arn:
            needed["cloudwatch.amazonaws.com"] = _("it encrypts {what}").format(
                what=topic.rsplit(":", 1)[-1]
            )
    return needed


def check_buckets(chain: Any, trail: dict[str, Any]) -> None:
    """The trail bucket and its access-log bucket keep their settings."""
    s3 = chain.s.client("s3")
    bucket = trail["S3BucketName"]
    check_bucket(chain, s3, bucket)
    logging = chain.read(
        "bucket", bucket, "GetBucketLogging", lambda: s3.get_bucket_logging(Bucket=bucket)
    ).get("LoggingEnabled")
    if logging and logging.get("TargetBucket"):
        check_bucket(chain, s3, logging["TargetBucket"])


def check_bucket(chain: Any, s3: Any, bucket: str) -> None:
    """Private, encrypted, versioned, TLS only (what Prowler reads of every bucket)."""

    def optional(op: str, call: Callable[[], Any]) -> Any:
        def guarded() -> Any:
            try:
                return call()
            except Exception as exc:
                if is_absent(exc):  # no such setting (ABSENT_CODES holds S3's codes for it)
                    return None
                raise

        return chain.read("bucket", bucket, op, guarded)

    pab = optional(
        "GetPublicAccessBlock",
        lambda: s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
    )
    encryption = optional("GetBucketEncryption", lambda: s3.get_bucket_encryption(Bucket=bucket))
    versioning = optional("GetBucketVersioning", lambda: s3.get_bucket_versioning(Bucket=bucket))
    policy = optional("GetBucketPolicy", lambda: s3.get_bucket_policy(Bucket=bucket)["Policy"])
    wrong = []
    if not pab or not all(pab.values()):
        wrong.append(_("Block Public Access is not fully on"))
    if not encryption:
        wrong.append(_("no default encryption"))
    if (versioning or {}).get("Status") != "Enabled":
        wrong.append(_("versioning is not enabled"))
    if not policy or not _denies_plain_http(json.loads(policy)):
        wrong.append(_("its policy does not deny plain HTTP"))
    if wrong:
        chain.r.fail("bucket", bucket, _("; ").join(wrong), _(APPLY), "s3:GetBucket*")
    else:
        chain.r.held(
            "bucket", bucket, _("private, encrypted, versioned, TLS only"), "s3:GetBucket*"
        )


def _services(principal: Any) -> list[str]:
    if not isinstance(principal, dict):
        return []
    value = principal.get("Service", [])
    return [value] if isinstance(value, str) else list(value)


def _denies_plain_http(policy: dict[str, Any]) -> bool:
    for s in policy.get("Statement", []):
        condition = (s.get("Condition") or {}).get("Bool", {})
        actions = s.get("Action")
        actions = [actions] if isinstance(actions, str) else list(actions or [])
        if (
            s.get("Effect") == "Deny"
            and str(condition.get("aws:SecureTransport")).lower() == "false"
            and ("s3:*" in actions or "*" in actions)
        ):
            return True
    return False
