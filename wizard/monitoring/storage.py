"""The trail bucket and the customer managed KMS key: read, plan, apply."""

from __future__ import annotations

import json
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.errors import aws_errors
from wizard.monitoring.base import BUCKET_POLICY, KMS_KEY, Change, PlannerBase, _try
from wizard.monitoring.documents import (
    bucket_policy,
    kms_key_policy,
)
from wizard.monitoring.names import PREFIX
from wizard.plan import Status


def merged_key_policy(current: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """`current` with our statements set by Sid: every statement someone else added is kept
    (CloudTrail's documentation: never change the existing sections of a key policy)."""
    mine = {s.get("Sid") for s in ours["Statement"]}
    kept = [s for s in current.get("Statement", []) if s.get("Sid") not in mine]
    return {**current, "Version": ours["Version"], "Statement": ours["Statement"] + kept}


class StorageMixin(PlannerBase):
    """The trail bucket and the customer managed KMS key: read, plan, apply."""

    def plan_key(self) -> None:
        kms = self.s.client("kms")
        alias = _try(lambda: kms.describe_key(KeyId=self.n.key_alias)["KeyMetadata"], "DescribeKey")
        if alias and alias.get("KeyState") == "Enabled":
            self.key_arn = alias["Arn"]
            key_id = alias["KeyId"]
            with aws_errors("GetKeyPolicy"):
                current = json.loads(
                    kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
                )
            wanted = merged_key_policy(current, kms_key_policy(self.n))
            if current == wanted:
                self.add(
                    Change(
                        "kms key", self.n.key_alias, Status.NOTHING, "customer managed key exists"
                    )
                )
                return

            def update() -> str:
                with aws_errors("PutKeyPolicy"):
                    kms.put_key_policy(
                        KeyId=key_id, PolicyName="default", Policy=json.dumps(wanted)
                    )
                self.progress.wrote(KMS_KEY)
                self.journal(
                    "update_key_policy",
                    alias["Arn"],
                    undo={"op": "restore_key_policy", "key": key_id, "policy": json.dumps(current)},
                )
                return alias["Arn"]

            self.add(
                Change(
                    "kms key",
                    self.n.key_alias,
                    Status.UPDATE,
                    "key policy lacks CloudTrail's documented statements (DescribeKey on its own, "
                    "Decrypt for the S3 Bucket Key): set ours by Sid, keep every other statement",
                    f"aws kms put-key-policy --key-id {key_id} --policy-name default --policy file://key-policy.json",
                    update,
                )
            )
            return

        def run() -> str:
            with aws_errors("CreateKey"):
                key = kms.create_key(
                    Description="mfa-wizard: CloudTrail logs and alarm topic",
                    Policy=json.dumps(kms_key_policy(self.n)),
                    Tags=[{"TagKey": TAG_KEY, "TagValue": TAG_VALUE}],
                )["KeyMetadata"]
                kms.create_alias(AliasName=self.n.key_alias, TargetKeyId=key["KeyId"])
            self.progress.wrote(KMS_KEY)
            self.key_arn = key["Arn"]
            self.journal(
                "create_kms_key",
                key["Arn"],
                undo={
                    "op": "schedule_key_deletion",
                    "key": key["KeyId"],
                    "alias": self.n.key_alias,
                },
            )
            return key["Arn"]

        self.key_arn = (
            f"arn:{self.n.partition}:kms:{self.n.region}:{self.n.account}:{self.n.key_alias}"
        )
        self.add(
            Change(
                "kms key",
                self.n.key_alias,
                Status.CREATE,
                "customer managed key whose policy lets CloudTrail encrypt and alarms publish",
                f"aws kms create-key --policy file://key-policy.json && aws kms create-alias --alias-name {self.n.key_alias} ...",
                run,
            )
        )

    def plan_bucket(self) -> None:
        s3 = self.s.client("s3")
        n = self.n
        exists = _try(lambda: s3.head_bucket(Bucket=n.bucket), "HeadBucket") is not None
        wanted = self.bucket_settings()
        if not exists:

            def run() -> str:
                kwargs: dict[str, Any] = {"Bucket": n.bucket}
                if n.region != "us-east-1":
                    # us-east-1 refuses an explicit LocationConstraint; every other region needs one.
                    kwargs["CreateBucketConfiguration"] = {"LocationConstraint": n.region}
                with aws_errors("CreateBucket"):
                    s3.create_bucket(**kwargs)
                self.journal(
                    "create_bucket", n.bucket, undo={"op": "delete_bucket", "bucket": n.bucket}
                )
                self.apply_bucket_settings(wanted)
                return f"arn:{n.partition}:s3:::{n.bucket}"

            self.add(
                Change(
                    "s3 bucket",
                    n.bucket,
                    Status.CREATE,
                    "private (Block Public Access), encrypted, versioned, lifecycle to Glacier, CloudTrail-only policy, TLS only",
                    f"aws s3api create-bucket --bucket {n.bucket}"
                    + (
                        ""
                        if n.region == "us-east-1"
                        else f" --create-bucket-configuration LocationConstraint={n.region}"
                    ),
                    run,
                )
            )
            return
        drift = self.bucket_drift(wanted)
        if drift:
            self.add(
                Change(
                    "s3 bucket",
                    n.bucket,
                    Status.UPDATE,
                    "fix: " + ", ".join(drift),
                    f"aws s3api put-bucket-policy --bucket {n.bucket} ... (and the others)",
                    lambda: self.apply_bucket_settings(wanted, only=drift),
                )
            )
        else:
            self.add(
                Change(
                    "s3 bucket",
                    n.bucket,
                    Status.NOTHING,
                    "private, encrypted, versioned, lifecycle and policy in place",
                )
            )
        versioning = (
            _try(lambda: s3.get_bucket_versioning(Bucket=n.bucket), "GetBucketVersioning") or {}
        )
        if versioning.get("MFADelete") != "Enabled":
            self.add(
                Change(
                    "mfa delete",
                    n.bucket,
                    Status.INFO,
                    "MFA Delete is off: only the root user can turn it on (see the note)",
                )
            )

    def bucket_settings(self) -> dict[str, Any]:
        n = self.n
        if self.o.kms:
            encryption = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.key_arn}
        else:
            encryption = {"SSEAlgorithm": "AES256"}
        return {
            "public_access_block": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
            "encryption": encryption,
            "versioning": "Enabled",
            "lifecycle": {
                "Rules": [
                    {
                        "ID": f"{PREFIX}-archive",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Transitions": [{"Days": self.o.glacier_days, "StorageClass": "GLACIER"}],
                        "Expiration": {"Days": self.o.expire_days},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": self.o.expire_days},
                    }
                ]
            },
            "policy": bucket_policy(n),
        }

    def bucket_drift(self, wanted: dict[str, Any]) -> list[str]:
        s3 = self.s.client("s3")
        b = self.n.bucket
        drift = []
        pab = _try(
            lambda: s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"],
            "GetPublicAccessBlock",
        )
        if pab != wanted["public_access_block"]:
            drift.append("public_access_block")
        enc = _try(
            lambda: s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"][
                "Rules"
            ][0]["ApplyServerSideEncryptionByDefault"],
            "GetBucketEncryption",
        )
        if not enc or enc.get("SSEAlgorithm") != wanted["encryption"]["SSEAlgorithm"]:
            drift.append("encryption")
        if (_try(lambda: s3.get_bucket_versioning(Bucket=b), "GetBucketVersioning") or {}).get(
            "Status"
        ) != "Enabled":
            drift.append("versioning")
        rules = (
            _try(
                lambda: s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"],
                "GetBucketLifecycleConfiguration",
            )
            or []
        )
        mine = [r for r in rules if r.get("ID") == f"{PREFIX}-archive"]
        want_rule = wanted["lifecycle"]["Rules"][0]
        if (
            not mine
            or mine[0].get("Transitions", [{}])[0].get("Days")
            != want_rule["Transitions"][0]["Days"]
            or mine[0].get("Expiration", {}).get("Days") != want_rule["Expiration"]["Days"]
        ):
            drift.append("lifecycle")
        policy = _try(lambda: s3.get_bucket_policy(Bucket=b)["Policy"], "GetBucketPolicy")
        if not policy or json.loads(policy) != wanted["policy"]:
            drift.append("policy")
        return drift

    def apply_bucket_settings(self, wanted: dict[str, Any], only: list[str] | None = None) -> str:
        s3 = self.s.client("s3")
        b = self.n.bucket
        todo = only or [
            "public_access_block",
            "encryption",
            "versioning",
            "lifecycle",
            "policy",
            "tags",
        ]
        with aws_errors("configuring the trail bucket"):
            if "public_access_block" in todo:
                s3.put_public_access_block(
                    Bucket=b, PublicAccessBlockConfiguration=wanted["public_access_block"]
                )
            if "encryption" in todo:
                rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": wanted["encryption"]}
                if self.o.kms:
                    rule["BucketKeyEnabled"] = True
                s3.put_bucket_encryption(
                    Bucket=b, ServerSideEncryptionConfiguration={"Rules": [rule]}
                )
            if "versioning" in todo:
                s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
            if "lifecycle" in todo:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=b, LifecycleConfiguration=wanted["lifecycle"]
                )
            if "policy" in todo:
                s3.put_bucket_policy(Bucket=b, Policy=json.dumps(wanted["policy"]))
                self.progress.wrote(BUCKET_POLICY)
            if "tags" in todo:
                s3.put_bucket_tagging(
                    Bucket=b, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": TAG_VALUE}]}
                )
        if only:
            self.journal("update_bucket", b, undo=None)
        return f"arn:{self.n.partition}:s3:::{b}"
