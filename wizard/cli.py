"""`mfa-wizard`: the TUI by default, scriptable subcommands for everything it does.

Imports stay lazy: `mfa-wizard audit` never imports Textual, and `--help` imports neither Textual
nor boto3.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from wizard.errors import CancelledError, UsageError, WizardError

if TYPE_CHECKING:
    from wizard.aws import Services
    from wizard.demo import DemoAccount

DEBUG_ENV = "MFA_WIZARD_DEBUG"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `mfa-wizard` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="mfa-wizard",
        description="Audit, enroll and enforce MFA for an AWS account. Without a command: the TUI.",
    )
    target = parser.add_argument_group("AWS target (default: the standard AWS_* environment)")
    target.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or 'default')")
    target.add_argument("--region", help="AWS region (default: AWS_REGION / config)")
    target.add_argument("--endpoint-url", help="AWS endpoint (default: AWS_ENDPOINT_URL)")
    target.add_argument(
        "--demo",
        action="store_true",
        help="run against an embedded, seeded demo AWS account (nothing real is touched)",
    )
    target.add_argument(
        "--demo-users",
        type=_positive_int,
        default=0,
        metavar="N",
        help="with --demo: add N generated users to the demo account",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    audit = commands.add_parser("audit", help="list users without MFA (exit 1 if any)")
    audit.add_argument("--format", choices=["table", "json", "csv"], default="table")
    audit.add_argument("--output", "-o", metavar="PATH", help="write to PATH instead of stdout")
    audit.add_argument(
        "--all", action="store_true", help="table format: list every user, not just findings"
    )

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

    enforce = commands.add_parser("enforce", help="attach the require-MFA policy through a group")
    enforce.add_argument("--group", default=None, help="group name (default MFARequired)")
    enforce.add_argument("--policy-name", default=None, help="policy name (default RequireMFA)")
    enforce.add_argument("--policy-path", default=None, help="policy path (default /mfa-wizard/)")
    who = enforce.add_mutually_exclusive_group()
    who.add_argument("--users", help="comma-separated user names")
    who.add_argument(
        "--all-console-users", action="store_true", help="every console user (the default)"
    )
    enforce.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    enforce.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    enforce.add_argument("--undo", action="store_true", help="reverse what enforce did")

    scp = commands.add_parser("scp", help="organization-wide SCP for IAM users without MFA")
    mode = scp.add_mutually_exclusive_group(required=True)
    mode.add_argument("--preview", action="store_true", help="print the SCP and what it does")
    mode.add_argument(
        "--apply", action="store_true", help="create and attach it (management account)"
    )
    scp.add_argument("--target", help="root, OU or account id to attach to (with --apply)")
    scp.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    monitor = commands.add_parser(
        "monitor", help="trail, no-MFA sign-in alarm, notification, schedules"
    )
    monitor.add_argument("action", choices=["plan", "apply", "teardown", "test-notification"])
    monitor.add_argument("--email", help="where alerts go (an SNS email subscription)")
    monitor.add_argument(
        "--timezone", default="UTC", help="IANA time zone for schedules (Asia/Tokyo)"
    )
    monitor.add_argument(
        "--quiet-hours", metavar="HH:MM-HH:MM", help="weekday hours to silence --quiet-alarm"
    )
    monitor.add_argument(
        "--quiet-alarm", metavar="NAME", help="the alarm whose actions quiet hours disable"
    )
    monitor.add_argument(
        "--insist", action="store_true", help="allow the no-MFA alarm on the quiet-hours schedule"
    )
    monitor.add_argument("--kms", action="store_true", help="SSE-KMS with a customer managed key")
    monitor.add_argument(
        "--retention", type=int, default=365, help="log group retention in days (365)"
    )
    monitor.add_argument(
        "--glacier-days", type=int, default=90, help="move logs to Glacier after N days"
    )
    monitor.add_argument("--expire-days", type=int, default=2557, help="delete logs after M days")
    monitor.add_argument(
        "--iam-users-only", action="store_true", help="narrow the filter (accounts using SSO)"
    )
    monitor.add_argument(
        "--no-trail-changes-alarm", action="store_true", help="skip the second alarm"
    )
    monitor.add_argument("--new-trail", action="store_true", help="do not reuse an existing trail")
    monitor.add_argument(
        "--purge", action="store_true", help="teardown: also delete the logs in the bucket"
    )
    monitor.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    monitor.add_argument("--format", choices=["table", "json"], default="table")

    journal = commands.add_parser("journal", help="every change the wizard made, newest last")
    journal.add_argument("--format", choices=["table", "json"], default="table")
    journal.add_argument("--all-accounts", action="store_true", help="not only this account's")

    undo = commands.add_parser("undo", help="reverse the newest reversible changes")
    undo.add_argument(
        "--last", type=_positive_int, default=1, metavar="N", help="how many (default 1)"
    )
    undo.add_argument("--step", choices=["enroll", "enforce", "monitor"], help="only this step's")
    undo.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    summary = commands.add_parser("summary", help="the account's MFA posture now")
    summary.add_argument("--format", choices=["markdown", "json"], default="markdown")
    summary.add_argument("--output", "-o", metavar="PATH", help="write to PATH")

    server = commands.add_parser(
        "demo-server", help="run the seeded demo AWS in the foreground for the CLI helpers"
    )
    server.add_argument("--port", type=_positive_int, default=0, help="port (default: a free one)")
    return parser


@contextmanager
def target_services(args: argparse.Namespace) -> Iterator[tuple[Services, DemoAccount | None]]:
    """The Services for the chosen target; with --demo, a seeded embedded server for the block."""
    from wizard.aws import make_services

    if args.demo:
        from wizard.demo import start_demo

        account = start_demo(extra_users=args.demo_users)
        try:
            yield account.services(), account
        finally:
            account.stop()
        return
    yield make_services(args.profile, args.region, args.endpoint_url), None


def cmd_audit(args: argparse.Namespace) -> int:
    """`mfa-wizard audit`: exit 0 when root and every console user have MFA, 1 otherwise."""
    from wizard import audit

    try:
        with target_services(args) as (services, _):
            result = audit.run_audit(services)
    except WizardError as exc:
        # 1 means "findings"; any failure to audit at all is 2, whatever its kind.
        print(f"mfa-wizard: {exc.message}", file=sys.stderr)
        return 2
    if args.format == "json":
        text = audit.to_json(result) + "\n"
    elif args.format == "csv":
        text = audit.to_csv(result.users)
    else:
        text = format_audit_table(result, show_all=args.all)
    write_output(text, args.output)
    return 0 if result.compliant else 1


def format_audit_table(result: Any, show_all: bool = False) -> str:
    """A plain-text table of the audit for terminals and logs."""
    from wizard.audit import humanize_age

    now = result.generated_at
    users = result.users if show_all else [u for u in result.users if u.needs_mfa]
    header = ["USER", "PATH", "CONSOLE", "MFA", "DEVICES", "PWD USED", "KEYS"]
    rows = [
        [
            u.user_name,
            u.path,
            "yes" if u.console_access else "no",
            "yes" if u.mfa_active else "NO" if u.console_access else "no",
            str(len(u.mfa_devices)),
            humanize_age(u.password_last_used, now) if u.console_access else "-",
            str(u.access_keys_active),
        ]
        for u in users
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    without = result.console_users_without_mfa
    console = sum(1 for u in result.users if u.console_access)
    lines.append("")
    lines.append(
        f"account {result.account_id}: root MFA {'on' if result.root_mfa_active else 'OFF'}; "
        f"{len(without)} of {console} console users without MFA; "
        f"{len(result.orphan_virtual_mfa_devices)} orphaned virtual MFA devices"
    )
    if not show_all and not users:
        lines.insert(0, "Every console user has MFA.")
    return "\n".join(lines) + "\n"


def write_output(text: str, path: str | None) -> None:
    """Write to PATH (atomically) or stdout; a bad path becomes a clear error."""
    if not path or path == "-":
        sys.stdout.write(text)
        return
    from wizard.files import write_text_atomic

    write_text_atomic(path, text, mode=0o644)


def cmd_demo_server(args: argparse.Namespace) -> int:
    """`mfa-wizard demo-server`: the seeded server in the foreground until Ctrl-C."""
    import threading

    from wizard.demo import start_demo

    account = start_demo(port=args.port, extra_users=args.demo_users)
    try:
        print("# demo AWS account running; paste these lines into another shell:")
        for line in account.export_lines():
            print(line)
        print("# Ctrl-C stops the server.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopped.", file=sys.stderr)
    finally:
        account.stop()
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    """No command: start the TUI (the only path that imports Textual)."""
    from screens.app import run_tui

    return run_tui(args)


def ask(question: str) -> str:
    """One line from the user: questionary on a terminal, a plain line from a pipe."""
    if sys.stdin.isatty():
        import questionary

        answer = questionary.text(question).ask()
        if answer is None:  # questionary turns Ctrl-C into None
            raise KeyboardInterrupt
        return answer
    print(question, end=" ", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise CancelledError("no more input", "run the command again on a terminal")
    return line.rstrip("\n")


def confirm(question: str, assume_yes: bool) -> bool:
    """Yes/no: --yes answers for the user; without a terminal, the answer is no."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        print(f"{question} (not confirmed: pass --yes when not on a terminal)", file=sys.stderr)
        return False
    import questionary

    return bool(questionary.confirm(question, default=False).ask())


def terminal_qr(matrix: list[list[bool]]) -> str:
    """The QR as half blocks, black on white, so it scans on dark and light themes."""
    from wizard.enrollment import half_block_lines

    return "\n".join(f"\x1b[30;107m{line}\x1b[0m" for line in half_block_lines(matrix))


ENROLL_ATTEMPTS = 3


def cmd_enroll(args: argparse.Namespace) -> int:
    """`mfa-wizard enroll USER`: QR, two codes verified locally, enable; roll back on any exit."""
    from wizard.enrollment import Enrollment, WrongCodesError, default_device_name

    with target_services(args) as (services, demo):
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

    with target_services(args) as (services, _):
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

    with target_services(args) as (services, _):
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


def format_enforce_plan(plan: Any) -> str:
    """The enforcement plan as text: what the policy does, each step, the impact."""
    from wizard.policies import describe_policy

    marks = {"create": "+", "update": "~", "delete": "-", "nothing": "="}
    lines = [f"Policy {plan.policy_arn}", *describe_policy(plan.document), "", "Plan:"]
    for step in plan.steps:
        lines.append(f"  {marks[step.status]} {step.status:<8} {step.description}")
        if step.cli:
            lines.append(f"      $ {step.cli}")
    if plan.diff:
        lines += ["", "Policy change:", *("  " + d for d in plan.diff)]
    if plan.impact:
        lines += ["", "Impact:"]
        for item in plan.impact:
            lines.append(f"  {item.user_name}:")
            lines += [f"    - {reason}" for reason in item.reasons]
    if plan.left_out:
        lines += ["", "Left out:"] + [f"  {item}" for item in plan.left_out]
    return "\n".join(lines) + "\n"


def cmd_enforce(args: argparse.Namespace) -> int:
    """`mfa-wizard enforce`: plan, show, confirm, apply; `--undo` reverses it."""
    from wizard import audit, policies

    with target_services(args) as (services, _):
        if args.undo:
            from wizard.journal import read
            from wizard.undo import undoable

            todo = undoable(read(), services.identity().account_id, step="enforce")
            return confirm_and_undo(services, todo, args.yes)
        users = [u.strip() for u in args.users.split(",") if u.strip()] if args.users else None
        result = audit.run_audit(services)
        plan = policies.plan_enforcement(
            services,
            result,
            users=users,
            group=args.group or policies.DEFAULT_GROUP,
            policy_name=args.policy_name or policies.DEFAULT_POLICY_NAME,
            policy_path=args.policy_path or policies.DEFAULT_POLICY_PATH,
        )
        print(format_enforce_plan(plan), end="")
        if plan.guard:
            raise UsageError("refused: " + plan.guard, "")
        if plan.nothing_to_do:
            print("\nNothing to do: the policy, the group and its members are already in place.")
            return 0
        if args.dry_run:
            print("\nDry run: nothing changed.")
            return 0
        if not confirm("Apply these changes?", args.yes):
            print("Nothing changed.")
            return 1
        for line in policies.apply_enforcement(services, plan):
            print(f"  {line}")
        print("Done. Undo with: mfa-wizard enforce --undo")
    return 0


def cmd_scp(args: argparse.Namespace) -> int:
    """`mfa-wizard scp --preview | --apply --target ID`."""
    import json

    from wizard import policies

    if args.preview:
        print(json.dumps(policies.scp_document(), indent=2))
        print()
        print("\n".join(policies.scp_explanation()))
        return 0
    if not args.target:
        raise UsageError(
            "--apply needs --target", "pass the root (r-...), OU (ou-...) or account id"
        )
    with target_services(args) as (services, _):
        plan = policies.plan_scp(services, args.target)
        if plan.policy_id and plan.attached:
            print(f"Nothing to do: {policies.SCP_NAME} is already attached to {args.target}.")
            return 0
        print(json.dumps(plan.document, indent=2))
        print("\n".join(policies.scp_explanation()))
        action = "attach the existing" if plan.policy_id else "create and attach the"
        print(f"Will {action} SCP {policies.SCP_NAME} to {args.target}.")
        if not confirm("Apply this SCP to the organization?", args.yes):
            print("Nothing changed.")
            return 1
        for line in policies.apply_scp(services, plan):
            print(f"  {line}")
    return 0


def monitor_options(args: argparse.Namespace) -> Any:
    """MonitorOptions from the command line."""
    from wizard.monitoring import MonitorOptions

    return MonitorOptions(
        email=args.email,
        timezone=args.timezone,
        quiet_hours=args.quiet_hours,
        quiet_alarm=args.quiet_alarm,
        insist_quiet_signin_alarm=args.insist,
        kms=args.kms,
        retention_days=args.retention,
        glacier_days=args.glacier_days,
        expire_days=args.expire_days,
        iam_users_only=args.iam_users_only,
        trail_changes_alarm=not args.no_trail_changes_alarm,
        reuse_trail=not args.new_trail,
    )


def format_monitor_plan(plan: Any) -> str:
    """The monitoring plan as a table with the CLI equivalents."""
    marks = {"create": "+", "update": "~", "nothing": "=", "reuse": "=", "info": "!"}
    lines = []
    for c in plan.changes:
        lines.append(f"  {marks.get(c.status, '?')} {c.status:<7} {c.kind:<18} {c.name}")
        lines.append(f"      {c.detail}")
        if c.cli and c.changes:
            lines.append(f"      $ {c.cli}")
    for note in plan.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"


def cmd_monitor(args: argparse.Namespace) -> int:
    """`mfa-wizard monitor plan|apply|teardown|test-notification`."""
    import json

    from wizard import monitoring

    options = monitoring.validate(monitor_options(args))
    with target_services(args) as (services, _):
        if args.action == "teardown":
            names = monitoring.names_for(services.identity().account_id, services.region)
            print(
                f"Will delete what mfa-wizard created for monitoring in {services.region} (trail {names.trail}, "
                f"alarms, topic, filters, roles, schedules{', and the logs in ' + names.bucket if args.purge else ''})."
            )
            if not confirm("Tear down?", args.yes):
                print("Nothing changed.")
                return 1
            done = monitoring.teardown(services, purge=args.purge)
            print("\n".join(f"  {line}" for line in done) if done else "Nothing to tear down.")
            return 0
        if args.action == "test-notification":
            alarm = monitoring.send_test_notification(services)
            print(
                f"Set {alarm} to ALARM once: the email should arrive within a minute (if the subscription is confirmed)."
            )
            return 0
        _, plan = monitoring.plan_monitoring(services, options)
        if args.format == "json":
            print(json.dumps(plan.to_json(), indent=2))
        else:
            print(format_monitor_plan(plan), end="")
        if plan.nothing_to_do:
            print(
                "Nothing to do: every resource is in place." if args.format == "table" else "",
                end="\n" if args.format == "table" else "",
            )
            return 0
        if args.action == "plan":
            return 0
        if not confirm("Apply this plan?", args.yes):
            print("Nothing changed.")
            return 1
        for line in monitoring.apply_monitoring(
            plan, lambda i, n, what: print(f"  [{i}/{n}] {what}", file=sys.stderr)
        ):
            print(f"  {line}")
    return 0


def cmd_journal(args: argparse.Namespace) -> int:
    """`mfa-wizard journal`: the record of changes (no AWS call unless filtering by account)."""
    import json
    from dataclasses import asdict

    from wizard.journal import journal_path, read

    entries = read()
    if not args.all_accounts and entries:
        with target_services(args) as (services, _):
            account = services.identity().account_id
        entries = [e for e in entries if e.account == account]
    if args.format == "json":
        print(json.dumps([asdict(e) for e in entries], indent=2))
        return 0
    if not entries:
        print(f"The journal ({journal_path()}) has no change for this account yet.")
        return 0
    for e in entries:
        mark = " (undone)" if e.undone_by else "" if e.undo or e.action == "undo" else " (no undo)"
        print(e.describe() + mark)
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    """`mfa-wizard undo --last N`: show, confirm, reverse."""
    from wizard.journal import read
    from wizard.undo import undoable

    with target_services(args) as (services, _):
        todo = undoable(read(), services.identity().account_id, args.step)[: args.last]
        return confirm_and_undo(services, todo, args.yes)


def confirm_and_undo(services: Any, todo: list[Any], assume_yes: bool) -> int:
    """Show the journaled changes to reverse (newest first), confirm, reverse them."""
    from wizard.undo import undo_entries

    if not todo:
        print("Nothing to undo.")
        return 0
    print("Will undo, newest first:")
    for entry in todo:
        print(f"  {entry.time}  {entry.action} {entry.resource}")
    if not confirm("Undo these changes?", assume_yes):
        print("Nothing changed.")
        return 1
    for entry, outcome in undo_entries(services, todo):
        print(f"  {outcome}: {entry.action} {entry.resource}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """`mfa-wizard summary`: the posture now, as Markdown or JSON."""
    import json

    from wizard import summary

    with target_services(args) as (services, _):
        state = summary.capture(services)
    text = (
        summary.markdown(None, state)
        if args.format == "markdown"
        else json.dumps(summary.to_json(state), indent=2) + "\n"
    )
    write_output(text, args.output)
    return 0


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "journal": cmd_journal,
    "undo": cmd_undo,
    "summary": cmd_summary,
    "monitor": cmd_monitor,
    "enforce": cmd_enforce,
    "scp": cmd_scp,
    None: cmd_tui,
    "audit": cmd_audit,
    "enroll": cmd_enroll,
    "devices": cmd_devices,
    "deactivate": cmd_deactivate,
    "demo-server": cmd_demo_server,
}


def run(argv: Sequence[str] | None = None, commands: dict | None = None) -> int:
    """Parse and dispatch; every WizardError becomes one line on stderr and an exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.demo_users and not (args.demo or args.command == "demo-server"):
        parser.error("--demo-users needs --demo")
    handler = (commands or COMMANDS)[args.command]
    try:
        return handler(args)
    except WizardError as exc:
        print(f"mfa-wizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mfa-wizard: cancelled (Ctrl-C); nothing was left half-done", file=sys.stderr)
        return CancelledError.exit_code
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        from wizard.errors import translate

        error = translate(exc)
        print(f"mfa-wizard: {error.message}", file=sys.stderr)
        print(f"(set {DEBUG_ENV}=1 to see the traceback)", file=sys.stderr)
        return 2 if isinstance(error, UsageError) else error.exit_code


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
