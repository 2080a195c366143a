"""`mfa-wizard verify`: prove the three outcomes from what AWS holds now."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from wizard.cli.common import Handler, target_of
from wizard.cli.output import write_output
from wizard.errors import WizardError
from wizard.i18n import _
from wizard.target import open_target

MARKS = {"fail": "FAIL", "unproven": "NOT PROVEN", "warn": "WARN"}


def format_report(report: Any, show_checked: bool = True) -> str:
    """One account's report as text: the verdict, each finding with its fix and proof."""
    counts = _(", ").join(
        word.format(count=n)
        for n, word in (
            (len(report.failures), _("{count} finding(s)")),
            (len(report.unproven_findings), _("{count} not proven")),
            (sum(1 for f in report.findings if f.severity == "warn"), _("{count} warning(s)")),
        )
        if n
    )
    verdict = (
        _("Account {account}: MFA holds")
        if report.holds
        else _("Account {account}: MFA does NOT hold")
    ).format(account=report.account_id)
    lines = [verdict + (f" ({counts})" if counts else "")]
    for f in report.findings:
        lines += [
            f"  {MARKS[f.severity]:<10} {f.check:<14} {f.subject}",
            f"             {f.detail}",
            _("             fix: {fix}").format(fix=f.fix),
            _("             proven by: {proof}").format(proof=_(f.proven_by)),
        ]
    if report.not_shown:
        lines.append(_("  What this endpoint cannot show (AWS can):"))
        lines += [f"    - {text}" for text in report.not_shown]
    if report.notes:
        lines += [_("  Note: {note}").format(note=text) for text in report.notes]
    if show_checked and report.checked:
        lines.append(_("  Holds ({count}):").format(count=len(report.checked)))
        lines += [
            f"    ok {c.check:<14} {c.subject}: {c.detail} [{_(c.proven_by)}]"
            for c in report.checked
        ]
    return "\n".join(lines) + "\n"


def cmd_verify(args: argparse.Namespace) -> int:
    """`mfa-wizard verify`: exit 0 everything holds, 1 any finding, 2 could not verify."""
    from wizard.verify import run_verify

    def say(text: str) -> None:
        print(f"  {text}", file=sys.stderr)

    try:
        with open_target(target_of(args)) as (services, _unused):
            if args.org:
                reports = verify_organization(services, args, say)
            else:
                reports = [run_verify(services, group=args.group, on_progress=say)]
    except WizardError as exc:
        print(f"mfa-wizard: {exc.message}", file=sys.stderr)
        return 2
    if args.format == "json":
        docs = [r.to_json() for r in reports]
        doc: Any = (
            docs[0]
            if not args.org
            else {
                "holds": all(r.holds for r in reports),
                "accounts": docs,
            }
        )
        text = json.dumps(doc, indent=2) + "\n"
    else:
        text = "\n".join(format_report(r, show_checked=not args.org) for r in reports)
    write_output(text, args.output)
    codes = {r.exit_code for r in reports}
    return 1 if 1 in codes else 2 if 2 in codes else 0


def verify_organization(services: Any, args: argparse.Namespace, say: Any) -> list[Any]:
    """Every ACTIVE account: the management account as itself, members through --org-role.
    An account that cannot be entered is a report of its own with one "unproven" finding."""
    from concurrent.futures import ThreadPoolExecutor

    from wizard.organization import list_accounts, member_services
    from wizard.verify import VerifyReport, run_verify

    management, accounts = list_accounts(services)
    active = [a for a in accounts if a.get("Status", "ACTIVE") == "ACTIVE"]

    def one(account: dict[str, Any]) -> Any:
        account_id = account["Id"]
        try:
            there = (
                services
                if account_id == management
                else member_services(services, account_id, args.org_role, args.external_id)
            )
            report = run_verify(there, group=args.group)
        except WizardError as exc:
            report = VerifyReport(account_id)
            report.unproven(
                "account",
                account_id,
                _("could not be entered: {cause}").format(cause=exc.cause),
                _("check the role {role} in that account (--org-role)").format(role=args.org_role),
                "sts:AssumeRole",
            )
        say(
            _("verified {account_id} {name}").format(
                account_id=account_id, name=account.get("Name", "")
            )
        )
        return report

    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        reports = list(pool.map(one, active))
    return sorted(reports, key=lambda r: r.account_id)


def add_parsers(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """`verify`."""
    verify = commands.add_parser(
        "verify",
        help=_(
            "prove from AWS now: every human has MFA, it is enforced, a sign-in without MFA "
            "pages someone (exit 0 holds, 1 findings, 2 could not verify)"
        ),
    )
    verify.add_argument("--format", choices=["table", "json"], default="table")
    verify.add_argument("--output", "-o", metavar="PATH", help=_("write to PATH instead of stdout"))
    verify.add_argument(
        "--org", action="store_true", help=_("every ACTIVE account of the organization")
    )
    verify.add_argument(
        "--parallel", type=int, default=4, help=_("--org: accounts verified at once (default 4)")
    )
    verify.add_argument(
        "--group",
        default="MFARequired",
        help=_("the enforcement group named in fixes (default MFARequired)"),
    )
    return {"verify": cmd_verify}
