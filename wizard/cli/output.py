"""Plain-text output of the headless commands: tables, plans, the terminal QR, files."""

from __future__ import annotations

import sys
from typing import Any

from wizard.i18n import N_, _, aligned, ljust, ngettext, width
from wizard.plan import Status

AUDIT_HEADER = (
    N_("USER"),
    N_("PATH"),
    N_("CONSOLE"),
    N_("MFA"),
    N_("DEVICES"),
    N_("PWD USED"),
    N_("KEYS"),
)


def format_audit_table(result: Any, show_all: bool = False) -> str:
    """A plain-text table of the audit for terminals and logs."""
    from wizard.audit import humanize_age
    from wizard.devices import audit_notes, kinds_summary

    now = result.generated_at
    users = result.users if show_all else [u for u in result.users if u.needs_mfa]
    header = [_(title) for title in AUDIT_HEADER]
    rows = [
        [
            u.user_name,
            u.path,
            _("yes") if u.console_access else _("no"),
            _("yes") if u.mfa_active else _("NO") if u.console_access else _("no"),
            kinds_summary(u.device_kinds) or "-",
            humanize_age(u.password_last_used, now) if u.console_access else "-",
            str(u.access_keys_active),
        ]
        for u in users
    ]
    # No rows: no bare header under "Every console user has MFA."
    lines = aligned([header, *rows]) if rows else []
    without = result.console_users_without_mfa
    console = result.console_user_count
    lines.append("")
    orphans = len(result.orphan_virtual_mfa_devices)
    lines.append(
        (
            _(
                "account {account}: root MFA on; {without} of {console} console users without "
                "MFA; {orphans}"
            )
            if result.root_mfa_active
            else _(
                "account {account}: root MFA OFF; {without} of {console} console users without "
                "MFA; {orphans}"
            )
        ).format(
            account=result.account_id,
            without=len(without),
            console=console,
            orphans=ngettext(
                "{count} orphaned virtual MFA device",
                "{count} orphaned virtual MFA devices",
                orphans,
            ).format(count=orphans),
        )
    )
    lines += audit_notes(result)
    if not show_all and not users:
        lines.insert(0, _("Every console user has MFA."))
    return "\n".join(lines) + "\n"


def write_output(text: str, path: str | None) -> None:
    """Write to PATH (atomically) or stdout; a bad path becomes a clear error."""
    if not path or path == "-":
        sys.stdout.write(text)
        return
    from wizard.files import export_text

    export_text(path, text)


def format_enforce_plan(plan: Any) -> str:
    """The enforcement plan as text: what the policy does, each step, the impact."""
    from wizard.policy_documents import describe_policy

    lines = [
        _("Policy {arn}").format(arn=plan.policy_arn),
        *describe_policy(plan.document),
        "",
        _("Plan:"),
    ]
    for step in plan.steps:
        status = Status(step.status)
        lines.append(f"  {status.mark} {ljust(status.label, 8)} {step.detail}")
        if step.cli:
            lines.append(f"      $ {step.cli}")
    if plan.diff:
        lines += ["", _("Policy change:"), *("  " + d for d in plan.diff)]
    if plan.impact:
        lines += ["", _("Impact:")]
        for item in plan.impact:
            lines.append(f"  {item.user_name}:")
            lines += [f"    - {reason}" for reason in item.reasons]
    if plan.left_out:
        lines += ["", _("Left out:")] + [f"  {item}" for item in plan.left_out]
    return "\n".join(lines) + "\n"


def format_monitor_plan(plan: Any) -> str:
    """The monitoring plan as a table with the CLI equivalents."""
    lines = []
    # As wide as the widest kind shown: メトリクスフィルター is 20 columns.
    kinds = max([18, *(width(_(c.kind)) for c in plan.changes)])
    for c in plan.changes:
        status = Status(c.status)
        lines.append(f"  {status.mark} {ljust(status.label, 7)} {ljust(_(c.kind), kinds)} {c.name}")
        lines.append(f"      {c.detail}")
        if c.cost and c.changes:
            lines.append(_("      cost: {cost}").format(cost=c.cost))
        if c.cli and c.changes:
            lines.append(f"      $ {c.cli}")
    for note in plan.notes:
        lines.append(_("Note: {note}").format(note=note))
    return "\n".join(lines) + "\n"
