"""Seed 004's extras, read back when they are there: the CloudTrail groups hold their AWS managed
policy, and mfa-wizard's AWS Config recorder records and delivers. Neither is required: a
missing group or recorder (not asked for) is not a finding."""

from __future__ import annotations

from wizard.aws import Services
from wizard.errors import WizardError
from wizard.i18n import _
from wizard.monitoring.config import config_state, delivery_failures
from wizard.monitoring.groups import FULL_ACCESS, READ_ONLY, cloudtrail_groups
from wizard.monitoring.names import names_for
from wizard.verify.model import VerifyReport


def verify_seed004(services: Services, report: VerifyReport) -> None:
    """The groups and the recorder, as AWS holds them now."""
    n = names_for(services.identity().account_id, services.region)
    fix_groups = "mfa-wizard monitor apply --cloudtrail-groups"
    found = cloudtrail_groups(services.iam, n)
    for name, policy in ((n.trail_admins_group, FULL_ACCESS), (n.trail_readers_group, READ_ONLY)):
        if name not in found:
            continue
        members, attached = found[name]
        if n.aws_policy_arn(policy) in attached:
            report.held(
                "cloudtrail groups",
                name,
                _("{policy} attached; {count} member(s)").format(policy=policy, count=len(members)),
                "GetGroup, ListAttachedGroupPolicies",
            )
        else:
            report.fail(
                "cloudtrail groups",
                name,
                _("{policy} is not attached: its members have no CloudTrail access from it").format(
                    policy=policy
                ),
                fix_groups,
                "ListAttachedGroupPolicies",
            )
    try:
        state = config_state(services, full=False)
    except WizardError:
        return  # no AWS Config here, or not readable: the recorder is optional
    if not any(r["name"] == n.config_recorder for r in state["recorders"]):
        return
    proof = "DescribeConfigurationRecorderStatus, DescribeDeliveryChannels"
    if not state["recording"].get(n.config_recorder):
        report.fail(
            "config",
            n.config_recorder,
            _("the AWS Config recorder is stopped: no change is recorded"),
            _("mfa-wizard monitor apply --config-recorder"),
            proof,
        )
    elif not state["channels"]:
        report.fail(
            "config",
            n.config_recorder,
            _("the recorder has no delivery channel: nothing is delivered"),
            _("mfa-wizard monitor apply --config-recorder"),
            proof,
        )
    elif state["last_status"].get(n.config_recorder, "").upper() == "FAILURE" or (
        failures := delivery_failures(services, state["channels"][0]["name"])
    ):
        why = ", ".join(failures) if failures else _("the recorder's last recording failed")
        report.fail(
            "config",
            n.config_recorder,
            _(
                "AWS Config records, but its last attempt failed ({why}): check the trail "
                "bucket's and the KMS key's grants to config.amazonaws.com"
            ).format(why=why),
            _("mfa-wizard monitor apply --config-recorder (puts the grants back)"),
            proof + ", DescribeDeliveryChannelStatus",
        )
    else:
        channel = state["channels"][0]
        report.held(
            "config",
            n.config_recorder,
            _("recording, delivering to s3://{get}/{value}").format(
                get=channel.get("s3BucketName"), value=channel.get("s3KeyPrefix") or ""
            ),
            proof,
        )
