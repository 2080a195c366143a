"""`mfa-session list` and `mfa-session clear [PROFILE]`: what the cache holds, and forgetting it.

Neither prints a key id, a secret or a token: names, ARNs and times only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from wizard.session.keys import REFRESH_MARGIN_SECONDS


def list_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """`mfa-session list [--format table|json]`."""
    parser = parser or argparse.ArgumentParser(prog="mfa-session list")
    parser.description = (
        "List the cached sessions: profile, identity (ARN), role, expiry and time left. Never "
        "a key or a token."
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
        print(f"No cached sessions (in {cache_dir()}).")
        return 0
    rows = [
        (
            s.profile,
            s.identity or "-",
            s.role_arn or "-",
            s.expiration.astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            left_text(s.seconds_left),
        )
        for s in sessions
    ]
    header = ("PROFILE", "IDENTITY", "ROLE", "EXPIRES", "LEFT")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    return 0


def left_text(seconds: float) -> str:
    """Time left as `list` says it: a session inside botocore's refresh window is renewed (a
    new code for a plain profile) the next time it is asked for."""
    from wizard.session.credentials import describe_left

    if seconds <= 0:
        return "expired"
    if seconds <= REFRESH_MARGIN_SECONDS:
        return f"{describe_left(seconds)} (renewed at next use)"
    return describe_left(seconds)


def clear_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """`mfa-session clear [PROFILE]`."""
    parser = parser or argparse.ArgumentParser(prog="mfa-session clear")
    parser.description = (
        "Forget PROFILE's cached session and those of the role profiles that use it, or every "
        "cached session. AWS keeps a session valid until it expires: to cut one short, revoke "
        "it in IAM (the role's 'Revoke active sessions', or the user's keys)."
    )
    parser.add_argument("profile", nargs="?", metavar="PROFILE", help="default: every profile")
    return parser


def run_clear(argv: Sequence[str]) -> int:
    """`mfa-session clear [PROFILE]`."""
    args = clear_parser().parse_args(argv)
    from wizard.session.listing import clear_sessions

    gone = clear_sessions(args.profile)
    shown = sorted({s.profile for s in gone if not s.is_device_share})
    whose = f"profile {args.profile}" if args.profile else "any profile"
    if not gone:
        print(f"No cached session for {whose}; nothing to do.", file=sys.stderr)
    elif not shown:
        print(f"Forgot the hand-over session at {whose}'s MFA device.", file=sys.stderr)
    else:
        count = len([s for s in gone if not s.is_device_share])
        noun = "session" if count == 1 else "sessions"
        print(f"Forgot {count} cached {noun}: {', '.join(shown)}.", file=sys.stderr)
    return 0
