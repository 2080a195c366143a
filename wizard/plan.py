"""What a planned change will do: one status vocabulary, one mark each, for every step."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """The status of one planned change. A StrEnum, so JSON output and journals keep the word."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOTHING = "nothing"
    REUSE = "reuse"
    INFO = "info"

    @property
    def mark(self) -> str:
        """One character for plain-text plans: + create, ~ update, - delete, = as is, ! note."""
        return _MARKS[self]

    @property
    def changes(self) -> bool:
        """True when applying this change calls AWS."""
        return self in (Status.CREATE, Status.UPDATE, Status.DELETE)


_MARKS = {
    Status.CREATE: "+",
    Status.UPDATE: "~",
    Status.DELETE: "-",
    Status.NOTHING: "=",
    Status.REUSE: "=",
    Status.INFO: "!",
}
