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
from wizard.i18n import _, cut
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
            _("you are signed in as {short}, not as an IAM user").format(short=identity.short),
            _(
                "name the user to enrol (`mfa-wizard enroll USER`), or run this with the IAM "
                "user's own keys"
            ),
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
            _(
                "A virtual MFA device named {name} already exists but is assigned to nobody "
                "(left over from an earlier attempt; removing it takes MFA from no one)."
            ).format(name=name)
        )
        if sys.stdin.isatty() and confirm(
            _("Remove that leftover and use the name {name}?").format(name=name), False
        ):
            remove_leftover(services, leftover)
            print(_("Removed the leftover {leftover}.").format(leftover=leftover))
            return name
        if wanted:
            raise AlreadyExistsError(
                _("a virtual MFA device named {name!r} already exists in this account").format(
                    name=name
                ),
                _(
                    "choose another --device-name, or run again on a terminal to remove the leftover"
                ),
            )
        free = free_device_name(services, user, existing)
        print(
            _(
                "Using the free name {free} instead (the leftover stays; see `mfa-wizard audit`)."
            ).format(free=free)
        )
        return free
    if not wanted and name in virtual_device_names(services):
        free = free_device_name(services, user, existing)
        print(
            _("Another user's device is named {name}: using the free name {free}.").format(
                name=name, free=free
            )
        )
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
            _("--device-name names a virtual device"),
            _("a token or a key is named by its serial (or in the console): drop --device-name"),
        )
    if args.codes and args.hardware is None:
        raise UsageError(
            _("--codes goes with --hardware SERIAL"),
            _("a virtual device's codes are typed after its QR is scanned"),
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
                    _("no terminal to show the QR code on"),
                    _(
                        "run `mfa-wizard enroll` in a terminal; the QR code and the key are never "
                        "written to files or pipes"
                    ),
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
                    _(
                        "the terminal ({columns}x{rows}) is too small for the QR code "
                        "({need_columns}x{value} needed); nothing was created"
                    ).format(
                        columns=columns,
                        rows=rows,
                        need_columns=need_columns,
                        value=need_rows + LINES_BELOW_QR,
                    ),
                    _(
                        "enlarge the window (or make the font smaller) and run again, or add --show-key "
                        "to type the key in"
                    ),
                )
            print(
                _(
                    "Will create a virtual MFA device {name} for {user} (has {count} device(s) now) "
                    "and enable it after two codes check out."
                ).format(name=name, user=user, count=len(existing))
            )
            serial = enrollment.create()
            if show_key:
                terminal.write(
                    _("Key for manual entry: {key}").format(key=enrollment.manual_key) + "\n"
                )
            else:
                write_qr(terminal, enrollment.qr(max_rows=free_rows, max_columns=columns))
            help_line = _("Scan it with an authenticator app, then type its codes.")
            if demo is not None:
                first_code, second_code, left = enrollment.demo_codes()
                help_line = _(
                    "Demo app: first {first} {first2}, second {second} {second2} (new pair in "
                    "{left} s)."
                ).format(
                    first=first_code[:3],
                    first2=first_code[3:],
                    second=second_code[:3],
                    second2=second_code[3:],
                    left=left,
                )
            terminal.write(cut(help_line, columns) + "\n")
            terminal.flush()
            for attempt in range(1, ENROLL_ATTEMPTS + 1):
                first = ask_code(_("First code:"))
                early = enrollment.check_first(first)
                if not early.ok:
                    # Refused at once: nobody waits 30 s for the next code to learn of a typo.
                    print(
                        _("Not that one: {message}").format(message=early.message), file=sys.stderr
                    )
                    continue
                second = ask_code(_("Next code (when the app changes):"))
                try:
                    enrollment.enable(first, second)
                except WrongCodesError as exc:
                    left_tries = ENROLL_ATTEMPTS - attempt
                    print(
                        _("Not enabled: {message}").format(message=exc.verdict.message),
                        file=sys.stderr,
                    )
                    if left_tries:
                        print(
                            _("{tries_left}.").format(tries_left=tries_left(left_tries)),
                            file=sys.stderr,
                        )
                    continue
                print(_("Enabled {serial} for {user}.").format(serial=serial, user=user))
                return 0
        raise WizardError(
            _("gave up after {enroll_attempts} wrong codes").format(
                enroll_attempts=ENROLL_ATTEMPTS
            ),
            _("the new device was deleted; check the phone's clock and run the command again"),
        )


def cmd_devices(args: argparse.Namespace) -> int:
    """`mfa-wizard devices USER`: the user's MFA devices."""
    import json

    from wizard.enrollment import ensure_user, list_devices
    from wizard.models import KIND_LABELS

    with open_target(target_of(args)) as (services, _unused):
        ensure_user(services, args.user)
        devices = list_devices(services, args.user)
    if args.format == "json":
        print(json.dumps([d.to_json() for d in devices], indent=2))
    elif not devices:
        print(_("{user} has no MFA device.").format(user=args.user))
    else:
        for d in devices:
            kind = _(KIND_LABELS[d.kind])
            when = d.enabled_at.isoformat() if d.enabled_at else "?"
            print(
                _("{serial}  {kind}  enabled {when}").format(serial=d.serial, kind=kind, when=when)
            )
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    """`mfa-wizard deactivate USER SERIAL [--delete]`, after saying what it will do."""
    from wizard.enrollment import deactivate_device, ensure_user, list_devices

    with open_target(target_of(args)) as (services, _unused):
        ensure_user(services, args.user)
        serials = {d.serial for d in list_devices(services, args.user)}
        if args.serial not in serials:
            raise UsageError(
                _("{user} has no MFA device {serial}").format(user=args.user, serial=args.serial),
                _("see `mfa-wizard devices {user}` for the serials").format(user=args.user),
            )
        print(
            (
                _(
                    "Will deactivate and delete {serial} of {user}; they cannot use it to sign in "
                    "after this."
                )
                if args.delete
                else _(
                    "Will deactivate {serial} of {user}; they cannot use it to sign in after this."
                )
            ).format(serial=args.serial, user=args.user)
        )
        if not confirm(_("Go ahead?"), args.yes):
            print(_("Nothing changed."))
            return 1
        print(deactivate_device(services, args.user, args.serial, delete=args.delete) + ".")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """`enroll`, `devices`, `deactivate`."""
    enroll = commands.add_parser(
        "enroll",
        help=_(
            "enrol an MFA device for USER: virtual (QR in the terminal, two codes), a "
            "hardware token, or a security key (console hand-off)"
        ),
    )
    enroll.add_argument(
        "user",
        metavar="USER",
        nargs="?",
        help=_("the IAM user (default: yourself, the calling user)"),
    )
    enroll.add_argument("--device-name", help=_("device name (default: the user name)"))
    kind = enroll.add_mutually_exclusive_group()
    kind.add_argument(
        "--show-key", action="store_true", help=_("also print the key for manual entry")
    )
    kind.add_argument(
        "--hardware",
        metavar="SERIAL",
        help=_(
            "enable a hardware TOTP token by the serial on its back (two codes; AWS checks them)"
        ),
    )
    kind.add_argument(
        "--security-key",
        action="store_true",
        help=_("a security key or passkey: the console page to register it on, then wait for it"),
    )
    enroll.add_argument(
        "--codes", metavar="FIRST,SECOND", help=_("--hardware: the two codes (for scripts)")
    )
    enroll.add_argument(
        "--wait",
        type=int,
        default=600,
        metavar="SECONDS",
        help=_("--security-key: how long to wait for the key (default 600)"),
    )
    enroll.add_argument(
        "--yes", "-y", action="store_true", help=_("--hardware: do not ask before enabling")
    )

    devices = commands.add_parser("devices", help=_("list a user's MFA devices"))
    devices.add_argument("user", metavar="USER")
    devices.add_argument("--format", choices=["table", "json"], default="table")

    deactivate = commands.add_parser(
        "deactivate", help=_("deactivate (and delete) a user's device")
    )
    deactivate.add_argument("user", metavar="USER")
    deactivate.add_argument("serial", metavar="SERIAL")
    deactivate.add_argument(
        "--delete", action="store_true", help=_("also delete it (virtual devices only)")
    )
    deactivate.add_argument(
        "--yes", "-y", action="store_true", help=_("do not ask for confirmation")
    )
    return {"enroll": cmd_enroll, "devices": cmd_devices, "deactivate": cmd_deactivate}
