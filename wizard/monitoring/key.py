"""The customer managed KMS key of the trail, its log group and the alarm topic."""

from __future__ import annotations

import json
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.errors import UsageError, aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.base import KMS_KEY, Change, PlannerBase, _try
from wizard.monitoring.documents import kms_key_policy
from wizard.monitoring.names import kms_cost
from wizard.plan import Status


def merged_key_policy(current: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """`current` with our statements set by Sid: every statement someone else added is kept
    (CloudTrail's documentation: never change the existing sections of a key policy)."""
    mine = {s.get("Sid") for s in ours["Statement"]}
    kept = [s for s in current.get("Statement", []) if s.get("Sid") not in mine]
    return {**current, "Version": ours["Version"], "Statement": ours["Statement"] + kept}


class KeyMixin(PlannerBase):
    """The customer managed KMS key: read, plan (create, or fix policy and rotation), apply."""

    def plan_key(self) -> None:
        kms = self.s.client("kms")
        alias = _try(lambda: kms.describe_key(KeyId=self.n.key_alias)["KeyMetadata"], "DescribeKey")
        if alias and alias.get("KeyState") == "Enabled":
            self.key_arn = alias["Arn"]
            self._plan_existing_key(kms, alias)
            return
        if alias:
            # A new key would not get the alias (it is taken): every apply would make another.
            state = alias.get("KeyState")
            raise UsageError(
                _(
                    "the KMS key behind {key_alias} ({alias}) is {state}, and the trail, log group "
                    "and topic encrypt with it"
                ).format(key_alias=self.n.key_alias, alias=alias["KeyId"], state=state),
                _(
                    "aws kms cancel-key-deletion --key-id {alias} && aws kms enable-key --key-id "
                    "{alias} (then apply again), or delete the alias with aws kms delete-alias "
                    "--alias-name {key_alias} for a new key"
                ).format(alias=alias["KeyId"], key_alias=self.n.key_alias),
            )

        def run() -> str:
            with aws_errors("CreateKey"):
                key = kms.create_key(
                    Description="mfa-wizard: CloudTrail logs, their log group and the alarm topic",
                    Policy=json.dumps(kms_key_policy(self.n, config=self.with_config)),
                    Tags=[{"TagKey": TAG_KEY, "TagValue": TAG_VALUE}],
                )["KeyMetadata"]
                self.journal(
                    "create_kms_key",
                    key["Arn"],
                    undo={
                        "op": "schedule_key_deletion",
                        "key": key["KeyId"],
                        "alias": self.n.key_alias,
                    },
                )
            # The alias next: it is how every later run finds the key (teardown also finds it by
            # its tag). Taken already: another apply (on any machine) won the race; this key
            # protects nothing yet, so it goes now rather than cost $1 a month forever.
            self._alias_or_discard(kms, key)
            with aws_errors("EnableKeyRotation"):
                kms.enable_key_rotation(KeyId=key["KeyId"])
            self.progress.wrote(KMS_KEY)
            self.key_arn = key["Arn"]
            return key["Arn"]

        # Until the key exists its alias ARN stands in (S3, CloudTrail and SNS accept it; the
        # log group is given the key's own ARN, which `run` sets before the log group is made).
        self.key_arn = (
            f"arn:{self.n.partition}:kms:{self.n.region}:{self.n.account}:{self.n.key_alias}"
        )
        self.add(
            Change(
                N_("kms key"),
                self.n.key_alias,
                Status.CREATE,
                _(
                    "customer managed key, yearly rotation; CloudTrail, CloudWatch Logs and the "
                    "alarms may use it (for our trail, log group and topic only)"
                ),
                f"aws kms create-key --policy file://key-policy.json && aws kms enable-key-rotation --key-id KEY && aws kms create-alias --alias-name {self.n.key_alias} --target-key-id KEY",
                run,
                cost=kms_cost(),
            )
        )

    def _alias_or_discard(self, kms: Any, key: dict[str, Any]) -> None:
        from wizard.errors import error_code

        try:
            kms.create_alias(AliasName=self.n.key_alias, TargetKeyId=key["KeyId"])
        except Exception as exc:
            if error_code(exc) != "AlreadyExistsException":
                with aws_errors("CreateAlias"):
                    raise
            with aws_errors("ScheduleKeyDeletion"):
                kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
            self.journal("discard_kms_key", key["Arn"], undo=None)
            lost = UsageError(
                _(
                    "{key_alias} was created by another apply while this one ran; the key this apply "
                    "had just made ({key}) is scheduled for deletion"
                ).format(key_alias=self.n.key_alias, key=key["KeyId"]),
                _("plan again: the next apply uses the key behind the alias"),
            )
            lost.rolled_back = True
            raise lost from None

    def _plan_existing_key(self, kms: Any, key: dict[str, Any]) -> None:
        key_id = key["KeyId"]
        with aws_errors("GetKeyPolicy"):
            current = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        wanted = merged_key_policy(current, kms_key_policy(self.n, config=self.with_config))
        with aws_errors("GetKeyRotationStatus"):
            rotating = kms.get_key_rotation_status(KeyId=key_id).get("KeyRotationEnabled")
        fixes = ["key policy"] * (current != wanted) + ["rotation"] * (not rotating)
        if not fixes:
            self.add(
                Change(
                    N_("kms key"),
                    self.n.key_alias,
                    Status.NOTHING,
                    _("customer managed key exists, rotating yearly"),
                )
            )
            return

        def update() -> str:
            if current != wanted:
                with aws_errors("PutKeyPolicy"):
                    kms.put_key_policy(
                        KeyId=key_id, PolicyName="default", Policy=json.dumps(wanted)
                    )
                self.progress.wrote(KMS_KEY)
                self.journal(
                    "update_key_policy",
                    key["Arn"],
                    undo={"op": "restore_key_policy", "key": key_id, "policy": json.dumps(current)},
                )
            if not rotating:
                with aws_errors("EnableKeyRotation"):
                    kms.enable_key_rotation(KeyId=key_id)
                self.journal("enable_key_rotation", key["Arn"])
            return key["Arn"]

        why = {
            "key policy": _(
                "the key policy lacks statements CloudTrail, CloudWatch Logs or the alarms need: "
                "set ours by Sid, keep every other statement"
            ),
            "rotation": _("turn on yearly rotation (CIS)"),
        }
        self.add(
            Change(
                N_("kms key"),
                self.n.key_alias,
                Status.UPDATE,
                _("; ").join(why[f] for f in fixes),
                f"aws kms put-key-policy --key-id {key_id} --policy-name default --policy file://key-policy.json"
                if current != wanted
                else f"aws kms enable-key-rotation --key-id {key_id}",
                update,
                aspects=tuple(fixes),
            )
        )
