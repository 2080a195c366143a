"""`mfa-wizard enforce` and `scp`: the require-MFA policy for users and for the organization."""

from __future__ import annotations

import argparse
import sys

from wizard.cli.changes import confirm_and_undo
from wizard.cli.common import Handler, target_of
from wizard.cli.output import format_enforce_plan
from wizard.cli.prompts import confirm
from wizard.errors import UsageError
from wizard.i18n import _
from wizard.target import open_target


def cmd_enforce(args: argparse.Namespace) -> int:
    """`mfa-wizard enforce`: plan, show, confirm, apply; `--undo` reverses it."""
    from wizard import audit, policies
    from wizard.enrollment import user_names

    with open_target(target_of(args)) as (services, _unused):
        if args.undo:
            from wizard.journal import read
            from wizard.undo import undoable

            todo = undoable(read(), services, step="enforce")
            return confirm_and_undo(services, todo, args.yes)
        users = list(user_names(args.users)) if args.users else None
        result = audit.run_audit(services)
        plan = policies.plan_enforcement(
            services,
            result,
            users=users,
            group=args.group or policies.DEFAULT_GROUP,
            policy_name=args.policy_name or policies.DEFAULT_POLICY_NAME,
            policy_path=args.policy_path or policies.DEFAULT_POLICY_PATH,
            force=args.force,
            include_self=args.include_self,
        )
        print(format_enforce_plan(plan), end="")
        if plan.guard:
            raise UsageError(_("refused: {why}").format(why=plan.guard), "")
        if plan.nothing_to_do:
            print(_("\nNothing to do: the policy, the group and its members are already in place."))
            return 0
        if args.dry_run:
            print(_("\nDry run: nothing changed."))
            return 0
        if not confirm(_("Apply these changes?"), args.yes):
            print(_("Nothing changed."))
            return 1
        for line in policies.apply_enforcement(
            services, plan, on_wait=lambda text: print(f"  {text}", file=sys.stderr)
        ):
            print(f"  {line}")
        print(_("Done. Undo with: mfa-wizard enforce --undo"))
    return 0


def print_scp_impact(args: argparse.Namespace) -> int:
    """`scp --preview --target ID`: per member account, who the SCP would stop."""
    from wizard.scp_impact import RECENT_DAYS, preview_impact

    with open_target(target_of(args)) as (services, _unused):
        impact = preview_impact(
            services, args.target, role=args.org_role, external_id=args.external_id
        )
    print()
    print(
        _(
            "Under {target}, IAM users whose access keys were used in the last {recent_days} "
            "days: each of their calls would be denied without an MFA session once the SCP "
            "is on."
        ).format(target=args.target, recent_days=RECENT_DAYS)
    )
    for account in impact:
        print(f"  {account.line()}")
    unread = [a for a in impact if not a.read]
    if unread:
        print(
            _(
                "Incomplete: {count} account(s) could not be read (see above), so who the SCP "
                "would stop there is unknown. Fix the role (--org-role) and preview again."
            ).format(count=len(unread))
        )
        return 1
    if any(a.users for a in impact):
        print(
            _(
                "Move that automation to roles (or MFA sessions) first, and attach the SCP to a "
                "test OU before the root."
            )
        )
    else:
        print(_("Nothing found would break; still, try a test OU before the root."))
    return 0


def cmd_scp(args: argparse.Namespace) -> int:
    """`mfa-wizard scp --preview | --apply --target ID`."""
    import json

    from wizard import scp
    from wizard.partition import partition_of_arn

    if args.preview:
        # No AWS call for a preview: the partition comes from the region asked for.
        import os

        from wizard.partition import partition_of_region

        region = getattr(args, "region", None) or os.environ.get("AWS_REGION") or ""
        partition = partition_of_region(region)
        print(json.dumps(scp.scp_document(partition), indent=2))
        print()
        print("\n".join(scp.scp_explanation(partition)))
        if args.target:
            return print_scp_impact(args)
        return 0
    if not args.target:
        raise UsageError(
            _("--apply needs --target"), _("pass the root (r-...), OU (ou-...) or account id")
        )
    with open_target(target_of(args)) as (services, _unused):
        plan = scp.plan_scp(services, args.target)
        if plan.policy_id and plan.attached and not plan.differs:
            print(
                _(
                    "Nothing to do: {scp_name} is already attached to {target}, with the wizard's "
                    "content."
                ).format(scp_name=scp.SCP_NAME, target=args.target)
            )
            return 0
        print(json.dumps(plan.document, indent=2))
        print("\n".join(scp.scp_explanation(partition_of_arn(services.identity().arn))))
        replace = False
        if plan.differs:
            # Never --yes alone: a same-named policy may deny everything, and it is attached
            # to the whole organization the moment it is reused.
            print(
                _("\nThe existing SCP {scp_name} ({policy_id}) differs:").format(
                    scp_name=scp.SCP_NAME, policy_id=plan.policy_id
                )
            )
            print("\n".join(f"  {line}" for line in plan.diff))
            question = _("Replace the content of {name}: {difference}?").format(
                name=scp.SCP_NAME, difference=plan.difference()
            )
            if args.replace_existing:
                replacing = confirm(question, args.yes)
            elif sys.stdin.isatty():
                replacing = confirm(question, False)  # --yes does not answer this one
            else:
                raise UsageError(
                    _("the existing SCP {name} differs from the wizard's: {difference}").format(
                        name=scp.SCP_NAME, difference=plan.difference()
                    ),
                    _(
                        "read the diff above; --replace-existing puts the wizard's content in it (undo "
                        "restores the old), or rename or delete that policy first"
                    ),
                )
            if not replacing:
                print(_("Nothing changed."))
                return 1
            replace = True
        if plan.attached:
            print(_("It stays attached to {target}.").format(target=args.target))
        else:
            print(
                (
                    _("Will attach the existing SCP {name} to {target}.")
                    if plan.policy_id
                    else _("Will create and attach the SCP {name} to {target}.")
                ).format(name=scp.SCP_NAME, target=args.target)
            )
            if not confirm(_("Apply this SCP to the organization?"), args.yes):
                print(_("Nothing changed."))
                return 1
        for line in scp.apply_scp(services, plan, replace=replace):
            print(f"  {line}")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """`enforce` and `scp`."""
    enforce = commands.add_parser(
        "enforce", help=_("attach the require-MFA policy through a group")
    )
    enforce.add_argument("--group", default=None, help=_("group name (default MFARequired)"))
    enforce.add_argument("--policy-name", default=None, help=_("policy name (default RequireMFA)"))
    enforce.add_argument(
        "--policy-path", default=None, help=_("policy path (default /mfa-wizard/)")
    )
    who = enforce.add_mutually_exclusive_group()
    who.add_argument("--users", help=_("comma-separated user names"))
    who.add_argument(
        "--all-console-users", action="store_true", help=_("every console user (the default)")
    )
    enforce.add_argument("--dry-run", action="store_true", help=_("show the plan, change nothing"))
    enforce.add_argument("--yes", "-y", action="store_true", help=_("do not ask for confirmation"))
    enforce.add_argument("--undo", action="store_true", help=_("reverse what enforce did"))
    enforce.add_argument(
        "--force",
        action="store_true",
        help=_("use an existing group that grants other policies too"),
    )
    enforce.add_argument(
        "--include-self",
        action="store_true",
        help=_("put yourself in even if your session cannot be shown to carry MFA"),
    )

    scp = commands.add_parser("scp", help=_("organization-wide SCP for IAM users without MFA"))
    mode = scp.add_mutually_exclusive_group(required=True)
    mode.add_argument("--preview", action="store_true", help=_("print the SCP and what it does"))
    mode.add_argument(
        "--apply", action="store_true", help=_("create and attach it (management account)")
    )
    scp.add_argument(
        "--target",
        help=_(
            "root, OU or account id: to attach to (--apply), or whose member accounts to "
            "preview the impact on (--preview)"
        ),
    )
    scp.add_argument("--yes", "-y", action="store_true", help=_("do not ask for confirmation"))
    scp.add_argument(
        "--replace-existing",
        action="store_true",
        help=_(
            "an existing SCP named RequireMFAForIAMUsers whose content differs gets the "
            "wizard's content (after the diff; --yes alone never replaces it)"
        ),
    )
    return {"enforce": cmd_enforce, "scp": cmd_scp}
