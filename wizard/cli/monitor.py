"""`mfa-wizard monitor plan|apply|teardown|test-notification`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wizard.cli.common import Handler, target_of
from wizard.cli.language import ListHelpFormatter
from wizard.cli.output import format_monitor_plan
from wizard.cli.prompts import confirm
from wizard.i18n import _
from wizard.target import open_target


def monitor_options(args: argparse.Namespace) -> Any:
    """MonitorOptions from the command line."""
    from wizard.enrollment import user_names
    from wizard.monitoring import MonitorOptions

    return MonitorOptions(
        email=args.email,
        timezone=args.timezone,
        quiet_hours=args.quiet_hours,
        quiet_alarm=args.quiet_alarm,
        insist_quiet_signin_alarm=args.insist,
        kms=args.kms,  # None: on unless --minimal
        retention_days=args.retention,
        glacier_days=args.glacier_days,
        expire_days=args.expire_days,
        iam_users_only=args.iam_users_only,
        trail_changes_alarm=not args.no_trail_changes_alarm,
        minimal=args.minimal,
        organization_trail=args.organization_trail,
        reuse_trail=not args.new_trail,
        cloudtrail_groups=args.cloudtrail_groups,
        trail_admins=user_names(args.trail_admins),
        trail_readers=user_names(args.trail_readers),
        config_recorder=args.config_recorder,
        config_iam_only=args.config_iam_only,
    )


def cmd_monitor(args: argparse.Namespace) -> int:
    """`mfa-wizard monitor plan|apply|teardown|test-notification|drill`."""

    from wizard import monitoring

    options = monitoring.validate(monitor_options(args))
    with open_target(target_of(args)) as (services, _unused):
        if args.action == "teardown":
            names = monitoring.names_for(services.identity().account_id, services.region)
            print(
                _(
                    "Will delete what mfa-wizard created for monitoring in {region} (trail {trail}, "
                    "alarms, topic, filters, roles, schedules, the CloudTrail groups "
                    "{trail_admins_group} and {trail_readers_group} with their members taken out, "
                    "the AWS Config recorder and channel named {config_recorder}{purge})."
                ).format(
                    region=services.region,
                    trail=names.trail,
                    trail_admins_group=names.trail_admins_group,
                    trail_readers_group=names.trail_readers_group,
                    config_recorder=names.config_recorder,
                    purge=_(", and the logs in {bucket}").format(bucket=names.bucket)
                    if args.purge
                    else "",
                )
            )
            if not confirm(_("Tear down?"), args.yes):
                print(_("Nothing changed."))
                return 1
            done = monitoring.teardown(services, purge=args.purge)
            print("\n".join(f"  {line}" for line in done) if done else _("Nothing to tear down."))
            return 0
        if args.action == "drill":
            from wizard.monitoring.audience import drill_audience
            from wizard.monitoring.drill import refuse_foreign, run_drill, signin_log_group, verdict

            group = signin_log_group(services)
            audience = drill_audience(services, group)
            print(
                _(
                    "Will write one synthetic ConsoleLogin-without-MFA event, marked as a drill, "
                    "into the log group below, then follow it: metric -> alarm -> topic. Everything "
                    "that reads that group sees it; up to {timeout:.0f} s:"
                ).format(timeout=args.timeout)
            )
            print("\n".join(audience.lines()))
            refuse_foreign(audience.group, audience.own, args.other_log_group)
            if not confirm(_("Run the fire drill?"), args.yes):
                print(_("Nothing changed."))
                return 1
            hops = run_drill(
                services,
                timeout=args.timeout,
                say=lambda hop: print(f"  {hop.line()}", flush=True),
                allow_foreign=args.other_log_group,
            )
            complete, words = verdict(hops)
            print(words)
            return 0 if complete else 1
        if args.action == "test-notification":
            sent = monitoring.send_test_notification(
                services,
                confirm=lambda: confirm(
                    _(
                        "Set the no-MFA alarm to ALARM once (every confirmed subscriber is emailed)?"
                    ),
                    args.yes,
                ),
            )
            if sent is None:
                print(_("Nothing changed."))
                return 1
            alarm, reachable = sent
            print(
                _(
                    "Set {alarm} to ALARM once: the alarm's action publishes to the topic now."
                ).format(alarm=alarm)
                + (
                    _(" Confirmed subscribers get it within a minute.")
                    if reachable
                    else _(
                        " Nobody will receive it: the topic has no confirmed subscription (apply "
                        "with --email ADDRESS and click the link in the confirmation email)."
                    )
                )
            )
            return 0
        if args.action == "apply":
            from wizard.monitoring.lock import apply_lock

            # Held from the plan to the last change: a second apply is refused, never racing.
            with apply_lock(services.identity().account_id, services.region):
                return plan_and_apply(services, options, args)
        return plan_and_apply(services, options, args)


def plan_and_apply(services: Any, options: Any, args: argparse.Namespace) -> int:
    """`monitor plan`, or `monitor apply`: the plan, then (asked) its changes."""
    import json

    from wizard import monitoring

    _unused, plan = monitoring.plan_monitoring(services, options)
    if args.format == "json":
        print(json.dumps(plan.to_json(), indent=2))
    else:
        print(format_monitor_plan(plan), end="")
    if plan.nothing_to_do:
        print(
            _("Nothing to do: every resource is in place.") if args.format == "table" else "",
            end="\n" if args.format == "table" else "",
        )
        return 0
    if args.action == "plan":
        return 0
    if not confirm(_("Apply this plan?"), args.yes):
        print(_("Nothing changed."))
        return 1
    for line in monitoring.apply_monitoring(
        plan, lambda i, n, what: print(f"  [{i}/{n}] {what}", file=sys.stderr)
    ):
        print(f"  {line}")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """`monitor`."""
    monitor = commands.add_parser(
        "monitor",
        help=_("trail, no-MFA sign-in alarm, notification, schedules"),
        formatter_class=ListHelpFormatter,
        description=_(
            "actions:\n  plan               read every resource; say what apply would create "
            "or fix, and its cost\n  apply              plan, ask, then make the changes (a "
            "second apply changes nothing)\n  teardown           remove what the wizard made; "
            "the evidence stays unless --purge\n  test-notification  set the no-MFA alarm "
            "once, so subscribers get an email\n  drill              write a marked sign-in "
            "without MFA and follow it hop by hop"
        ),
    )
    monitor.add_argument(
        "action", choices=["plan", "apply", "teardown", "test-notification", "drill"]
    )
    monitor.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help=_("drill: seconds to wait for the whole chain (default 600)"),
    )
    monitor.add_argument(
        "--other-log-group",
        action="store_true",
        help=_(
            "drill: write the event even when the sign-in filter is on a log group that is "
            "not mfa-wizard's own (a reused trail's): its other readers see it too"
        ),
    )
    monitor.add_argument("--email", help=_("where alerts go (an SNS email subscription)"))
    monitor.add_argument(
        "--timezone", default="UTC", help=_("IANA time zone for schedules (Asia/Tokyo)")
    )
    monitor.add_argument(
        "--quiet-hours", metavar="HH:MM-HH:MM", help=_("weekday hours to silence --quiet-alarm")
    )
    monitor.add_argument(
        "--quiet-alarm", metavar="NAME", help=_("the alarm whose actions quiet hours disable")
    )
    monitor.add_argument(
        "--insist",
        action="store_true",
        help=_("allow the no-MFA alarm on the quiet-hours schedule"),
    )
    monitor.add_argument(
        "--kms",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_(
            "one customer managed KMS key (rotating) for the trail, its log group and the "
            "topic: on by default, off with --minimal ($1/month)"
        ),
    )
    monitor.add_argument(
        "--retention", type=int, default=365, help=_("log group retention in days (365)")
    )
    monitor.add_argument(
        "--glacier-days", type=int, default=90, help=_("move logs to Glacier after N days")
    )
    monitor.add_argument(
        "--expire-days", type=int, default=2557, help=_("delete logs after M days")
    )
    monitor.add_argument(
        "--iam-users-only",
        "--cis-v4-pattern",
        dest="iam_users_only",
        action="store_true",
        help=_(
            "CIS v4's sign-in pattern: successful IAM-user sign-ins only (no alarm for SSO "
            "sign-ins, which carry no MFAUsed; root sign-ins stay covered by the root-usage "
            "alarm)"
        ),
    )
    monitor.add_argument(
        "--no-trail-changes-alarm", action="store_true", help=_("skip the second alarm")
    )
    monitor.add_argument(
        "--new-trail", action="store_true", help=_("do not reuse an existing trail")
    )
    monitor.add_argument(
        "--minimal",
        action="store_true",
        help=_(
            "the cheaper set: the no-MFA sign-in (and trail-changes) alarm, SSE-S3; no KMS "
            "key, no access-log bucket, no CIS root-usage and monitoring-tamper alarms"
        ),
    )
    monitor.add_argument(
        "--organization-trail",
        action="store_true",
        help=_(
            "from the management account: one organization trail, so one log group, filter "
            "and alarm cover the sign-ins of every member account"
        ),
    )
    monitor.add_argument(
        "--cloudtrail-groups",
        action="store_true",
        help=_(
            "two IAM groups: CloudTrail admins (AWSCloudTrail_FullAccess: they can stop the "
            "trail, which the alarms watch) and readers (AWSCloudTrail_ReadOnlyAccess)"
        ),
    )
    monitor.add_argument(
        "--trail-admins",
        metavar="USER,...",
        help=_("--cloudtrail-groups: the admins group's members"),
    )
    monitor.add_argument(
        "--trail-readers", metavar="USER,...", help=_("--cloudtrail-groups: the readers' members")
    )
    monitor.add_argument(
        "--config-recorder",
        action="store_true",
        help=_(
            "AWS Config beside the trail (a timeline of who changed what), delivering to the "
            "trail bucket under config/; $0.003 per configuration item recorded; an existing "
            "recorder is reused, never replaced"
        ),
    )
    monitor.add_argument(
        "--config-iam-only",
        action="store_true",
        help=_("--config-recorder: record IAM users, groups, roles and policies only"),
    )
    monitor.add_argument(
        "--purge",
        action="store_true",
        help=_(
            "teardown: also delete the evidence: the trail's logs and their bucket, the "
            "access logs and their bucket, the log group, and the KMS key (scheduled, 7 days)"
        ),
    )
    monitor.add_argument("--yes", "-y", action="store_true", help=_("do not ask for confirmation"))
    monitor.add_argument(
        "--format", choices=["table", "json"], default="table", help=_("plan output (table)")
    )
    return {"monitor": cmd_monitor}
