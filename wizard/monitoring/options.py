"""The Monitor step's options, checked before any AWS call, and the quiet-hours schedule maths."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.errors import UsageError
from wizard.i18n import _
from wizard.monitoring.names import EMAIL_RE, QUIET_RE, names_for

RETENTION_VALUES = {
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
}


@dataclass(frozen=True)
class MonitorOptions:
    """What the admin chose (all validated by `validate`)."""

    email: str | None = None
    timezone: str = "UTC"
    quiet_hours: str | None = None  # "18:00-09:00", weekdays
    quiet_alarm: str | None = None
    insist_quiet_signin_alarm: bool = False
    # None follows --minimal: CIS-complete (KMS for trail, log group and topic; server access
    # logging of the trail bucket) by default, neither with --minimal. `validate` settles them.
    kms: bool | None = None
    access_logging: bool | None = None
    retention_days: int = 365
    glacier_days: int = 90
    expire_days: int = 2557  # seven years
    iam_users_only: bool = False
    trail_changes_alarm: bool = True
    reuse_trail: bool = True
    # CIS adds the root-usage and monitoring-tamper alarms, the KMS key and the access-log
    # bucket; --minimal keeps to the sign-in (and trail-changes) alarm, SSE-S3 and no access logs.
    minimal: bool = False
    # One organization trail from the management account: every member's sign-ins reach one log
    # group, so one filter and one alarm cover the organization.
    organization_trail: bool = False
    # Seed 004: the CloudTrail admin and read-only groups, with these users as members.
    cloudtrail_groups: bool = False
    trail_admins: tuple[str, ...] = ()
    trail_readers: tuple[str, ...] = ()
    # Seed 004: AWS Config beside the trail (off by default: it costs per item recorded).
    config_recorder: bool = False
    config_iam_only: bool = False


def validate_timezone(name: str) -> str:
    """An IANA time zone name (e.g. Asia/Tokyo), or a UsageError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UsageError(
            _("{name!r} is not an IANA time zone").format(name=name),
            _("use a name such as Asia/Tokyo, Europe/Paris or UTC"),
        ) from None
    return name


def parse_quiet_hours(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """'18:00-09:00' -> ((18, 0), (9, 0))."""
    match = QUIET_RE.match(text.strip())
    if not match:
        raise UsageError(
            _("{text!r} is not a time range").format(text=text),
            _("write quiet hours as HH:MM-HH:MM, e.g. 18:00-09:00"),
        )
    start = (int(match.group(1)), int(match.group(2)))
    end = (int(match.group(3)), int(match.group(4)))
    if start == end:
        raise UsageError(
            _("the quiet hours start and end at the same time"), _("choose two different times")
        )
    return start, end


def validate(options: MonitorOptions) -> MonitorOptions:
    """Check every option before any AWS call; errors name the option and the fix. Returns the
    options with the CIS defaults settled (kms and access_logging: on unless --minimal)."""
    from dataclasses import replace

    options = replace(
        options,
        kms=(not options.minimal) if options.kms is None else options.kms,
        access_logging=(
            (not options.minimal) if options.access_logging is None else options.access_logging
        ),
    )
    if options.email is not None and not EMAIL_RE.match(options.email):
        raise UsageError(
            _("{email!r} is not an email address").format(email=options.email),
            _("type an address such as security@example.com"),
        )
    validate_timezone(options.timezone)
    if (options.trail_admins or options.trail_readers) and not options.cloudtrail_groups:
        raise UsageError(
            _("--trail-admins and --trail-readers are members of the CloudTrail groups"),
            _("add --cloudtrail-groups (in the TUI: tick 'CloudTrail groups')"),
        )
    if options.config_iam_only and not options.config_recorder:
        raise UsageError(
            _("--config-iam-only narrows the AWS Config recorder"),
            _("add --config-recorder"),
        )
    from wizard.enrollment import validate_user_name

    for user in (*options.trail_admins, *options.trail_readers):
        validate_user_name(user)
    if options.retention_days not in RETENTION_VALUES:
        raise UsageError(
            _("{retention_days} days is not a CloudWatch Logs retention").format(
                retention_days=options.retention_days
            ),
            _("choose one of {join}").format(
                join=", ".join(str(v) for v in sorted(RETENTION_VALUES))
            ),
        )
    if not 1 <= options.glacier_days < options.expire_days:
        raise UsageError(
            _("the lifecycle must move logs to Glacier before it expires them"),
            _("choose Glacier days < expiry days"),
        )
    if options.quiet_hours:
        parse_quiet_hours(options.quiet_hours)
        if options.quiet_alarm and not ALARM_NAME.fullmatch(options.quiet_alarm):
            # A wildcard would give the scheduler role rights over every alarm in the account.
            raise UsageError(
                _("{quiet_alarm!r} is not an alarm name").format(quiet_alarm=options.quiet_alarm),
                _("name one alarm exactly: no wildcards (* ?), 1-255 characters"),
            )
        if not options.quiet_alarm:
            raise UsageError(
                _("quiet hours need --quiet-alarm"),
                _("name the alarm to silence, e.g. {trail_changes_alarm}").format(
                    trail_changes_alarm=names_for("0", "x").trail_changes_alarm
                ),
            )
        if (
            options.quiet_alarm == names_for("0", "x").signin_alarm
            and not options.insist_quiet_signin_alarm
        ):
            raise UsageError(
                _(
                    "the no-MFA sign-in alarm would be silenced during quiet hours, and a sign-in "
                    "then is never notified later (alarm actions fire only on a change of state)"
                ),
                _(
                    "choose another alarm, or pass --insist (in the TUI: tick 'quiet no-MFA alarm "
                    "too') if you accept missing those alerts"
                ),
            )
    return options


ALARM_NAME = re.compile(r"[^*?\x00-\x1f]{1,255}")


def quiet_schedules(options: MonitorOptions) -> tuple[str, str]:
    """(disable, enable) cron expressions for weekday quiet hours in the admin's time zone.

    An overnight range (18:00-09:00) starts on weekday evenings and ends the next morning, so
    it ends Tuesday to Saturday: ending MON-FRI would silence Friday evening to Monday morning.
    """
    assert options.quiet_hours
    (sh, sm), (eh, em) = parse_quiet_hours(options.quiet_hours)
    overnight = (eh, em) < (sh, sm)
    return (
        f"cron({sm} {sh} ? * MON-FRI *)",
        f"cron({em} {eh} ? * {'TUE-SAT' if overnight else 'MON-FRI'} *)",
    )


def dst_gaps(
    timezone: str, at: tuple[int, int], weekdays: range = range(7), days: int = 366
) -> list[str]:
    """Dates in the coming year, on the given weekdays (0 = Monday), on which the local time `at`
    does not exist in `timezone` (a spring-forward gap): EventBridge Scheduler skips such a run."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    gaps = []
    start = datetime.now(zone).date()  # "today" where the schedule runs, not on this machine
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        local = datetime(day.year, day.month, day.day, at[0], at[1], tzinfo=zone)
        back = local.astimezone(UTC).astimezone(zone)
        if (back.hour, back.minute) != at:
            gaps.append(day.isoformat())
    return gaps
