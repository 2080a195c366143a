"""The Summary: the account's MFA posture as a few facts, before and after the sitting.

One state is a handful of reads (the audit, the group, the trail, the filter, the alarm, the
subscription, the schedules); `markdown()` puts two states side by side for the record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from wizard import APP_NAME
from wizard.audit import run_audit
from wizard.aws import Services
from wizard.errors import WizardError
from wizard.i18n import _
from wizard.models import AuditResult
from wizard.monitoring import SIGNIN_PATTERN, SIGNIN_PATTERN_IAM_USERS, names_for
from wizard.monitoring.alerts import topic_subscriptions
from wizard.policies import DEFAULT_GROUP


@dataclass
class PostureState:
    """The facts the summary compares."""

    taken_at: str
    account_id: str
    console_users: int
    console_users_without_mfa: list[str]
    root_mfa: bool
    users_under_policy: list[str]
    trail: str
    signin_filter: str
    signin_alarm: str
    subscription: str
    schedules: list[str] = field(default_factory=list)
    # "virtual", "hardware or fido" or "" (wizard.devices.root_mfa_type); users with only
    # security keys (no codes for mfa-session); root's active access keys (None: not in report).
    root_mfa_type: str = ""
    fido_only_users: list[str] = field(default_factory=list)
    root_access_keys: int | None = None
    cloudtrail_groups: str = "none"
    config_recorder: str = "none"

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs in display order."""
        return [
            (
                _("Console users without MFA"),
                _("{without} of {console}").format(
                    without=len(self.console_users_without_mfa), console=self.console_users
                ),
            ),
            (_("Root MFA"), self.root_mfa_words()),
            (_("Users with only a security key"), str(len(self.fido_only_users))),
            (_("Users in {group}").format(group=DEFAULT_GROUP), str(len(self.users_under_policy))),
            (_("Trail"), self.trail),
            (_("No-MFA sign-in filter"), self.signin_filter),
            (_("Alarm"), self.signin_alarm),
            (_("Email subscription"), self.subscription),
            (_("Schedules"), ", ".join(self.schedules) or _("none")),
            (_("CloudTrail groups"), self.cloudtrail_groups),
            (_("AWS Config"), self.config_recorder),
        ]

    def root_mfa_words(self) -> str:
        """'on (a virtual device)', 'OFF', ... with root's access keys when it has any."""
        from wizard.devices import describe_root_type

        words = (
            _("on ({kind})").format(kind=describe_root_type(self.root_mfa_type))
            if self.root_mfa
            else _("OFF")
        )
        if self.root_access_keys:
            words += _("; {count} root access key(s)!").format(count=self.root_access_keys)
        return words


def _safe(call, default: str) -> str:  # noqa: ANN001 - a read that may be denied
    try:
        return call()
    except WizardError:
        return default
    except Exception:
        return default


def capture(services: Services, audit: AuditResult | None = None) -> PostureState:
    """Read the current posture (a denied read shows as 'unknown', never an error).

    `audit` is one just taken (the TUI's first audit), so the 'before' state costs no second one.
    """
    audit = audit or run_audit(services)
    n = names_for(audit.account_id, services.region)
    iam = services.iam

    def members() -> list[str]:
        pages = iam.get_paginator("get_group").paginate(GroupName=DEFAULT_GROUP)
        return sorted(u["UserName"] for page in pages for u in page["Users"])

    try:
        under = members()
    except Exception:
        under = []

    def trail() -> str:
        trails = services.client("cloudtrail").describe_trails()["trailList"]
        delivering = [
            t for t in trails if t.get("IsMultiRegionTrail") and t.get("CloudWatchLogsLogGroupArn")
        ]
        if not delivering:
            return _("none")
        status = services.client("cloudtrail").get_trail_status(Name=delivering[0]["Name"])
        return (
            _("{name} (logging)") if status.get("IsLogging") else _("{name} (NOT logging)")
        ).format(name=delivering[0]["Name"])

    def signin_filter() -> str:
        logs = services.client("logs")
        groups = logs.get_paginator("describe_log_groups").paginate()
        for group in (g for page in groups for g in page["logGroups"]):
            pages = logs.get_paginator("describe_metric_filters").paginate(
                logGroupName=group["logGroupName"]
            )
            for f in (f for page in pages for f in page["metricFilters"]):
                if f["filterPattern"] in {SIGNIN_PATTERN, SIGNIN_PATTERN_IAM_USERS}:
                    return _("{name} on {group}").format(
                        name=f["filterName"], group=group["logGroupName"]
                    )
        return _("none")

    def alarm() -> str:
        found = services.client("cloudwatch").describe_alarms(AlarmNames=[n.signin_alarm])[
            "MetricAlarms"
        ]
        if not found:
            return _("none")
        a = found[0]
        return (
            _("{name} ({state}, actions on)")
            if a.get("ActionsEnabled")
            else _("{name} ({state}, actions OFF)")
        ).format(name=a["AlarmName"], state=a["StateValue"])

    def subscription() -> str:
        sns = services.client("sns")
        topics = sns.get_paginator("list_topics").paginate()
        if n.topic_arn not in {t["TopicArn"] for page in topics for t in page["Topics"]}:
            return _("none")
        subs = topic_subscriptions(services, n.topic_arn)
        if not subs:
            return _("none")
        pending = [
            s
            for s in subs
            if s["SubscriptionArn"] in {"PendingConfirmation", "pending confirmation"}
        ]
        return (
            _("{count} ({pending} waiting for confirmation)").format(
                count=len(subs), pending=len(pending)
            )
            if pending
            else _("{count} confirmed").format(count=len(subs))
        )

    def schedules() -> list[str]:
        scheduler = services.client("scheduler")
        items = [
            s
            for page in scheduler.get_paginator("list_schedules").paginate(NamePrefix=APP_NAME)
            for s in page["Schedules"]
        ]
        return sorted(s["Name"] for s in items)

    try:
        schedule_names = schedules()
    except Exception:
        schedule_names = []

    def groups() -> str:
        from wizard.monitoring.groups import cloudtrail_groups

        found = cloudtrail_groups(iam, n)
        labels = ((_("admins"), n.trail_admins_group), (_("readers"), n.trail_readers_group))
        counts = [f"{label} {len(found[name][0])}" for label, name in labels if name in found]
        return ", ".join(counts) or _("none")

    def config() -> str:
        from wizard.monitoring.config import config_state

        state = config_state(services, full=False)
        if not state["recorders"]:
            return _("none")
        name = state["recorders"][0]["name"]
        return (
            _("{name} (recording)") if state["recording"].get(name) else _("{name} (STOPPED)")
        ).format(name=name)

    return PostureState(
        taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
        account_id=audit.account_id,
        console_users=audit.console_user_count,
        console_users_without_mfa=[u.user_name for u in audit.console_users_without_mfa],
        root_mfa=audit.root_mfa_active,
        users_under_policy=under,
        trail=_safe(trail, _("unknown")),
        signin_filter=_safe(signin_filter, _("unknown")),
        signin_alarm=_safe(alarm, _("unknown")),
        subscription=_safe(subscription, _("unknown")),
        schedules=schedule_names,
        root_mfa_type=audit.root_mfa_type,
        fido_only_users=[u.user_name for u in audit.fido_only_users],
        root_access_keys=audit.root.access_keys_active if audit.root else None,
        cloudtrail_groups=_safe(groups, _("unknown")),
        config_recorder=_safe(config, _("unknown")),
    )


def markdown(
    before: PostureState | None, after: PostureState, changes: list[str] | None = None
) -> str:
    """A Markdown report: before and after side by side, then the changes made."""
    lines = [_("# MFA posture of account {account}").format(account=after.account_id), ""]
    if before is not None:
        lines += [
            _("Before: {before} · After: {after}").format(
                before=before.taken_at, after=after.taken_at
            ),
            "",
            _("| | Before | After |"),
            "|---|---|---|",
        ]
        for (label, was), (_unused, now) in zip(before.rows(), after.rows(), strict=True):
            lines.append(f"| {label} | {was} | {now} |")
    else:
        lines += [
            _("As of {taken_at}").format(taken_at=after.taken_at),
            "",
            _("| | Now |"),
            "|---|---|",
        ]
        lines += [f"| {label} | {value} |" for label, value in after.rows()]
    if after.console_users_without_mfa:
        lines += [
            "",
            _("Console users still without MFA: {users}").format(
                users=", ".join(after.console_users_without_mfa)
            ),
        ]
    if changes:
        lines += ["", _("## Changes made"), ""] + [f"- {c}" for c in changes]
    return "\n".join(lines) + "\n"


def to_json(state: PostureState) -> dict:
    """The state as JSON."""
    return asdict(state)
