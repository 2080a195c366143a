"""The CloudTrail trail, its log group and the role that delivers to it."""

from __future__ import annotations

from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.errors import aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.base import (
    BUCKET_POLICY,
    KMS_KEY,
    TRUSTED_ACCESS,
    Change,
    role_written,
    written_words,
)
from wizard.monitoring.documents import (
    logs_role_policy,
    logs_role_trust,
)
from wizard.monitoring.roles import RoleMixin
from wizard.plan import Status
from wizard.propagation import after_propagation

# CIS / Prowler's cloudtrail_multi_region_enabled_logging_management_events: said explicitly,
# read and write, rather than left to the default a later PutEventSelectors can narrow.
MANAGEMENT_SELECTORS = [{"ReadWriteType": "All", "IncludeManagementEvents": True}]


def has_explicit_management_selectors(selectors: dict[str, Any]) -> bool:
    """Whether GetEventSelectors' answer records every management event, read and write, by an
    explicit selector (basic ReadWriteType All, or an advanced Management selector without a
    readOnly field)."""
    for selector in selectors.get("EventSelectors") or []:
        if selector.get("IncludeManagementEvents") and selector.get("ReadWriteType") == "All":
            return True
    for selector in selectors.get("AdvancedEventSelectors") or []:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
        if "Management" in fields.get("eventCategory", {}).get("Equals", []) and (
            "readOnly" not in fields
        ):
            return True
    return False


class TrailMixin(RoleMixin):
    """The CloudTrail trail, its log group and the role that delivers to it."""

    def _logs_key_call(self, op: str, call: Any) -> Any:
        """`call` (CreateLogGroup/AssociateKmsKey with our key), waiting while CloudWatch Logs
        cannot see a key policy this run has just written."""
        return after_propagation(
            op,
            call,
            _("CloudWatch Logs to see {what}").format(what=written_words(KMS_KEY)),
            fresh=bool(self.progress.fresh(KMS_KEY)),
            say=self.progress.say,
        )

    def plan_log_group(self) -> None:
        logs = self.s.client("logs")
        n = self.n
        with aws_errors("DescribeLogGroups"):
            groups = [
                g
                for page in logs.get_paginator("describe_log_groups").paginate(
                    logGroupNamePrefix=n.log_group
                )
                for g in page["logGroups"]
            ]
        group = next((g for g in groups if g["logGroupName"] == n.log_group), None)
        kms = _(" · encrypted with the KMS key") if self.o.kms else ""
        if group is None:

            def run() -> str:
                # The key's own ARN (CloudWatch Logs takes no alias): set by the key's change,
                # which runs first.
                key = {"kmsKeyId": self.key_arn} if self.o.kms else {}
                with aws_errors("CreateLogGroup"):
                    self._logs_key_call(
                        "CreateLogGroup",
                        lambda: logs.create_log_group(
                            logGroupName=n.log_group, tags={TAG_KEY: TAG_VALUE}, **key
                        ),
                    )
                self.journal(
                    "create_log_group",
                    n.log_group,
                    undo={"op": "delete_log_group", "name": n.log_group},
                )
                with aws_errors("PutRetentionPolicy"):
                    logs.put_retention_policy(
                        logGroupName=n.log_group, retentionInDays=self.o.retention_days
                    )
                return n.log_group_arn

            self.add(
                Change(
                    N_("log group"),
                    n.log_group,
                    Status.CREATE,
                    _("retention {retention_days} days{kms}").format(
                        retention_days=self.o.retention_days, kms=kms
                    ),
                    f"aws logs create-log-group --log-group-name {n.log_group}"
                    + (" --kms-key-id KEY_ARN" if self.o.kms else "")
                    + f" && aws logs put-retention-policy --log-group-name {n.log_group} --retention-in-days {self.o.retention_days}",
                    run,
                )
            )
            return
        fixes = []
        if group.get("retentionInDays") != self.o.retention_days:
            fixes.append(
                _("retention {now} -> {wanted} days").format(
                    now=group.get("retentionInDays"), wanted=self.o.retention_days
                )
            )
        if self.o.kms and not group.get("kmsKeyId"):
            fixes.append(_("encrypt with the KMS key (new events; older ones stay as they were)"))
        if not fixes:
            self.add(
                Change(
                    N_("log group"),
                    n.log_group,
                    Status.NOTHING,
                    _("exists, retention {retention_days} days{kms}").format(
                        retention_days=self.o.retention_days, kms=kms
                    ),
                )
            )
            return

        def update() -> str:
            if group.get("retentionInDays") != self.o.retention_days:
                with aws_errors("PutRetentionPolicy"):
                    logs.put_retention_policy(
                        logGroupName=n.log_group, retentionInDays=self.o.retention_days
                    )
                self.journal("update_log_retention", n.log_group)
            if self.o.kms and not group.get("kmsKeyId"):
                with aws_errors("AssociateKmsKey"):
                    self._logs_key_call(
                        "AssociateKmsKey",
                        lambda: logs.associate_kms_key(
                            logGroupName=n.log_group, kmsKeyId=self.key_arn
                        ),
                    )
                self.journal(
                    "associate_kms_key",
                    n.log_group,
                    undo={"op": "disassociate_kms_key", "group": n.log_group},
                )
            return n.log_group_arn

        self.add(
            Change(
                N_("log group"),
                n.log_group,
                Status.UPDATE,
                _("; ").join(fixes),
                f"aws logs put-retention-policy --log-group-name {n.log_group} --retention-in-days {self.o.retention_days}"
                + (
                    f" && aws logs associate-kms-key --log-group-name {n.log_group} --kms-key-id KEY_ARN"
                    if self.o.kms
                    else ""
                ),
                update,
            )
        )

    def plan_logs_role(self) -> None:
        self.plan_role(
            self.n.logs_role,
            logs_role_trust(),
            logs_role_policy(self.n),
            _("CloudTrail writes to the log group"),
        )

    def plan_trusted_access(self) -> None:
        """An organization trail made through the API needs CloudTrail's trusted access in
        Organizations (the console turns it on by itself; the API does not)."""
        org = self.s.client("organizations")
        principal = "cloudtrail.amazonaws.com"
        with aws_errors("ListAWSServiceAccessForOrganization"):
            enabled = {
                s["ServicePrincipal"]
                for page in org.get_paginator("list_aws_service_access_for_organization").paginate()
                for s in page["EnabledServicePrincipals"]
            }
        if principal in enabled:
            self.add(
                Change(
                    N_("trusted access"),
                    principal,
                    Status.NOTHING,
                    _("CloudTrail may act in the organization"),
                )
            )
            return

        def run() -> str:
            with aws_errors("EnableAWSServiceAccess"):
                org.enable_aws_service_access(ServicePrincipal=principal)
            self.progress.wrote(TRUSTED_ACCESS)
            # No undo: other organization trails (and AWS Control Tower) may rely on it.
            self.journal("enable_aws_service_access", principal)
            return principal

        self.add(
            Change(
                N_("trusted access"),
                principal,
                Status.CREATE,
                _(
                    "let CloudTrail act in the organization (needed for an organization trail; undo "
                    "leaves it on, other trails may rely on it)"
                ),
                f"aws organizations enable-aws-service-access --service-principal {principal}",
                run,
            )
        )

    def plan_trail(self) -> None:
        ct = self.s.client("cloudtrail")
        n = self.n
        trails = {
            t["Name"]: t
            for t in ct.describe_trails(trailNameList=[n.trail], includeShadowTrails=False)[
                "trailList"
            ]
        }
        trail = trails.get(n.trail)
        role_arn = f"arn:{n.partition}:iam::{n.account}:role/{n.logs_role}"
        settings = {
            "S3BucketName": n.bucket,
            "IsMultiRegionTrail": True,
            "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True,
            "CloudWatchLogsLogGroupArn": n.log_group_arn,
            "CloudWatchLogsRoleArn": role_arn,
        }
        if self.o.kms:
            settings["KmsKeyId"] = self.key_arn
        if n.organization:
            settings["IsOrganizationTrail"] = True

        # Each propagation error names the dependency it waits for: retried only when that
        # one was just written (an old role with a wrong trust fails at once, not in 2 min).
        depends = {
            "InsufficientS3BucketPolicyException": (BUCKET_POLICY,),
            "InvalidCloudWatchLogsLogGroupArnException": (role_written(n.logs_role),),
            "InvalidCloudWatchLogsRoleArnException": (role_written(n.logs_role),),
            "InsufficientEncryptionPolicyException": (KMS_KEY, BUCKET_POLICY),
            "CloudTrailAccessNotEnabledException": (TRUSTED_ACCESS,),
        }

        def waiting(op: str, call: Any) -> Any:
            fresh = self.progress.fresh(
                BUCKET_POLICY, role_written(n.logs_role), KMS_KEY, TRUSTED_ACCESS
            )
            return after_propagation(
                op,
                call,
                _("CloudTrail to see {what}").format(what=written_words(*fresh)),
                fresh=lambda code: bool(self.progress.fresh(*depends.get(code, ()))),
                say=self.progress.say,
            )

        def create() -> str:
            with aws_errors("CreateTrail"):
                arn = waiting(
                    "CreateTrail",
                    lambda: ct.create_trail(
                        Name=n.trail, TagsList=[{"Key": TAG_KEY, "Value": TAG_VALUE}], **settings
                    ),
                )["TrailARN"]
            self.journal("create_trail", n.trail, undo={"op": "delete_trail", "name": n.trail})
            with aws_errors("PutEventSelectors"):
                ct.put_event_selectors(TrailName=n.trail, EventSelectors=MANAGEMENT_SELECTORS)
            with aws_errors("StartLogging"):
                ct.start_logging(Name=n.trail)
            return arn

        if trail is None:
            self.add(
                Change(
                    N_("cloudtrail"),
                    n.trail,
                    Status.CREATE,
                    (_("organization trail (every member account), ") if n.organization else "")
                    + _(
                        "multi-region, global service events, log file validation, every "
                        "management event (explicit selectors), to CloudWatch Logs"
                    )
                    + (_(", KMS encrypted") if self.o.kms else "")
                    + _("; logging started"),
                    f"aws cloudtrail create-trail --name {n.trail} --s3-bucket-name {n.bucket} --is-multi-region-trail --include-global-service-events --enable-log-file-validation --cloud-watch-logs-log-group-arn {n.log_group_arn} --cloud-watch-logs-role-arn {role_arn}"
                    + (" --kms-key-id KEY" if self.o.kms else "")
                    + (" --is-organization-trail" if n.organization else "")
                    + f" && aws cloudtrail put-event-selectors --trail-name {n.trail} --event-selectors ReadWriteType=All,IncludeManagementEvents=true && aws cloudtrail start-logging --name {n.trail}",
                    create,
                )
            )
            return
        drift = [
            k
            for k, v in (
                ("IsMultiRegionTrail", True),
                ("IncludeGlobalServiceEvents", True),
                ("LogFileValidationEnabled", True),
            )
            if trail.get(k) != v
        ]
        if trail.get("CloudWatchLogsLogGroupArn") != n.log_group_arn:
            drift.append("CloudWatchLogsLogGroupArn")
        if self.o.kms and not trail.get("KmsKeyId"):
            drift.append("KmsKeyId")
        if n.organization and not trail.get("IsOrganizationTrail"):
            drift.append("IsOrganizationTrail")
        with aws_errors("GetEventSelectors"):
            selectors = ct.get_event_selectors(TrailName=n.trail)
        explicit = has_explicit_management_selectors(selectors)
        status = ct.get_trail_status(Name=n.trail)
        logging = bool(status.get("IsLogging"))

        def update() -> str:
            with aws_errors("UpdateTrail"):
                if drift:
                    waiting("UpdateTrail", lambda: ct.update_trail(Name=n.trail, **settings))
                if not explicit:
                    ct.put_event_selectors(TrailName=n.trail, EventSelectors=MANAGEMENT_SELECTORS)
                if not logging:
                    ct.start_logging(Name=n.trail)
            self.journal("update_trail", n.trail)
            return n.trail_arn

        if drift or not logging or not explicit:
            what = _(", ").join(
                drift
                + ([] if explicit else [_("management-event selectors not explicit")])
                + ([] if logging else [_("logging stopped")])
            )
            self.add(
                Change(
                    N_("cloudtrail"),
                    n.trail,
                    Status.UPDATE,
                    _("fix: {what}").format(what=what),
                    f"aws cloudtrail update-trail --name {n.trail} ... && aws cloudtrail start-logging --name {n.trail}",
                    update,
                    aspects=() if explicit else ("selectors",),
                )
            )
        else:
            self.add(
                Change(
                    N_("cloudtrail"),
                    n.trail,
                    Status.NOTHING,
                    _("multi-region, validated, logging to CloudWatch Logs"),
                )
            )
