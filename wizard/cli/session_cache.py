"""`mfa-session list` and `mfa-session clear [PROFILE]`: what the cache holds, and forgetting it.

Neither prints a key id, a secret or a token: names, ARNs and times only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime

from wizard.cli.language import ArgumentParser
from wizard.i18n import _, aligned, ngettext
from wizard.session.keys import REFRESH_MARGIN_SECONDS


def list_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """`mfa-session list [--format table|json]`."""
    parser = parser or ArgumentParser(prog="mfa-session list")
    parser.description = _(
        "List the cached sessions: profile, identity (ARN), role, expiry and time left. "
        "Never a key or a token."
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def run_list(argv: Sequence[str]) -> int:
    """`mfa-session list [--format table|json]`."""
    args = list_parser().parse_args(argv)
    from wizard.session.cache import cache_dir
    from wizard.session.listing import cached_sessions

    sessions = cached_sessions()
    if args.format == "json":
        print(json.dumps([s.as_dict() for s in sessions], indent=2))
        return 0
    if not sessions:
        print(_("No cached sessions (in {cache_dir}).").format(cache_dir=cache_dir()))
        return 0
    rows = [
        (
            s.profile,
            *arn_parts(s.identity),
            expiry_text(s.seconds_left, s.expiration),
            left_text(s.seconds_left),
        )
        for s in sessions
    ]
    # The role is in the identity (assumed-role/ROLE/SESSION); `--format json` has full ARNs.
    header = (_("PROFILE"), _("ACCOUNT"), _("IDENTITY"), _("EXPIRES"), _("LEFT"))
    for line in aligned([header, *rows]):
        print(line)
    return 0


def arn_parts(arn: str) -> tuple[str, str]:
    """(account, resource) of an ARN, for a table that fits 80 columns: `123456789012`,
    `assumed-role/admin/mfa-session-admin`."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return "-", arn or "-"
    return parts[4] or "-", parts[5] if parts[1] == "aws" else f"{parts[1]}:{parts[5]}"


def expiry_text(seconds_left: float, expiration: datetime) -> str:
    """The local time of expiry (as the clock on your screen shows it); the date too when it is
    a day or more away."""
    local = expiration.astimezone()
    return local.strftime("%H:%M" if seconds_left < 86400 else "%m-%d %H:%M")


def left_text(seconds: float) -> str:
    """Time left, short (`11h59m`, `42m05s`): a session inside botocore's refresh window is
    renewed (a new code for a plain profile) the next time it is asked for."""
    if seconds <= 0:
        return _("expired")
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    short = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
    return (
        _("{short} (renewed at next use)").format(short=short)
        if seconds <= REFRESH_MARGIN_SECONDS
        else short
    )


def clear_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """`mfa-session clear [PROFILE]`."""
    parser = parser or ArgumentParser(prog="mfa-session clear")
    parser.description = _(
        "Forget PROFILE's cached session and those of the role profiles that use it, or "
        "every cached session. AWS keeps a session valid until it expires: to cut one "
        "short, revoke it in IAM (the role's 'Revoke active sessions', or the user's "
        "keys)."
    )
    parser.add_argument("profile", nargs="?", metavar="PROFILE", help=_("default: every profile"))
    return parser


def run_clear(argv: Sequence[str]) -> int:
    """`mfa-session clear [PROFILE]`."""
    args = clear_parser().parse_args(argv)
    from wizard.session.listing import clear_sessions

    gone = clear_sessions(args.profile)
    shown = sorted({s.profile for s in gone if not s.is_device_share})
    whose = (
        _("profile {profile}").format(profile=args.profile) if args.profile else _("any profile")
    )
    if not gone:
        from wizard.session.profiles import profile_exists

        unknown = args.profile and not profile_exists(args.profile)
        note = _(" (and no such profile in the config files)") if unknown else ""
        print(
            _("No cached session for {whose}{note}; nothing to do.").format(whose=whose, note=note),
            file=sys.stderr,
        )
    elif not shown:
        print(
            _("Forgot the hand-over session at {whose}'s MFA device.").format(whose=whose),
            file=sys.stderr,
        )
    else:
        count = len([s for s in gone if not s.is_device_share])
        print(
            ngettext(
                "Forgot {count} cached session: {profiles}.",
                "Forgot {count} cached sessions: {profiles}.",
                count,
            ).format(count=count, profiles=", ".join(shown)),
            file=sys.stderr,
        )
    return 0
