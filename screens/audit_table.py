"""The Audit table's columns, sort keys and cell measures (no widgets: pure helpers)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from wizard.models import UserFinding

# (column key, label) in display order; sort keys below.
COLUMNS = [
    ("sel", " "),
    ("user", "User"),
    ("path", "Path"),
    ("console", "Console"),
    ("mfa", "MFA"),
    ("devices", "Dev"),
    ("signin", "Pwd used"),
    ("keys", "Keys"),
]
SORTABLE = ["user", "path", "mfa", "signin", "keys"]
# The Path column: at least this wide, and what the terminal has beyond the other columns.
PATH_MIN = 16
OTHER_COLUMNS = 64


def names_that_fit(names: list[str], width: int) -> str:
    """As many of `names` as fit in `width` columns, then "and N more" (never cut mid-name)."""
    shown: list[str] = []
    for index, name in enumerate(names):
        rest = len(names) - index - 1
        tail = f" and {rest} more" if rest else ""
        if len(", ".join([*shown, name]) + tail) > width and shown:
            return ", ".join(shown) + f" and {len(names) - len(shown)} more"
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
