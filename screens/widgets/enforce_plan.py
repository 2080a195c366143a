"""The Enforce plan as Rich markup: a refusal, who is left out, the impact as totals (per-user
detail only when asked, and filtered), then the changes, each with its CLI equivalent when asked."""

from __future__ import annotations

from rich.markup import escape

from screens.widgets.status import status_markup
from wizard.i18n import _, ngettext
from wizard.lockout import impact_totals
from wizard.plan import Status
from wizard.policies import EnforcePlan

# Per-user lines shown at most; `mfa-wizard enforce --dry-run` lists every one.
DETAIL_LIMIT = 100


def some_names(names: list[str], all_up_to: int = 8) -> str:
    """`names` in full up to `all_up_to` of them; past that the first 8 and "and N more"."""
    if len(names) <= all_up_to:
        return ", ".join(names)
    return ", ".join(names[:8]) + _(" and {count} more").format(count=len(names) - 8)


def plan_markup(
    plan: EnforcePlan, detail: bool = False, needle: str = "", cli: bool = False
) -> str:
    """The plan, most important first so it fits above the fold at 80x24. `detail`: the users
    the policy changes something for, one line each (those matching `needle`); `cli`: the
    command line of each change under it."""
    lines = []
    if plan.guard:
        lines.append(_("[b red]Refused:[/] {escape}").format(escape=escape(plan.guard)))
    elif plan.nothing_to_do:
        lines.append(_("[green]Nothing to do: everything is already in place.[/]"))
    for item in plan.left_out:
        lines.append(_("[yellow]Left out:[/] {escape}").format(escape=escape(str(item))))
    if plan.impact:
        lines += _impact(plan, detail, needle)
    lines.append(
        _("[b]Plan[/b]") + ("" if cli else _(" [dim](c: the same on the command line)[/dim]"))
    )
    members = [s for s in plan.steps if s.kind == "member"]
    for step in plan.steps:
        if step in members:
            continue
        lines.append(f"  {status_markup(step.status)}  {escape(step.detail)}")
        if cli and step.cli and step.changes:
            lines.append(_("      [dim]$ {escape}[/dim]").format(escape=escape(step.cli)))
    adding = [s for s in members if s.changes]
    if adding:
        lines.append(
            f"  {status_markup(Status.CREATE)}  "
            + ngettext(
                "add {count} user to {group}: ", "add {count} users to {group}: ", len(adding)
            ).format(count=len(adding), group=escape(plan.group))
            + escape(some_names([s.name for s in adding]))
        )
        if cli and adding[0].cli:
            lines.append(
                f"      [dim]$ {escape(adding[0].cli)}[/dim]"
                + (
                    _(" [dim](and {count} more, one per user)[/dim]").format(count=len(adding) - 1)
                    if len(adding) > 1
                    else ""
                )
            )
    elif members:
        lines.append(
            _("  {status_markup}  {count} already in {escape}").format(
                status_markup=status_markup(members[0].status),
                count=len(members),
                escape=escape(plan.group),
            )
        )
    if plan.diff:
        lines.append(_("[b]Policy change[/b] (new default version):"))
        lines += [f"  [dim]{escape(d)}[/dim]" for d in plan.diff[:12]]
    return "\n".join(lines)


def _impact(plan: EnforcePlan, detail: bool, needle: str) -> list[str]:
    totals = impact_totals(plan.impact)
    lines = [
        ngettext(
            "[b]Impact on {count} user[/b]", "[b]Impact on {count} users[/b]", totals.users
        ).format(count=totals.users)
    ]
    lines += [f"  • {escape(line)}" for line in totals.lines()]
    affected = [i for i in plan.impact if i.affected]
    if not affected:
        return lines
    if not detail:
        lines.append(
            _("  [dim]d: the {count} affected user(s), one by one[/dim]").format(
                count=len(affected)
            )
        )
        return lines
    needle = needle.strip().lower()
    matching = [i for i in affected if needle in i.user_name.lower()]
    heading = (
        _("  [b]Affected[/b] ({count} matching {search})").format(
            count=len(matching), search=escape(repr(needle))
        )
        if needle
        else _("  [b]Affected[/b] ({count})").format(count=len(matching))
    )
    lines.append(heading)
    for item in matching[:DETAIL_LIMIT]:
        lines.append(f"  [b]{escape(item.user_name)}[/b]: " + escape(_("; ").join(item.reasons)))
    if len(matching) > DETAIL_LIMIT:
        lines.append(
            _(
                "  ... and {value} more (/ narrows them; mfa-wizard enforce --dry-run lists all)"
            ).format(value=len(matching) - DETAIL_LIMIT)
        )
    return lines
