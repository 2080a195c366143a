"""`mfa-wizard enroll`, `devices`, `deactivate`: one user's MFA devices."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from wizard.cli.common import Handler, target_of
from wizard.cli.prompts import confirm, open_terminal, write_qr
from wizard.errors import AlreadyExistsError, UsageError, WizardError
from wizard.session.token import tries_left
from wizard.target import open_target

ENROLL_ATTEMPTS = 3
# Below the QR: one line of help, one prompt. The QR must stay whole on screen above them.
LINES_BELOW_QR = 2


@contextmanager
def hangup_is_cancel() -> Iterator[None]:
    """SIGHUP/SIGTERM (a closed terminal, a kill) cancel like Ctrl-C, so the device is rolled back."""

    def cancel(signum: int, frame: object) -> None:
        # Once: a closing terminal often sends more than one, and a second one must not cut
        # the rollback short (that would leave the device behind).
        for sig in (signal.SIGHUP, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, cancel) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def enroll_who(services: Any, user: str | None) -> str:
    """The named user, or the caller itself when it is an IAM user (self-enrolment)."""
    if user:
        return user
    identity = services.identity()
    if not identity.is_iam_user:
        raise UsageError(
            f"you are signed in as {identity.short}, not as an IAM user",
            "name the user to enrol (`mfa-wizard enroll USER`), or run this with the IAM user's own keys",
        )
    return identity.name


def pick_device_name(services: Any, user: str, wanted: str | None, existing: list) -> str:
    """The device name, after clearing (or stepping around) a leftover of an earlier attempt."""
    from wizard.enrollment import (
        default_device_name,
        free_device_name,
        leftover_named,
        remove_leftover,
        validate_device_name,
        virtual_device_names,
    )

    name = validate_device_name(wanted) if wanted else default_device_name(user, existing)
    leftover = leftover_named(services, name)
    if leftover is not None:
        print(
            f"A virtual MFA device named {name} already exists but is assigned to nobody "
            "(left over from an earlier attempt; removing it takes MFA from no one)."
        )
        if sys.stdin.isatty() and confirm(f"Remove that leftover and use the name {name}?", False):
            remove_leftover(services, leftover)
            print(f"Removed the leftover {leftover}.")
            return name
        if wanted:
            raise AlreadyExistsError(
                f"a virtual MFA device named {name!r} already exists in this account",
                "choose another --device-name, or run again on a terminal to remove the leftover",
            )
        free = free_device_name(services, user, existing)
        print(f"Using the free name {free} instead (the leftover stays; see `mfa-wizard audit`).")
        return free
    if not wanted and name in virtual_device_names(services):
        free = free_device_name(services, user, existing)
        print(f"Another user's device is named {name}: using the free name {free}.")
        return free
    return name


def ask_code(question: str) -> str:
    """A code typed at the terminal (plain line input: no cursor tricks that could scroll the QR)."""
    from wizard.cli.prompts import tty_prompt

    return tty_prompt(question + " ")


def cmd_enroll(args: argparse.Namespace) -> int:
    """`mfa-wizard enroll [USER]`: QR, each code checked as typed, enable; roll back on any exit."""
    from wizard.enrollment import Enrollment

    if (args.hardware is not None or args.security_key) and args.device_name:
        raise UsageError(
            "--device-name names a virtual device",
            "a token or a key is named by its serial (or in the console): drop --device-name",
        )
    if args.codes and args.hardware is None:
        raise UsageError(
            "--codes goes with --hardware SERIAL",
            "a virtual device's codes are typed after its QR is scanned",
        )
    with open_target(target_of(args)) as (services, demo), hangup_is_cancel():
        user = enroll_who(services, args.user)
        if args.hardware is not None:
            from wizard.cli.enroll_other import cmd_enroll_hardware

            return cmd_enroll_hardware(services, user, args)
        if args.security_key:
            from wizard.cli.enroll_other import cmd_enroll_key

            return cmd_enroll_key(services, user, args)
        with Enrollment(services, user, args.device_name) as enrollment:
            existing = enrollment.existing_devices()
            name = pick_device_name(services, user, args.device_name, existing)
            enrollment.device_name = name
            terminal = open_terminal()
            if terminal is None:
                # Before anything is created: the seed never lands in a file or a pipe.
                raise UsageError(
                    "no terminal to show the QR code on",
                    "run `mfa-wizard enroll` in a terminal; the QR code and the key are never written to files or pipes",
                )
            return show_and_enable(enrollment, terminal, user, name, existing, args.show_key, demo)


def show_and_enable(
    enrollment: Any,
    terminal: TextIO,
    user: str,
    name: str,
    existing: list,
    show_key: bool,
    demo: Any,
) -> int:
    """Create the device, show its QR (or key) on the terminal, take the codes, enable it."""
    from wizard.enrollment import WrongCodesError, account_label
    from wizard.qr import qr_size_needed

    with terminal:
        if True:
            columns, rows = os.get_terminal_size(terminal.fileno())
            free_rows = rows - LINES_BELOW_QR
            need_rows, need_columns = qr_size_needed(name, account_label(enrollment.services))
            if not show_key and (need_rows > free_rows or need_columns > columns):
                raise UsageError(
                    f"the terminal ({columns}x{rows}) is too small for the QR code "
                    f"({need_columns}x{need_rows + LINES_BELOW_QR} needed); nothing was created",
                    "enlarge the window (or make the font smaller) and run again, or add --show-key to type the key in",
                )
            print(
                f"Will create a virtual MFA device {name} for {user} "
                f"(has {len(existing)} device(s) now) and enable it after two codes check out."
            )
            serial = enrollment.create()
            if show_key:
                terminal.write(f"Key for manual entry: {enrollment.manual_key}\n")
            else:
                write_qr(terminal, enrollment.qr(max_rows=free_rows, max_columns=columns))
            help_line = "Scan it with an authenticator app, then type its codes."
            if demo is not None:
                first_code, second_code, left = enrollment.demo_codes()
                help_line = (
                    f"Demo app: first {first_code[:3]} {first_code[3:]}, "
                    f"second {second_code[:3]} {second_code[3:]} (new pair in {left} s)."
                )
            terminal.write(help_line[:columns] + "\n")
            terminal.flush()
            for attempt in range(1, ENROLL_ATTEMPTS + 1):
                first = ask_code("First code:")
                early = enrollment.check_first(first)
                if not early.ok:
                    # Refused at once: nobody waits 30 s for the next code to learn of a typo.
                    print(f"Not that one: {early.message}", file=sys.stderr)
                    continue
                second = ask_code("Next code (when the app changes):")
                try:
                    enrollment.enable(first, second)
                except WrongCodesError as exc:
                    left_tries = ENROLL_ATTEMPTS - attempt
                    print(f"Not enabled: {exc.verdict.message}", file=sys.stderr)
                    if left_tries:
                        print(f"{tries_left(left_tries)}.", file=sys.stderr)
                    continue
                print(f"Enabled {serial} for {user}.")
                return 0
        raise WizardError(
            f"gave up after {ENROLL_ATTEMPTS} wrong codes",
            "the new device was deleted; check the phone's clock and run the command again",
        )


def cmd_devices(args: argparse.Namespace) -> int:
    """`mfa-wizard devices USER`: the user's MFA devices."""
    import json

    from wizard.enrollment import ensure_user, list_devices
    from wizard.models import KIND_LABELS

    with open_target(target_of(args)) as (services, _):
        ensure_user(services, args.user)
        devices = list_devices(services, args.user)
    if args.format == "json":
        print(json.dumps([d.to_json() for d in devices], indent=2))
    elif not devices:
        print(f"{args.user} has no MFA device.")
    else:
        for d in devices:
            kind = KIND_LABELS[d.kind]
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
        "enroll",
        help="enrol an MFA device for USER: virtual (QR in the terminal, two codes), a hardware "
        "token, or a security key (console hand-off)",
    )
    enroll.add_argument(
        "user", metavar="USER", nargs="?", help="the IAM user (default: yourself, the calling user)"
    )
    enroll.add_argument("--device-name", help="device name (default: the user name)")
    kind = enroll.add_mutually_exclusive_group()
    kind.add_argument("--show-key", action="store_true", help="also print the key for manual entry")
    kind.add_argument(
        "--hardware",
        metavar="SERIAL",
        help="enable a hardware TOTP token by the serial on its back (two codes; AWS checks them)",
    )
    kind.add_argument(
        "--security-key",
        action="store_true",
        help="a security key or passkey: the console page to register it on, then wait for it",
    )
    enroll.add_argument(
        "--codes", metavar="FIRST,SECOND", help="--hardware: the two codes (for scripts)"
    )
    enroll.add_argument(
        "--wait",
        type=int,
        default=600,
        metavar="SECONDS",
        help="--security-key: how long to wait for the key (default 600)",
    )
    enroll.add_argument(
        "--yes", "-y", action="store_true", help="--hardware: do not ask before enabling"
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
