"""`mfa-wizard audit` and `mfa-wizard summary`: read-only reports."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wizard.cli.common import Handler, target_of
from wizard.cli.output import format_audit_table, write_output
from wizard.errors import WizardError
from wizard.i18n import _
from wizard.target import open_target


def cmd_audit(args: argparse.Namespace) -> int:
    """`mfa-wizard audit`: exit 0 when root and every console user have MFA, 1 otherwise."""
    from wizard import audit

    if args.org:
        return cmd_audit_org(args)
    if args.root_credentials:
        print(_("mfa-wizard: --root-credentials goes with --org"), file=sys.stderr)
        return 2
    try:
        with open_target(target_of(args)) as (services, _unused):
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


def cmd_audit_org(args: argparse.Namespace) -> int:
    """`mfa-wizard audit --org`: every ACTIVE account; exit 0 all clean, 1 findings or an
    account not audited, 2 when the organization itself cannot be read."""
    from wizard import organization

    try:
        with open_target(target_of(args)) as (services, _unused):
            result = organization.audit_organization(
                services,
                role=args.org_role,
                external_id=args.external_id,
                parallel=args.parallel,
                on_progress=lambda text: print(f"  {text}", file=sys.stderr),
                root_credentials=args.root_credentials,
            )
    except WizardError as exc:
        print(f"mfa-wizard: {exc.message}", file=sys.stderr)
        return 2
    if args.format == "json":
        text = result.to_json() + "\n"
    elif args.format == "csv":
        text = organization_csv(result)
    else:
        lines = [
            _(
                "organization (management account {account}); root credentials management: {state}"
            ).format(account=result.management_account_id, state=result.root_credentials_management)
            + (
                _(" (iam:ListOrganizationsFeatures could not be read)")
                if result.root_credentials_management == "unknown"
                else ""
            ),
            *(a.summary_line() for a in result.accounts),
        ]
        for account in result.accounts:
            if account.audit is not None and (args.all or not account.clean):
                lines += ["", f"== {account.account_id} {account.account_name}"]
                lines.append(format_audit_table(account.audit, show_all=args.all).rstrip("\n"))
                if account.root_credentials is not None and account.root_credentials.absent:
                    # The credential report's root row says MFA off; nobody can sign in there.
                    lines.append(
                        _("(no root credentials in this account: root MFA is not a finding)")
                    )
        advice = organization.root_access_advice(result)
        if advice:
            lines += ["", *advice]
        text = "\n".join(lines) + "\n"
    write_output(text, args.output)
    return 0 if result.clean else 1


def organization_csv(result: Any) -> str:
    """The organization audit as CSV: at least one row per account, root MFA on each row.

    An account with no IAM users still gets a row (its user columns empty), so an account whose
    only finding is its root user is never missing from a spreadsheet; a row per user otherwise.
    """
    import csv
    import io

    from wizard import audit

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "account_id",
            "account_name",
            "account_status",
            "root_mfa",
            "root_credentials",
            *audit.CSV_COLUMNS,
        ]
    )
    empty = [""] * len(audit.CSV_COLUMNS)
    for account in result.accounts:
        head = [account.account_id, audit.csv_cell(account.account_name), account.status]
        if account.audit is None:
            # Not audited: a row of its own, so a spreadsheet never reads it as clean.
            writer.writerow([*head, "", "", *empty])
            continue
        # present / absent / unknown / not checked: the account's, on each of its rows.
        root = account.root_credentials.state if account.root_credentials else ""
        root_mfa = "on" if account.audit.root_mfa_active else "off"
        for row in audit.csv_rows(account.audit.users) or [empty]:
            writer.writerow([*head, root_mfa, root, *row])
    return out.getvalue()


def cmd_summary(args: argparse.Namespace) -> int:
    """`mfa-wizard summary`: the posture now, as Markdown or JSON."""
    import json

    from wizard import summary

    with open_target(target_of(args)) as (services, _unused):
        state = summary.capture(services)
    text = (
        summary.markdown(None, state)
        if args.format == "markdown"
        else json.dumps(summary.to_json(state), indent=2) + "\n"
    )
    write_output(text, args.output)
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """`audit` and `summary`."""
    audit = commands.add_parser("audit", help=_("list users without MFA (exit 1 if any)"))
    audit.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help=_(
            "csv: a cell starting with = + - or @ (a user or account name) gets a leading ' "
            "so that no spreadsheet runs it as a formula"
        ),
    )
    audit.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help=_("write to PATH (0600, replaced atomically; a symlink at PATH is refused)"),
    )
    audit.add_argument(
        "--all", action="store_true", help=_("table format: list every user, not just findings")
    )
    audit.add_argument(
        "--org", action="store_true", help=_("every ACTIVE account of the organization")
    )
    audit.add_argument(
        "--parallel", type=int, default=8, help=_("--org: accounts audited at once (default 8)")
    )
    audit.add_argument(
        "--root-credentials",
        action="store_true",
        help=_(
            "--org: also read each member's root credentials through sts:AssumeRoot "
            "(CloudTrail records it as root activity in every member: root-usage alarms and "
            "GuardDuty fire)"
        ),
    )
    summary = commands.add_parser("summary", help=_("the account's MFA posture now"))
    summary.add_argument("--format", choices=["markdown", "json"], default="markdown")
    summary.add_argument(
        "--output", "-o", metavar="PATH", help=_("write to PATH (0600; a symlink is refused)")
    )
    return {"audit": cmd_audit, "summary": cmd_summary}
