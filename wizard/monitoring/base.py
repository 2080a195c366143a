"""The plan model of the Monitor step: a change, the whole plan, and the planner's base."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard.aws import Services
from wizard.errors import absent
from wizard.journal import record
from wizard.monitoring.names import Names, names_for
from wizard.monitoring.options import MonitorOptions, validate
from wizard.plan import Status


@dataclass
class Change:
    """One resource: what it is, what will happen, the CLI equivalent, and how to do it."""

    kind: str
    name: str
    status: Status
    detail: str
    cli: str = ""
    run: Callable[[], str] | None = field(default=None, repr=False)

    @property
    def changes(self) -> bool:
        return self.status in {Status.CREATE, Status.UPDATE}

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "cli": self.cli,
        }


@dataclass
class MonitorPlan:
    """The whole plan, in apply order."""

    options: MonitorOptions
    names: Names
    changes: list[Change]
    notes: list[str]
    reused_trail: str | None = None
    log_group: str = ""

    @property
    def nothing_to_do(self) -> bool:
        return not any(c.changes for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [c.to_json() for c in self.changes],
            "notes": self.notes,
            "reused_trail": self.reused_trail,
            "nothing_to_do": self.nothing_to_do,
        }


def _try(call: Callable[[], Any], op: str) -> Any | None:
    """The answer of a read, or None when the thing does not exist."""
    return absent(op, call)


class PlannerBase:
    """What every resource planner shares: the target, the options, the names, the changes."""

    def __init__(self, services: Services, options: MonitorOptions) -> None:
        self.s = services
        self.o = validate(options)
        identity = services.identity()
        self.n = names_for(identity.account_id, services.region)
        self.changes: list[Change] = []
        self.notes: list[str] = []
        self.key_arn: str | None = None

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def journal(self, action: str, resource: str, undo: dict[str, Any] | None = None) -> None:
        record(self.s, "monitor", action, resource, undo=undo)
