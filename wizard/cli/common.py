"""What every command module shares: argument types, the target options, the handler type."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from wizard.i18n import _
from wizard.target import Target

Handler = Callable[[argparse.Namespace], int]
DEBUG_ENV = "MFA_WIZARD_DEBUG"


def positive_int(text: str) -> int:
    """argparse type: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text!r} is not a whole number").format(text=text)
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("must be 0 or more"))
    return value


def account_id(text: str) -> str:
    """argparse type: a 12-digit AWS account id."""
    value = text.strip()
    if len(value) != 12 or not value.isdigit():
        raise argparse.ArgumentTypeError(
            _("{text!r} is not a 12-digit AWS account id").format(text=text)
        )
    return value


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """--profile/--region/--endpoint-url/--demo/--demo-users."""
    target = parser.add_argument_group(_("AWS target (default: the standard AWS_* environment)"))
    target.add_argument("--profile", help=_("AWS profile (default: AWS_PROFILE or 'default')"))
    target.add_argument("--region", help=_("AWS region (default: AWS_REGION / config)"))
    target.add_argument("--endpoint-url", help=_("AWS endpoint (default: AWS_ENDPOINT_URL)"))
    target.add_argument(
        "--account",
        type=account_id,
        metavar="ID",
        help=_("a member account of your organization: act there through --org-role"),
    )
    target.add_argument(
        "--org-role",
        default="OrganizationAccountAccessRole",
        metavar="NAME",
        help=_("the role assumed in member accounts (--account, audit --org)"),
    )
    target.add_argument("--external-id", help=_("ExternalId for --org-role, if it requires one"))
    target.add_argument(
        "--demo",
        action="store_true",
        help=_("run against an embedded, seeded demo AWS account (nothing real is touched)"),
    )
    target.add_argument(
        "--demo-users",
        type=positive_int,
        default=0,
        metavar="N",
        help=_("with --demo: add N generated users to the demo account"),
    )


def target_of(args: argparse.Namespace) -> Target:
    """The AWS target the options name."""
    return Target(
        profile=args.profile,
        region=args.region,
        endpoint_url=args.endpoint_url,
        demo=args.demo,
        demo_users=args.demo_users,
        account=getattr(args, "account", None),
        org_role=getattr(args, "org_role", "OrganizationAccountAccessRole"),
        external_id=getattr(args, "external_id", None),
    )
