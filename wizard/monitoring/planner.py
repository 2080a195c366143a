"""The Monitor step's planner: reads every resource, plans create/update/nothing, applies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard.aws import Services
from wizard.errors import UsageError, aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.alerts import AlertsMixin, is_confirmed
from wizard.monitoring.base import Change, MonitorPlan, management_organization
from wizard.monitoring.config import ConfigMixin
from wizard.monitoring.documents import mfa_delete_command
from wizard.monitoring.groups import GroupsMixin
from wizard.monitoring.key import KeyMixin
from wizard.monitoring.names import (
    ROOT_USAGE_METRIC,
    ROOT_USAGE_PATTERN,
    SIGNIN_METRIC,
    SIGNIN_PATTERN,
    SIGNIN_PATTERN_IAM_USERS,
    TAMPER_METRIC,
    TRAIL_CHANGES_METRIC,
    TRAIL_CHANGES_PATTERN,
    tamper_filter_names,
    tamper_patterns,
)
from wizard.monitoring.notes import plan_notes
from wizard.monitoring.options import MonitorOptions
from wizard.monitoring.schedules import SchedulesMixin
from wizard.monitoring.storage import StorageMixin
from wizard.monitoring.trail import TrailMixin
from wizard.plan import Status, apply_plan


def records_management_writes(selectors: dict[str, Any]) -> bool:
    """Whether GetEventSelectors' answer includes management write events (ConsoleLogin is one).

    No selectors at all is CloudTrail's default: every management event.
    """
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if not basic and not advanced:
        return True
    for selector in basic:
        if selector.get("IncludeManagementEvents", True) and selector.get(
            "ReadWriteType", "All"
        ) in {"All", "WriteOnly"}:
            return True
    for selector in advanced:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
        category = fields.get("eventCategory", {}).get("Equals", [])
        read_only = fields.get("readOnly", {}).get("Equals")
        if "Management" in category and (read_only is None or "false" in read_only):
            return True
    return False


class Planner(
    KeyMixin, StorageMixin, TrailMixin, AlertsMixin, SchedulesMixin, GroupsMixin, ConfigMixin
):
    """Reads each resource and builds the Change list (closures do the writes)."""

    def trails(self) -> list[dict[str, Any]]:
        """Every trail that records this region, shadow trails of other home regions included."""
        if not hasattr(self, "_trails"):
            with aws_errors("DescribeTrails"):
                self._trails = self.s.client("cloudtrail").describe_trails(
                    includeShadowTrails=True
                )["trailList"]
        return self._trails

    def check_home_region(self) -> None:
        """Stop when a multi-region trail homed in another region already does the job there.

        Our own trail from a run in another region always counts (a second one here would clash
        by name, or double the bill); another trail counts when it would be reused there. The
        alarm belongs beside that trail's log group, so the other region is named.
        """
        for trail in self.trails():
            home = trail.get("HomeRegion", self.s.region)
            if home == self.s.region or not trail.get("IsMultiRegionTrail"):
                continue
            ours = trail.get("Name") == self.n.trail
            if ours or (self.o.reuse_trail and not self._not_reusable(trail, home)):
                raise UsageError(
                    _(
                        "the multi-region trail {trail} (home region {home}) already records {region}, "
                        "and its alarm belongs beside its log group in {home}"
                    ).format(trail=trail["Name"], home=home, region=self.s.region),
                    _(
                        "run the same command with --region {home}; a second multi-region trail here "
                        "would only double the bill"
                    ).format(home=home),
                )

    def _keep_organization_trail(self) -> None:
        """Our trail is already an organization trail: plan for it as one even without
        --organization-trail (else the bucket policy would lose the members' write statement)."""
        if self.n.organization:
            return
        ours = [
            t
            for t in self.trails()
            if t.get("Name") == self.n.trail
            and t.get("HomeRegion", self.s.region) == self.s.region
            and t.get("IsOrganizationTrail")
        ]
        if ours:
            from dataclasses import replace

            self.o = replace(self.o, organization_trail=True)
            self.n = replace(self.n, organization=management_organization(self.s))
            self.notes.append(
                _(
                    "{trail} is an organization trail: it stays one (its bucket keeps the "
                    "members' write statement). Tear it down to go back to an account trail."
                ).format(trail=self.n.trail)
            )

    def existing_trail(self) -> dict[str, Any] | None:
        """A trail of this region that already records what the alarm needs, to reuse.

        Reused only when it is multi-region, includes global service events (IAM sign-ins),
        records management write events, is logging, and delivers to a log group of this
        account in this region (the metric filter must live beside it). Each trail that fails a
        check gets a note saying which.
        """
        for trail in self.trails():
            if trail.get("Name") == self.n.trail:
                continue
            if trail.get("HomeRegion", self.s.region) != self.s.region:
                continue
            reasons = self._not_reusable(trail, self.s.region)
            if not reasons:
                return trail
            self.notes.append(
                _("The trail {trail} is not reused: {reasons}.").format(
                    trail=trail["Name"], reasons=_("; ").join(reasons)
                )
            )
        return None

    def _not_reusable(self, trail: dict[str, Any], region: str) -> list[str]:
        """Why `trail` cannot carry an alarm in `region` (empty when it can)."""
        reasons = []
        if not trail.get("IsMultiRegionTrail"):
            reasons.append(_("it records one region only"))
        if self.o.organization_trail and not trail.get("IsOrganizationTrail"):
            reasons.append(_("it is not an organization trail"))
        if not trail.get("IncludeGlobalServiceEvents"):
            reasons.append(_("it leaves out global service events (IAM console sign-ins)"))
        group_arn = trail.get("CloudWatchLogsLogGroupArn") or ""
        parts = group_arn.split(":")
        if not group_arn:
            reasons.append(_("it does not deliver to CloudWatch Logs"))
        elif len(parts) < 5 or parts[4] != self.n.account or parts[3] != region:
            reasons.append(_("its log group is in another account or region"))
        if reasons:
            return reasons
        ct = self.s.in_region(region).client("cloudtrail")
        arn = trail.get("TrailARN", trail["Name"])
        with aws_errors("GetTrailStatus"):
            if not ct.get_trail_status(Name=arn).get("IsLogging"):
                reasons.append(_("it is not logging"))
        with aws_errors("GetEventSelectors"):
            selectors = ct.get_event_selectors(TrailName=arn)
        if not records_management_writes(selectors):
            reasons.append(_("its event selectors leave out management write events"))
        return reasons

    def plan(self) -> MonitorPlan:
        self.check_home_region()
        self._keep_organization_trail()
        reused = self.existing_trail() if self.o.reuse_trail else None
        config = self.config_wanted()  # before the bucket and key policies: they grant Config
        if self.o.kms:
            # Before the reuse decision: a reused trail's run still encrypts the topic with it.
            self.plan_key()
        if reused:
            group_arn = reused["CloudWatchLogsLogGroupArn"]
            log_group = group_arn.split(":log-group:", 1)[1].split(":", 1)[0]
            self.add(
                Change(
                    N_("trail"),
                    reused["Name"],
                    Status.REUSE,
                    _(
                        "reuse the existing multi-region trail delivering to {log_group} (no second "
                        "trail to pay for)"
                    ).format(log_group=log_group),
                )
            )
        else:
            log_group = self.n.log_group
            if self.o.access_logging:
                self.plan_access_logs_bucket()
            self.plan_bucket()
            self.plan_log_group()
            self.plan_logs_role()
            if self.n.organization:
                self.plan_trusted_access()
            self.plan_trail()
        if config:
            self.plan_config(bucket_is_ours=not reused)
        if self.o.cloudtrail_groups:
            self.plan_cloudtrail_groups()
        pattern = SIGNIN_PATTERN_IAM_USERS if self.o.iam_users_only else SIGNIN_PATTERN
        self.plan_filter(log_group, self.n.signin_filter, pattern, SIGNIN_METRIC)
        if self.o.trail_changes_alarm:
            self.plan_filter(
                log_group, self.n.trail_changes_filter, TRAIL_CHANGES_PATTERN, TRAIL_CHANGES_METRIC
            )
        if not self.o.minimal:
            self.plan_filter(
                log_group, self.n.root_usage_filter, ROOT_USAGE_PATTERN, ROOT_USAGE_METRIC
            )
            bucket = (reused or {}).get("S3BucketName") or self.n.bucket
            patterns = tamper_patterns(log_group, bucket)
            names = tamper_filter_names(self.n.tamper_filter, len(patterns))
            for name, pattern in zip(names, patterns, strict=True):
                self.plan_filter(log_group, name, pattern, TAMPER_METRIC)
        self.plan_topic()
        if self.o.email:
            self.plan_subscription()
        elif not any(is_confirmed(s) for s in self.subscriptions()):
            self.notes.append(
                _(
                    "Nobody will be notified: the topic {topic} has no confirmed subscription. "
                    "Pass --email ADDRESS (or subscribe a pager or chat endpoint to the topic)."
                ).format(topic=self.n.topic)
            )
        self.plan_alarm(
            self.n.signin_alarm, SIGNIN_METRIC, "Console sign-in without MFA (mfa-wizard)"
        )
        if self.o.trail_changes_alarm:
            self.plan_alarm(
                self.n.trail_changes_alarm,
                TRAIL_CHANGES_METRIC,
                "CloudTrail configuration changed (mfa-wizard)",
            )
        if not self.o.minimal:
            self.plan_alarm(
                self.n.root_usage_alarm,
                ROOT_USAGE_METRIC,
                "The root user was used (CIS; mfa-wizard)",
            )
            self.plan_alarm(
                self.n.tamper_alarm,
                TAMPER_METRIC,
                "Monitoring was changed: an alarm, filter, trail or topic (mfa-wizard)",
            )
        if self.o.quiet_hours:
            self.plan_schedules()
        self.notes += plan_notes(self.changes, self.n, self.o.minimal)
        if not reused:
            self.notes.append(
                _(
                    "MFA Delete on the trail bucket can only be enabled by the root user with its "
                    "own MFA device, through the CLI/API: {command}"
                ).format(
                    command=mfa_delete_command(self.n.bucket, self.n.account, self.n.partition)
                )
            )
        return MonitorPlan(
            self.o,
            self.n,
            self.changes,
            self.notes,
            reused["Name"] if reused else None,
            log_group,
            self.progress,
        )


def plan_monitoring(services: Services, options: MonitorOptions) -> tuple[Planner, MonitorPlan]:
    """Read everything and plan (no change is made)."""
    planner = Planner(services, options)
    return planner, planner.plan()


def apply_monitoring(
    plan: MonitorPlan, on_progress: Callable[[int, int, str], None] | None = None
) -> list[str]:
    """Run the plan's changes in order; returns the ARN or name each produced.

    A "waiting for IAM to propagate ..." line reaches `on_progress` as the current step's text.
    The KMS key and the IAM roles go first: AWS propagates them while the bucket, log group and
    topic are made, so the trail and the schedules seldom have to wait for them.
    """
    from wizard.monitoring.lock import apply_lock

    with apply_lock(plan.names.account, plan.names.region):
        done = apply_plan(
            plan.changes,
            plan.progress,
            on_progress,
            first=FIRST,
            again=_("`mfa-wizard monitor apply` (or F6 on the Monitor step)"),
        )
    return [f"{_(change.kind)} {change.name}: {answer}" for change, answer in done]


def apply_current(
    services: Services,
    plan: MonitorPlan,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> list[str]:
    """Apply `plan`, shown to a person some time ago (the TUI), only if AWS still holds what it
    was made from: under the apply lock, plan again and compare; a plan that changed meanwhile
    (another apply, a change by hand) is refused rather than applied stale."""
    from wizard.monitoring.lock import apply_lock

    def changes(p: MonitorPlan) -> list[tuple[str, str, str, str]]:
        return [(c.kind, c.name, str(c.status), c.detail) for c in p.changes if c.changes]

    with apply_lock(plan.names.account, plan.names.region):
        _unused, fresh = plan_monitoring(services, plan.options)
        if changes(fresh) != changes(plan):
            raise UsageError(
                _(
                    "the account changed since this plan was made (another apply, or a change by "
                    "hand)"
                ),
                _("plan again (F5), look at it, then apply"),
            )
        return apply_monitoring(fresh, on_progress)


FIRST = frozenset({"kms key", "iam role"})
