"""The trail bucket and its access-log bucket: read, plan, apply."""

from __future__ import annotations

import json
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.errors import aws_errors
from wizard.monitoring.base import BUCKET_POLICY, Change, PlannerBase, _try
from wizard.monitoring.documents import (
    access_logs_bucket_policy,
    bucket_policy,
)
from wizard.monitoring.names import ACCESS_LOGS_COST, PREFIX
from wizard.plan import Status

PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


class StorageMixin(PlannerBase):
    """The trail bucket and its access-log bucket: read, plan, apply."""

    def create_bucket(self, name: str) -> None:
        """CreateBucket in this region, journaled with its undo."""
        kwargs: dict[str, Any] = {"Bucket": name}
        if self.n.region != "us-east-1":
            # us-east-1 refuses an explicit LocationConstraint; every other region needs one.
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.n.region}
        with aws_errors("CreateBucket"):
            self.s.client("s3").create_bucket(**kwargs)
        self.journal("create_bucket", name, undo={"op": "delete_bucket", "bucket": name})

    def create_bucket_cli(self, name: str) -> str:
        """The AWS CLI line of `create_bucket`."""
        if self.n.region == "us-east-1":
            return f"aws s3api create-bucket --bucket {name}"
        return (
            f"aws s3api create-bucket --bucket {name} "
            f"--create-bucket-configuration LocationConstraint={self.n.region}"
        )

    def plan_bucket(self) -> None:
        s3 = self.s.client("s3")
        n = self.n
        exists = _try(lambda: s3.head_bucket(Bucket=n.bucket), "HeadBucket") is not None
        wanted = self.bucket_settings()
        if not exists:

            def run() -> str:
                self.create_bucket(n.bucket)
                self.apply_bucket_settings(wanted)
                return f"arn:{n.partition}:s3:::{n.bucket}"

            self.add(
                Change(
                    "s3 bucket",
                    n.bucket,
                    Status.CREATE,
                    "private (Block Public Access), encrypted, versioned, lifecycle to Glacier, CloudTrail-only policy, TLS only",
                    self.create_bucket_cli(n.bucket),
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

    def plan_access_logs_bucket(self) -> None:
        """The target of the trail bucket's server access logs (CIS: who read the trail's logs).

        SSE-S3, as AWS requires of a log target; private; S3's logging service may write, for
        the trail bucket of this account only; logs expire with the trail's.
        """
        s3 = self.s.client("s3")
        n = self.n
        target = n.access_logs_bucket
        exists = _try(lambda: s3.head_bucket(Bucket=target), "HeadBucket") is not None
        policy = access_logs_bucket_policy(n)
        settings = {
            "PublicAccessBlockConfiguration": PUBLIC_ACCESS_BLOCK,
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "ID": f"{PREFIX}-expire",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Expiration": {"Days": self.o.expire_days},
                    }
                ]
            },
        }

        def configure() -> None:
            s3.put_public_access_block(
                Bucket=target,
                PublicAccessBlockConfiguration=settings["PublicAccessBlockConfiguration"],
            )
            s3.put_bucket_encryption(
                Bucket=target,
                ServerSideEncryptionConfiguration=settings["ServerSideEncryptionConfiguration"],
            )
            s3.put_bucket_lifecycle_configuration(
                Bucket=target, LifecycleConfiguration=settings["LifecycleConfiguration"]
            )
            s3.put_bucket_policy(Bucket=target, Policy=json.dumps(policy))

        def create() -> str:
            self.create_bucket(target)
            with aws_errors("configuring the access-log bucket"):
                s3.put_bucket_tagging(
                    Bucket=target, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": TAG_VALUE}]}
                )
                configure()
            return f"arn:{n.partition}:s3:::{target}"

        if not exists:
            self.add(
                Change(
                    "s3 bucket",
                    target,
                    Status.CREATE,
                    "server access logs of the trail bucket: private, SSE-S3 (AWS refuses SSE-KMS "
                    "on a log target), only S3 logging may write",
                    self.create_bucket_cli(target)
                    + f" && aws s3api put-bucket-policy --bucket {target} --policy file://access-logs-policy.json",
                    create,
                    cost=ACCESS_LOGS_COST,
                )
            )
            return
        current = _try(lambda: s3.get_bucket_policy(Bucket=target)["Policy"], "GetBucketPolicy")
        if current and json.loads(current) == policy:
            self.add(Change("s3 bucket", target, Status.NOTHING, "access-log bucket in place"))
            return

        def update() -> str:
            with aws_errors("configuring the access-log bucket"):
                configure()
            self.journal("update_bucket", target)
            return f"arn:{n.partition}:s3:::{target}"

        self.add(
            Change(
                "s3 bucket",
                target,
                Status.UPDATE,
                "access-log bucket: set its policy, encryption and public access block",
                f"aws s3api put-bucket-policy --bucket {target} --policy file://access-logs-policy.json",
                update,
            )
        )

    def bucket_settings(self) -> dict[str, Any]:
        n = self.n
        if self.o.kms:
            encryption = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": self.key_arn}
        else:
            encryption = {"SSEAlgorithm": "AES256"}
        return {
            "public_access_block": PUBLIC_ACCESS_BLOCK,
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
            "logging": {"TargetBucket": n.access_logs_bucket, "TargetPrefix": f"{n.bucket}/"}
            if self.o.access_logging
            else None,
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
        if wanted["logging"]:
            with aws_errors("GetBucketLogging"):
                logging = s3.get_bucket_logging(Bucket=b).get("LoggingEnabled") or {}
            if logging.get("TargetBucket") != wanted["logging"]["TargetBucket"]:
                drift.append("logging")
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
            "logging",
        ]
        with aws_errors("configuring the trail bucket"):
            if "public_access_block" in todo:
                s3.put_public_access_block(
                    Bucket=b, PublicAccessBlockConfiguration=wanted["public_access_block"]
                )
            if "encryption" in todo:
                encryption = wanted["encryption"]
                if self.o.kms:
                    # The key's own ARN, known now that its change has run (S3 asks for the
                    # full key ARN where AWS services write, not the alias the plan had).
                    encryption = {**encryption, "KMSMasterKeyID": self.key_arn}
                rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": encryption}
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
            if "logging" in todo and wanted["logging"]:
                s3.put_bucket_logging(
                    Bucket=b, BucketLoggingStatus={"LoggingEnabled": wanted["logging"]}
                )
        if only:
            self.journal("update_bucket", b, undo=None)
        return f"arn:{self.n.partition}:s3:::{b}"
