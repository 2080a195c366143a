"""How a planned change's status looks on screen: the domain's mark, in one colour per status."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from wizard.i18n import N_, _
from wizard.plan import Status

# A finding reads as one without colour: its word, in bold reverse (a badge in colour, and under
# NO_COLOR a light block on the dark ground). Good and warn are words, bold where it helps.
BAD = "bold reverse red"
GOOD = "green"
WARN = "bold yellow"

_COLOURS = {
    Status.CREATE: "green",
    Status.UPDATE: "yellow",
    Status.DELETE: "red",
    Status.NOTHING: "dim",
    Status.REUSE: "cyan",
    Status.INFO: "yellow",
}
_WORDS = {Status.NOTHING: N_("ok"), Status.INFO: N_("note")}


def status_markup(status: Status | str) -> str:
    """`+ create` in green, `= ok` dimmed, and so on (Rich markup)."""
    status = Status(status)
    word = _(_WORDS[status]) if status in _WORDS else status.label
    return f"[{_COLOURS[status]}]{status.mark} {word}[/]"


def cut(text: str, width: int) -> str:
    """`text` in `width` terminal columns (a Japanese character takes two), with an ellipsis
    when it is cut."""
    return text if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"
