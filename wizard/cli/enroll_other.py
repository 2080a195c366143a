"""`mfa-wizard enroll USER --hardware SERIAL` and `enroll USER --security-key`: the devices the
wizard does not create (wizard.physical)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wizard.cli.prompts import confirm, has_terminal
from wizard.errors import UsageError, WizardError
from wizard.i18n import _
from wizard.session.token import tries_left

TOKEN_ATTEMPTS = 3


def token_codes(args: argparse.Namespace, attempt: int) -> tuple[str, str]:
    """The two codes: from --codes (scripts, one try), else typed at the terminal."""
    if args.codes:
        return given_codes(args.codes)
    if not has_terminal():
        raise UsageError(
            _("no terminal to type the token's codes on"),
            _("run this in a terminal, or pass --codes FIRST,SECOND"),
        )
    if attempt > 1:
        print(_("Press the token's button again for a new code (a refused pair is not reused)."))
    first = ask_token_code(_("First code (press the button): "))
    while True:
        second = ask_token_code(_("Next code (press again): "))
        if second != first:
            return first, second
        print(_("That is the same code: press the button again for the next one."), file=sys.stderr)


def ask_token_code(question: str) -> str:
    """One code, asked again at once until it is six digits (a typo costs no try)."""
    from wizard.cli.prompts import tty_prompt
    from wizard.totp import normalize_code

    while True:
        code, why = normalize_code(tty_prompt(question))
        if code is not None:
            return code
        print(
            _("Not that one: {rstrip}.").format(rstrip=why.split(": ")[0].rstrip(".。")),
            file=sys.stderr,
        )


def given_codes(text: str) -> tuple[str, str]:
    """--codes FIRST,SECOND as two codes, checked for shape before anything is asked or sent."""
    from wizard.physical import check_token_codes

    first, comma, second = text.partition(",")
    if not comma or not second.strip():
        raise UsageError(
            _("--codes {text!r} is not two codes").format(text=text),
            _("press the token's button twice and pass both: --codes FIRST,SECOND"),
        )
    return check_token_codes(first, second)


def cmd_enroll_hardware(services: Any, user: str, args: argparse.Namespace) -> int:
    """Show the plan, ask, then EnableMFADevice with two codes AWS checks."""
    from wizard.physical import check_token_codes, enable_hardware, plan_hardware

    if args.codes:
        given_codes(args.codes)

    plan = plan_hardware(services, user, args.hardware)
    print(plan.describe())
    if plan.already:
        return 0
    if not confirm(_("Go ahead?"), args.yes):
        print(_("Nothing changed."))
        return 1
    attempts = 1 if args.codes else TOKEN_ATTEMPTS
    for attempt in range(1, attempts + 1):
        first, second = token_codes(args, attempt)
        try:
            check_token_codes(first, second)  # a typo costs no AWS call
            print(enable_hardware(services, plan, first, second))
            return 0
        except WizardError as exc:
            # Asked again only when AWS (or the local format check) refused the codes: after a
            # network error the token may be enabled already, and a second call would say
            # it is someone else's.
            refused = exc.code == "InvalidAuthenticationCode" or isinstance(exc, UsageError)
            if not refused or attempt == attempts:
                raise
            print(
                _("Not enabled: {message}. {tries_left}.").format(
                    message=exc.message, tries_left=tries_left(attempts - attempt)
                ),
                file=sys.stderr,
            )
    return 1  # not reached: the last attempt raises


def cmd_enroll_key(services: Any, user: str, args: argparse.Namespace) -> int:
    """The console hand-off: steps and address (and its QR), then wait for the key to appear."""
    from wizard.physical import plan_security_key, wait_for_new_key

    if not 1 <= args.wait <= 3600:
        raise UsageError(
            _("--wait {wait} is not a wait").format(wait=args.wait),
            _("give the seconds to wait: 1 to 3600 (600)"),
        )
    handoff = plan_security_key(services, user)
    print(wrapped(handoff.steps()))
    print_address_qr(handoff.address)
    countdown = Countdown(user)
    try:
        serial = wait_for_new_key(
            services, handoff, timeout=float(args.wait), on_tick=countdown.tick
        )
    except KeyboardInterrupt:
        countdown.end()
        print(_("Stopped waiting. Nothing was changed."), file=sys.stderr)
        return 130
    except WizardError:
        countdown.end()
        raise
    countdown.end()
    print(
        _("Registered: {serial} for {user} (journaled; `mfa-wizard undo` deactivates it).").format(
            serial=serial, user=user
        )
    )
    return 0


def wrapped(lines: list[str]) -> str:
    """Lines fitted to the terminal's width at spaces, never inside an address."""
    import shutil
    import textwrap

    width = shutil.get_terminal_size().columns
    out = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()))
        out += textwrap.wrap(
            line,
            width=width,
            subsequent_indent=indent + ("   " if line.lstrip()[:2].rstrip(".").isdigit() else ""),
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
    return "\n".join(out)


def print_address_qr(address: str) -> None:
    """A QR of the address, for a phone, when the terminal has room for it (else nothing)."""
    import os

    from wizard.cli.prompts import open_terminal, write_qr
    from wizard.qr import address_qr_fits, qr_matrix

    terminal = open_terminal()
    if terminal is None:
        return
    with terminal:
        matrix = qr_matrix(address)
        columns, rows = os.get_terminal_size(terminal.fileno())
        if not address_qr_fits(matrix, columns, rows):
            terminal.write(
                _("(The window is too small for a QR of the address; copy it instead.)") + "\n"
            )
            return
        terminal.write(_("The address as a QR, for a phone:") + "\n")
        write_qr(terminal, matrix)
        terminal.flush()


class Countdown:
    """'Waiting for USER's new key: 9:35 left (Ctrl-C stops)' on one terminal line."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.live = sys.stderr.isatty()
        self.shown = False

    def tick(self, left: float) -> None:
        text = _(
            "Waiting for {user}'s new key: {minutes}:{seconds:02d} left (Ctrl-C stops)"
        ).format(user=self.user, minutes=int(left) // 60, seconds=int(left) % 60)
        if self.live:
            sys.stderr.write("\r" + text + "\x1b[K")
            sys.stderr.flush()
        elif not self.shown:
            print(text, file=sys.stderr)
        self.shown = True

    def end(self) -> None:
        if self.live and self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
