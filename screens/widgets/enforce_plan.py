"""The Enforce plan as Rich markup: a refusal, who is left out, the impact as totals (per-user
detail only when asked, and filtered), then the changes, each with its CLI equivalent when asked."""

from __future__ import annotations

from rich.markup import escape

from screens.widgets.status import status_markup
from wizard.lockout import impact_totals
from wizard.plan import Status
from wizard.policies import EnforcePlan

# Per-user lines shown at most; `mfa-wizard enforce --dry-run` lists every one.
DETAIL_LIMIT = 100


def some_names(names: list[str], all_up_to: int = 8) -> str:
    """`names` in full up to `all_up_to` of them; past that the first 8 and "and N more"."""
    if len(names) <= all_up_to:
        return ", ".join(names)
    return ", ".join(names[:8]) + f" and {len(names) - 8} more"


def plan_markup(
    plan: EnforcePlan, detail: bool = False, needle: str = "", cli: bool = False
) -> str:
    """The plan, most important first so it fits above the fold at 80x24. `detail`: the users
    the policy changes something for, one line each (those matching `needle`); `cli`: the
    command line of each change under it."""
    lines = []
    if plan.guard:
        lines.append(f"[b red]Refused:[/] {escape(plan.guard)}")
    elif plan.nothing_to_do:
        lines.append("[green]Nothing to do: everything is already in place.[/]")
    for item in plan.left_out:
        lines.append(f"[yellow]Left out:[/] {escape(str(item))}")
    if plan.impact:
        lines += _impact(plan, detail, needle)
    lines.append("[b]Plan[/b]" + ("" if cli else " [dim](c: the same on the command line)[/dim]"))
    members = [s for s in plan.steps if s.kind == "member"]
    for step in plan.steps:
        if step in members:
            continue
        lines.append(f"  {status_markup(step.status)}  {escape(step.detail)}")
        if cli and step.cli and step.changes:
            lines.append(f"      [dim]$ {escape(step.cli)}[/dim]")
    adding = [s for s in members if s.changes]
    if adding:
        lines.append(
            f"  {status_markup(Status.CREATE)}  "
            f"add {len(adding)} user{'s' * (len(adding) != 1)} to {escape(plan.group)}: "
            + escape(some_names([s.name for s in adding]))
        )
        if cli and adding[0].cli:
            lines.append(
                f"      [dim]$ {escape(adding[0].cli)}[/dim]"
                + (
                    f" [dim](and {len(adding) - 1} more, one per user)[/dim]"
                    if len(adding) > 1
                    else ""
                )
            )
    elif members:
        lines.append(
            f"  {status_markup(members[0].status)}  {len(members)} already in {escape(plan.group)}"
        )
    if plan.diff:
        lines.append("[b]Policy change[/b] (new default version):")
        lines += [f"  [dim]{escape(d)}[/dim]" for d in plan.diff[:12]]
    return "\n".join(lines)


def _impact(plan: EnforcePlan, detail: bool, needle: str) -> list[str]:
    totals = impact_totals(plan.impact)
    lines = [f"[b]Impact on {totals.users} user{'s' * (totals.users != 1)}[/b]"]
    lines += [f"  • {escape(line)}" for line in totals.lines()]
    affected = [i for i in plan.impact if i.affected]
    if not affected:
        return lines
    if not detail:
        lines.append(f"  [dim]d: the {len(affected)} affected user(s), one by one[/dim]")
        return lines
    needle = needle.strip().lower()
    matching = [i for i in affected if needle in i.user_name.lower()]
    heading = (
        f"  [b]Affected[/b] ({len(matching)}"
        + (f" matching {escape(repr(needle))}" if needle else "")
        + ")"
    )
    lines.append(heading)
    for item in matching[:DETAIL_LIMIT]:
        lines.append(f"  [b]{escape(item.user_name)}[/b]: " + escape("; ".join(item.reasons)))
    if len(matching) > DETAIL_LIMIT:
        lines.append(
            f"  ... and {len(matching) - DETAIL_LIMIT} more "
            "(/ narrows them; mfa-wizard enforce --dry-run lists all)"
        )
    return lines
