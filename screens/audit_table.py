"""The Audit table's columns, cells, sort keys and summary line (no widgets: pure helpers)."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text

from screens.widgets.status import BAD, GOOD, cut
from wizard.audit import humanize_age
from wizard.devices import short_kinds
from wizard.i18n import N_, _
from wizard.models import VIRTUAL, AuditResult, UserFinding

# (column key, label) in display order; sort keys below.
COLUMNS = [
    ("sel", " "),
    ("user", N_("User")),
    ("path", N_("Path")),
    ("console", N_("Console")),
    ("mfa", N_("MFA")),
    ("devices", N_("Dev")),
    ("signin", N_("Pwd used")),
    ("keys", N_("Keys")),
]
SORTABLE = ["user", "path", "mfa", "signin", "keys"]
# The Path column: at least this wide, and what the terminal has beyond the other columns.
PATH_MIN = 16
OTHER_COLUMNS = 64


def headings_extra() -> int:
    """The columns the headings beside User and Path take beyond their English ones (Japanese
    words are wider: コンソール is 10 columns, Console 7). Path gives that room up, down to a
    few columns, so the table still fits 80 columns; in English it is 0."""
    return sum(
        max(0, cell_len(_(label)) - cell_len(label))
        for key, label in COLUMNS
        if key not in ("user", "path")
    )


def names_that_fit(names: list[str], width: int) -> str:
    """As many of `names` as fit in `width` columns, then "and N more" (never cut mid-name)."""
    shown: list[str] = []
    for index, name in enumerate(names):
        rest = len(names) - index - 1
        tail = _(" and {count} more").format(count=rest) if rest else ""
        if cell_len(", ".join([*shown, name]) + tail) > width and shown:
            return ", ".join(shown) + _(" and {count} more").format(count=len(names) - len(shown))
        shown.append(name)
    return ", ".join(shown)


def cell_width(cell: object) -> int:
    """The terminal cells a table cell takes (Text or str)."""
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


def sort_value(user: UserFinding, column: str) -> tuple:
    """The key the Audit table sorts `column` by (findings first for MFA)."""
    if column == "path":
        return (user.path, user.user_name.lower())
    if column == "mfa":
        # Findings first: console without MFA, then the rest.
        return (not user.needs_mfa, user.mfa_active, user.user_name.lower())
    if column == "signin":
        stamp = user.password_last_used.timestamp() if user.password_last_used else 0.0
        return (-stamp, user.user_name.lower())
    if column == "keys":
        return (-user.access_keys_active, user.user_name.lower())
    return (user.user_name.lower(),)


def summary_markup(result: AuditResult) -> str:
    """The Audit step's summary line (markup): root, the findings, orphans, the report's age."""
    missing = len(result.console_users_without_mfa)
    console = result.console_user_count
    if not result.root_mfa_active:
        root = _("Root MFA [{bad}]OFF[/] (i)").format(bad=BAD)
    elif result.root_mfa_type == VIRTUAL:
        root = _("Root MFA [{good}]on[/] (virtual, i)").format(good=GOOD)
    else:
        root = _("Root MFA [{good}]on[/]").format(good=GOOD)
    parts = [
        root,
        _("[b]{missing}[/b] of {console} console users without MFA").format(
            missing=missing, console=console
        )
        if missing
        else _("[green]all {console} console users have MFA[/]").format(console=console),
    ]
    if result.fido_only_users:
        parts.append(_("{count} key-only (i)").format(count=len(result.fido_only_users)))
    if result.orphan_virtual_mfa_devices:
        parts.append(
            _("{count} orphan device(s) (o)").format(count=len(result.orphan_virtual_mfa_devices))
        )
    parts.append(report_age(result))
    return " · ".join(parts)


def report_age(result: AuditResult) -> str:
    """How old the credential report is, or when it was made if AWS's clock is off."""
    age = result.report_age_seconds
    if age is None:
        return _("report age unknown")
    if age > 4 * 3600 + 600:
        # AWS regenerates a report older than 4 h, so this is clock skew or an emulator.
        stamp = (
            result.report_generated_at.strftime("%Y-%m-%d") if result.report_generated_at else "?"
        )
        return _("report dated {date} (re-checked live)").format(date=stamp)
    return _("report age {age}").format(
        age=humanize_age(result.report_generated_at, result.generated_at)
    )


def cells(user: UserFinding, now: datetime, selected: bool, path_width: int) -> list:
    """One Audit table row: AWS text as Text, never markup (an IAM path may hold `[/]`)."""
    if user.needs_mfa:
        mfa = Text(_("NO"), style=BAD)
    elif user.mfa_active:
        mfa = Text(_("yes") + ("*" if user.mfa_confirmed_after_report else ""), style="green")
    else:
        mfa = Text("-", style="dim")
    rotated = user.oldest_active_key_rotated()
    keys = str(user.access_keys_active) if user.access_keys_active else "-"
    if rotated:
        # The age of the oldest active key (rotation), e.g. "2 (412d)"; under a day: "new".
        new = (now - rotated).total_seconds() < 86400 * 2  # humanize_age says minutes or hours
        keys += _(" (new)") if new else f" ({humanize_age(rotated, now)})"
    return [
        Text("✓", style="bold cyan") if selected else "",
        # AWS text is a Text, never markup: an IAM path may hold `[/]`.
        Text(user.user_name),
        Text(cut(user.path, path_width)),
        _("yes") if user.console_access else _("no"),
        mfa,
        # V virtual, H hardware token, K security key/passkey (F1 says so).
        Text(short_kinds(user.device_kinds), style="bold yellow" if user.fido_only else "")
        if user.mfa_devices
        else "-",
        humanize_age(user.password_last_used, now) if user.console_access else "-",
        keys,
    ]
