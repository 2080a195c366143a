"""No command: the TUI; and `demo-server`, the seeded demo AWS in the foreground."""

from __future__ import annotations

import argparse
import shlex
import sys

from wizard.cli.common import Handler, positive_int, target_of
from wizard.i18n import _


def cmd_tui(args: argparse.Namespace) -> int:
    """No command: start the TUI (the only path that imports Textual)."""
    from screens.app import run_tui

    return run_tui(target_of(args))


def cmd_demo_server(args: argparse.Namespace) -> int:
    """`mfa-wizard demo-server`: the seeded server in the foreground until Ctrl-C."""
    import signal
    import threading

    from wizard.demo import start_demo

    account = start_demo(port=args.port, extra_users=args.demo_users)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # closed or killed: the demo's folder goes, as on Ctrl-C

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    try:
        print(_("# demo AWS account running; paste these lines into another shell:"))
        for line in account.export_lines():
            print(line)
        print(
            _(
                "# mfa-session against it: the demo checks MFA codes as AWS does, and this "
                "prints the demo admin's current one:"
            )
        )
        print(
            _("mfa-session --totp-command {quote}").format(
                quote=shlex.quote(account.totp_command() or "")
            )
        )
        print(_("# Ctrl-C stops the server."), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopped.", file=sys.stderr)
    finally:
        account.stop()
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> dict[str | None, Handler]:
    """`demo-server`, and the TUI when no command is given."""
    server = commands.add_parser(
        "demo-server", help=_("run the seeded demo AWS in the foreground for the CLI helpers")
    )
    server.add_argument(
        "--port", type=positive_int, default=0, help=_("port (default: a free one)")
    )
    code = commands.add_parser(
        "demo-code",
        help=_(
            "print the current MFA code of a demo user's device (a --totp-command for the demo)"
        ),
    )
    code.add_argument("--socket", required=True, help=_("the socket demo-server names"))
    code.add_argument("user", nargs="?", default="", help=_("a demo user (default: the admin)"))
    return {"demo-server": cmd_demo_server, "demo-code": cmd_demo_code, None: cmd_tui}


def cmd_demo_code(args: argparse.Namespace) -> int:
    """`mfa-wizard demo-code --socket PATH [USER]`: the code, asked of a running demo."""
    from wizard.demo_codes import demo_code

    print(demo_code(args.socket, args.user))
    return 0
