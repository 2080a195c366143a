"""`mfa-wizard enroll`, `devices`, `deactivate`: one user's MFA devices."""

from __future__ import annotations

import argparse
import sys

from wizard.cli.common import Handler, target_of
from wizard.cli.output import terminal_qr
from wizard.cli.prompts import ask, confirm
from wizard.errors import UsageError, WizardError
from wizard.target import open_target

ENROLL_ATTEMPTS = 3


def cmd_enroll(args: argparse.Namespace) -> int:
    """`mfa-wizard enroll USER`: QR, two codes verified locally, enable; roll back on any exit."""
    from wizard.enrollment import Enrollment, WrongCodesError, default_device_name

    with open_target(target_of(args)) as (services, demo):
        with Enrollment(services, args.user, args.device_name) as enrollment:
            existing = enrollment.existing_devices()
            name = enrollment.device_name or default_device_name(args.user, existing)
            enrollment.device_name = name
            print(
                f"Will create a virtual MFA device {name} for {args.user} "
                f"(has {len(existing)} device(s) now) and enable it after two codes check out."
            )
            serial = enrollment.create()
            print(terminal_qr(enrollment.qr()))
            print(f"Scan this with an authenticator app: {enrollment.device_name} @ account.")
            if args.show_key:
                print(f"Key for manual entry: {enrollment.manual_key}")
            else:
                print("Can't scan? Run again with --show-key for the key to type in.")
            for attempt in range(1, ENROLL_ATTEMPTS + 1):
                if demo is not None:
                    now_code, next_code, left = enrollment.demo_codes()
                    print(f"(demo authenticator: {now_code}, next {next_code} in {left} s)")
                first = ask("First code:")
                second = ask("Second code (the next one the app shows):")
                try:
                    enrollment.enable(first, second)
                except WrongCodesError as exc:
                    left_tries = ENROLL_ATTEMPTS - attempt
                    print(f"Not enabled: {exc.verdict.message}", file=sys.stderr)
                    if left_tries:
                        print(f"{left_tries} tries left.", file=sys.stderr)
                    continue
                print(f"Enabled {serial} for {args.user}.")
                return 0
        raise WizardError(
            f"gave up after {ENROLL_ATTEMPTS} wrong code pairs",
            "the new device was deleted; check the phone's clock and run the command again",
        )


def cmd_devices(args: argparse.Namespace) -> int:
    """`mfa-wizard devices USER`: the user's MFA devices."""
    import json

    from wizard.enrollment import ensure_user, list_devices

    with open_target(target_of(args)) as (services, _):
        ensure_user(services, args.user)
        devices = list_devices(services, args.user)
    if args.format == "json":
        print(json.dumps([d.to_json() for d in devices], indent=2))
    elif not devices:
        print(f"{args.user} has no MFA device.")
    else:
        for d in devices:
            kind = "virtual" if d.is_virtual else "hardware/passkey"
            when = d.enabled_at.isoformat() if d.enabled_at else "?"
            print(f"{d.serial}  {kind}  enabled {when}")
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    """`mfa-wizard deactivate USER SERIAL [--delete]`, after saying what it will do."""
    from wizard.enrollment import deactivate_device, ensure_user, list_devices

    with open_target(target_of(args)) as (services, _):
        ensure_user(services, args.user)
        serials = {d.serial for d in list_devices(services, args.user)}
        if args.serial not in serials:
            raise UsageError(
                f"{args.user} has no MFA device {args.serial}",
                f"see `mfa-wizard devices {args.user}` for the serials",
            )
        action = "deactivate and delete" if args.delete else "deactivate"
        print(
            f"Will {action} {args.serial} of {args.user}; they cannot use it to sign in after this."
        )
        if not confirm("Go ahead?", args.yes):
            print("Nothing changed.")
            return 1
        print(deactivate_device(services, args.user, args.serial, delete=args.delete) + ".")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """`enroll`, `devices`, `deactivate`."""
    enroll = commands.add_parser(
        "enroll", help="enrol a virtual MFA device for USER (QR in the terminal, two codes)"
    )
    enroll.add_argument("user", metavar="USER")
    enroll.add_argument("--device-name", help="device name (default: the user name)")
    enroll.add_argument(
        "--show-key", action="store_true", help="also print the key for manual entry"
    )

    devices = commands.add_parser("devices", help="list a user's MFA devices")
    devices.add_argument("user", metavar="USER")
    devices.add_argument("--format", choices=["table", "json"], default="table")

    deactivate = commands.add_parser("deactivate", help="deactivate (and delete) a user's device")
    deactivate.add_argument("user", metavar="USER")
    deactivate.add_argument("serial", metavar="SERIAL")
    deactivate.add_argument(
        "--delete", action="store_true", help="also delete it (virtual devices only)"
    )
    deactivate.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    return {"enroll": cmd_enroll, "devices": cmd_devices, "deactivate": cmd_deactivate}
