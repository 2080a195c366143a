"""`mfa-wizard journal` and `undo`: the record of changes and their reversal."""

from __future__ import annotations

import argparse
from typing import Any

from wizard.cli.common import Handler, positive_int, target_of
from wizard.cli.prompts import confirm
from wizard.i18n import _
from wizard.target import open_target


def cmd_journal(args: argparse.Namespace) -> int:
    """`mfa-wizard journal`: the record of changes (no AWS call unless filtering by account)."""
    import json
    from dataclasses import asdict

    from wizard.journal import for_target, journal_path, read

    entries = read()
    if not args.all_accounts and entries:
        with open_target(target_of(args)) as (services, _unused):
            entries = for_target(entries, services)
    if args.format == "json":
        print(json.dumps([asdict(e) for e in entries], indent=2))
        return 0
    if not entries:
        print(
            _("The journal ({journal_path}) has no change for this account yet.").format(
                journal_path=journal_path()
            )
        )
        return 0
    for e in entries:
        mark = (
            _(" (undone)")
            if e.undone_by
            else ""
            if e.undo or e.action == "undo"
            else _(" (no undo)")
        )
        print(e.describe() + mark)
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    """`mfa-wizard undo --last N`: show, confirm, reverse."""
    from wizard.journal import read
    from wizard.undo import undoable

    with open_target(target_of(args)) as (services, _unused):
        todo = undoable(read(), services, args.step)[: args.last]
        return confirm_and_undo(services, todo, args.yes)


def confirm_and_undo(services: Any, todo: list[Any], assume_yes: bool) -> int:
    """Show the journaled changes to reverse (newest first), confirm, reverse them."""
    from wizard.undo import undo_entries

    if not todo:
        print(_("Nothing to undo."))
        return 0
    print(_("Will undo, newest first:"))
    from wizard.undo import describe_undo

    for entry in todo:
        print(f"  {entry.time}  {describe_undo(entry)}")
    if not confirm(_("Undo these changes?"), assume_yes):
        print(_("Nothing changed."))
        return 1
    for entry, outcome in undo_entries(services, todo):
        print(f"  {_(outcome)}: {entry.action} {entry.resource}")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """`journal` and `undo`."""
    journal = commands.add_parser("journal", help=_("every change the wizard made, newest last"))
    journal.add_argument("--format", choices=["table", "json"], default="table")
    journal.add_argument("--all-accounts", action="store_true", help=_("not only this account's"))

    undo = commands.add_parser("undo", help=_("reverse the newest reversible changes"))
    undo.add_argument(
        "--last", type=positive_int, default=1, metavar="N", help=_("how many (default 1)")
    )
    undo.add_argument(
        "--step", choices=["enroll", "enforce", "scp", "monitor"], help=_("only this step's")
    )
    undo.add_argument("--yes", "-y", action="store_true", help=_("do not ask for confirmation"))
    return {"journal": cmd_journal, "undo": cmd_undo}
