"""The trail bucket and its access-log bucket: read, plan, apply.

Both buckets are read back setting by setting (public access block, encryption, versioning,
lifecycle, policy, and the trail bucket's access logging): whatever differs from what the wizard
made is one `update` with the CLI line of each fix, so a bucket changed behind the wizard's back
is put back by the next apply. `bucket_drift` is also what `mfa-wizard verify` reads.
"""

from __future__ import annotations

import json
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.errors import aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.base import BUCKET_POLICY, Change, PlannerBase, _try
from wizard.monitoring.documents import (
    access_logs_bucket_policy,
    bucket_policy,
)
from wizard.monitoring.names import PREFIX, access_logs_cost
from wizard.plan import Status

PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
# Every setting a bucket of the wizard's has, in the order they are put back.
SETTINGS = ("public_access_block", "encryption", "versioning", "lifecycle", "policy", "logging")
# How the plan and verify name each setting to a person.
SETTING_WORDS = {
    "public_access_block": N_("Block Public Access is not fully on"),
    "encryption": N_("default encryption differs"),
    "versioning": N_("versioning is not enabled"),
    "lifecycle": N_("the lifecycle rule differs"),
    "policy": N_("the bucket policy differs"),
    "logging": N_("server access logging is off or goes elsewhere"),
}
# The parts of the wizard's lifecycle rule that are compared (moto and S3 answer the rest,
# Filter and Prefix, in shapes that vary).
_RULE_KEYS = ("Status", "Transitions", "Expiration", "NoncurrentVersionExpiration")


def bucket_drift(s3: Any, bucket: str, wanted: dict[str, Any]) -> list[str]:
    """The settings (of `SETTINGS`) in which `bucket` differs from `wanted`, read from S3 now."""
    drift = []
    pab = _try(
        lambda: s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
        "GetPublicAccessBlock",
    )
    if pab != wanted["public_access_block"]:
        drift.append("public_access_block")
    enc = _try(
        lambda: s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ][0]["ApplyServerSideEncryptionByDefault"],
        "GetBucketEncryption",
    )
    if not enc or enc.get("SSEAlgorithm") != wanted["encryption"]["SSEAlgorithm"]:
        drift.append("encryption")
    versioning = _try(lambda: s3.get_bucket_versioning(Bucket=bucket), "GetBucketVersioning")
    if (versioning or {}).get("Status") != wanted["versioning"]:
        drift.append("versioning")
    want_rule = wanted["lifecycle"]["Rules"][0]
    rules = (
        _try(
            lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"],
            "GetBucketLifecycleConfiguration",
        )
        or []
    )
    mine = next((r for r in rules if r.get("ID") == want_rule["ID"]), None)
    if mine is None or any(mine.get(k) != want_rule.get(k) for k in _RULE_KEYS):
        drift.append("lifecycle")
    policy = _try(lambda: s3.get_bucket_policy(Bucket=bucket)["Policy"], "GetBucketPolicy")
    if not policy or json.loads(policy) != wanted["policy"]:
        drift.append("policy")
    if wanted.get("logging"):
        with aws_errors("GetBucketLogging"):
            logging = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled") or {}
        if logging.get("TargetBucket") != wanted["logging"]["TargetBucket"]:
            drift.append("logging")
    return drift


def bucket_fix_cli(bucket: str, settings: list[str], wanted: dict[str, Any]) -> str:
    """The AWS CLI lines that put `settings` of `bucket` back, joined with &&."""
    algorithm = wanted["encryption"]["SSEAlgorithm"]
    key = ',"KMSMasterKeyID":"KEY_ARN"' if algorithm == "aws:kms" else ""
    bucket_key = ',"BucketKeyEnabled":true' if algorithm == "aws:kms" else ""
    lines = {
        "public_access_block": f"aws s3api put-public-access-block --bucket {bucket} "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true",
        "encryption": f"aws s3api put-bucket-encryption --bucket {bucket} "
        "--server-side-encryption-configuration "
        f"""'{{"Rules":[{{"ApplyServerSideEncryptionByDefault":{{"SSEAlgorithm":"{algorithm}"{key}}}{bucket_key}}}]}}'""",
        "versioning": f"aws s3api put-bucket-versioning --bucket {bucket} "
        "--versioning-configuration Status=Enabled",
        "lifecycle": f"aws s3api put-bucket-lifecycle-configuration --bucket {bucket} "
        "--lifecycle-configuration file://lifecycle.json",
        "policy": f"aws s3api put-bucket-policy --bucket {bucket} --policy file://bucket-policy.json",
        "logging": f"aws s3api put-bucket-logging --bucket {bucket} "
        "--bucket-logging-status file://logging.json",
    }
    return " && ".join(lines[s] for s in SETTINGS if s in settings)


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

    def _plan_bucket(
        self, name: str, wanted: dict[str, Any], create: Change, in_place: str
    ) -> None:
        """`create` when the bucket is missing; else one update for whatever drifted."""
        s3 = self.s.client("s3")
        if _try(lambda: s3.head_bucket(Bucket=name), "HeadBucket") is None:
            self.add(create)
            return
        drift = bucket_drift(s3, name, wanted)
        if not drift:
            self.add(Change(N_("s3 bucket"), name, Status.NOTHING, in_place))
            return
        self.add(
            Change(
                N_("s3 bucket"),
                name,
                Status.UPDATE,
                _("fix: {what}").format(what=_("; ").join(_(SETTING_WORDS[s]) for s in drift)),
                bucket_fix_cli(name, drift, wanted),
                lambda: self.apply_bucket_settings(name, wanted, only=drift),
            )
        )

    def plan_bucket(self) -> None:
        n = self.n
        wanted = self.bucket_settings()

        def run() -> str:
            self.create_bucket(n.bucket)
            self.apply_bucket_settings(n.bucket, wanted)
            return f"arn:{n.partition}:s3:::{n.bucket}"

        create = Change(
            N_("s3 bucket"),
            n.bucket,
            Status.CREATE,
            _(
                "private (Block Public Access), encrypted, versioned, lifecycle to Glacier, "
                "CloudTrail-only policy, TLS only"
            ),
            self.create_bucket_cli(n.bucket),
            run,
        )
        self._plan_bucket(
            n.bucket,
            wanted,
            create,
            _("private, encrypted, versioned, lifecycle and policy in place"),
        )
        s3 = self.s.client("s3")
        versioning = (
            _try(lambda: s3.get_bucket_versioning(Bucket=n.bucket), "GetBucketVersioning") or {}
        )
        if versioning.get("MFADelete") != "Enabled":
            self.add(
                Change(
                    N_("mfa delete"),
                    n.bucket,
                    Status.INFO,
                    _("MFA Delete is off: only the root user can turn it on (see the note)"),
                )
            )

    def plan_access_logs_bucket(self) -> None:
        """The target of the trail bucket's server access logs (CIS: who read the trail's logs).

        SSE-S3, as AWS requires of a log target; private; versioned (Prowler's
        s3_bucket_object_versioning reads every bucket); S3's logging service may write, for
        the trail bucket of this account only; logs expire with the trail's.
        """
        n = self.n
        target = n.access_logs_bucket
        wanted = self.access_logs_settings()

        def create() -> str:
            self.create_bucket(target)
            self.apply_bucket_settings(target, wanted)
            return f"arn:{n.partition}:s3:::{target}"

        self._plan_bucket(
            target,
            wanted,
            Change(
                N_("s3 bucket"),
                target,
                Status.CREATE,
                _(
                    "server access logs of the trail bucket: private, SSE-S3 (AWS refuses SSE-KMS on "
                    "a log target), versioned, only S3 logging may write"
                ),
                self.create_bucket_cli(target)
                + " && "
                + bucket_fix_cli(target, list(SETTINGS), wanted),
                create,
                cost=access_logs_cost(),
            ),
            _("access-log bucket: private, encrypted, versioned, policy in place"),
        )

    def access_logs_settings(self) -> dict[str, Any]:
        """What the access-log bucket holds. Versioned, so an expired log becomes a noncurrent
        version: those go 30 days later (else versioning would keep every log for ever)."""
        return {
            "public_access_block": PUBLIC_ACCESS_BLOCK,
            "encryption": {"SSEAlgorithm": "AES256"},
            "versioning": "Enabled",
            "lifecycle": {
                "Rules": [
                    {
                        "ID": f"{PREFIX}-expire",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Expiration": {"Days": self.o.expire_days},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    }
                ]
            },
            "policy": access_logs_bucket_policy(self.n),
            "logging": None,
        }

    def bucket_settings(self) -> dict[str, Any]:
        """What the trail bucket holds."""
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
            "policy": bucket_policy(n, config=self.with_config),
            "logging": {"TargetBucket": n.access_logs_bucket, "TargetPrefix": f"{n.bucket}/"}
            if self.o.access_logging
            else None,
        }

    def apply_bucket_settings(
        self, bucket: str, wanted: dict[str, Any], only: list[str] | None = None
    ) -> str:
        """Put `only` (default: every setting, and the tag) of `bucket` to `wanted`."""
        s3 = self.s.client("s3")
        todo = only or [*SETTINGS, "tags"]
        with aws_errors(_("configuring the bucket {bucket}").format(bucket=bucket)):
            if "public_access_block" in todo:
                s3.put_public_access_block(
                    Bucket=bucket, PublicAccessBlockConfiguration=wanted["public_access_block"]
                )
            if "encryption" in todo:
                encryption = wanted["encryption"]
                if encryption["SSEAlgorithm"] == "aws:kms":
                    # The key's own ARN, known now that its change has run (S3 asks for the
                    # full key ARN where AWS services write, not the alias the plan had).
                    encryption = {**encryption, "KMSMasterKeyID": self.key_arn}
                rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": encryption}
                if encryption["SSEAlgorithm"] == "aws:kms":
                    rule["BucketKeyEnabled"] = True
                s3.put_bucket_encryption(
                    Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]}
                )
            if "versioning" in todo:
                s3.put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
                )
            if "lifecycle" in todo:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=bucket, LifecycleConfiguration=wanted["lifecycle"]
                )
            if "policy" in todo:
                s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(wanted["policy"]))
                if bucket == self.n.bucket:
                    self.progress.wrote(BUCKET_POLICY)
            if "tags" in todo:
                s3.put_bucket_tagging(
                    Bucket=bucket, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": TAG_VALUE}]}
                )
            if "logging" in todo and wanted.get("logging"):
                s3.put_bucket_logging(
                    Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": wanted["logging"]}
                )
        if only:
            self.journal("update_bucket", bucket, undo=None)
        return f"arn:{self.n.partition}:s3:::{bucket}"
