"""`mfa-wizard`: the TUI by default, scriptable subcommands for everything it does.

Imports stay lazy: `mfa-wizard audit` never imports Textual, and `--help` imports neither Textual
nor boto3.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

from wizard.cli import audit, changes, enforce, enroll, monitor, tui, verify
from wizard.cli.common import DEBUG_ENV, Handler, add_target_options, positive_int
from wizard.cli.completion import add_print_completion
from wizard.cli.language import ArgumentParser, add_language_option, take_language
from wizard.cli.version import add_version
from wizard.errors import CancelledError, UsageError, WizardError
from wizard.i18n import _

COMMAND_GROUPS = (audit, enroll, enforce, monitor, verify, changes, tui)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str | None, Handler]]:
    """The argument parser for `mfa-wizard` and the handler of each command."""
    parser = ArgumentParser(
        prog="mfa-wizard",
        description=_(
            "Audit, enroll and enforce MFA for an AWS account. Without a command: the TUI."
        ),
    )
    add_version(parser)
    add_language_option(parser)
    add_print_completion(parser, "mfa-wizard")
    add_target_options(parser)
    parser.add_argument(
        "--demo-accounts",
        type=positive_int,
        default=0,
        metavar="N",
        help=_(
            "with --demo: the demo account manages an organization of N member accounts (and "
            "one closed one), for `audit --org`"
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers: dict[str | None, Handler] = {}
    for group in COMMAND_GROUPS:
        handlers.update(group.add_parsers(commands))
    return parser, handlers


def run(argv: Sequence[str] | None = None) -> int:
    """Parse and dispatch; every WizardError becomes one line on stderr and an exit status."""
    argv = take_language(sys.argv[1:] if argv is None else argv, "mfa-wizard")
    if argv is None:
        return 2
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    if args.demo_users and not (args.demo or args.command == "demo-server"):
        parser.error(_("--demo-users needs --demo"))
    if args.demo_accounts and not (args.demo or args.command == "demo-server"):
        parser.error(_("--demo-accounts needs --demo"))
    try:
        if args.demo or args.command == "demo-server":
            from wizard.demo_server import require_moto

            require_moto()  # before the TUI takes the screen: one line, not a flash
        with demo_accounts(args.demo_accounts):
            return handlers[args.command](args)
    except WizardError as exc:
        print(f"mfa-wizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # `mfa-wizard journal | head`: the reader has what it wanted. Python would complain
        # again at exit while flushing stdout, so stdout goes to /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        # Only a command that knows says what it left (apply_plan's PartlyAppliedError does).
        print(_("mfa-wizard: cancelled (Ctrl-C)"), file=sys.stderr)
        return CancelledError.exit_code
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        from wizard.errors import translate

        error = translate(exc)
        print(f"mfa-wizard: {error.message}", file=sys.stderr)
        print(
            _("(set {debug_env}=1 to see the traceback)").format(debug_env=DEBUG_ENV),
            file=sys.stderr,
        )
        return 2 if isinstance(error, UsageError) else error.exit_code


@contextlib.contextmanager
def demo_accounts(count: int) -> Iterator[None]:
    """Hand --demo-accounts to wizard.demo.start_demo for the command's duration (the
    environment variable reaches it however the demo is started: audit, the TUI, demo-server)."""
    if not count:
        yield
        return
    from wizard.demo import DEMO_ACCOUNTS_ENV

    saved = os.environ.get(DEMO_ACCOUNTS_ENV)
    os.environ[DEMO_ACCOUNTS_ENV] = str(count)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(DEMO_ACCOUNTS_ENV, None)
        else:
            os.environ[DEMO_ACCOUNTS_ENV] = saved


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
