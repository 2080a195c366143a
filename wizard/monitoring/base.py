"""The plan model of the Monitor step: a change, the whole plan, and the planner's base."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard import organization
from wizard.aws import Services
from wizard.errors import absent
from wizard.i18n import N_, _
from wizard.journal import recent_changes, record
from wizard.monitoring.names import Names, names_for
from wizard.monitoring.options import MonitorOptions, validate
from wizard.plan import Change, Progress
from wizard.propagation import PATIENCE

# What Progress.wrote records: a dependency CloudTrail or Scheduler may not see for some seconds.
BUCKET_POLICY = N_("the new bucket policy")
KMS_KEY = N_("the new KMS key policy")
TRUSTED_ACCESS = N_("CloudTrail's new trusted access in the organization")
_NEW_ROLE = N_("the new role {name}")


def role_written(name: str) -> str:
    """Progress's name for a role this run created or whose permissions it changed."""
    return _NEW_ROLE.format(name=name)


def written_words(*written: str) -> str:
    """Progress's names as a person reads them (the names themselves stay English: keys)."""
    words = []
    for name in written:
        role = name.removeprefix(_NEW_ROLE.split("{", 1)[0])
        words.append(_(_NEW_ROLE).format(name=role) if role != name else _(name))
    return _(" and ").join(words)


@dataclass
class MonitorPlan:
    """The whole plan, in apply order."""

    options: MonitorOptions
    names: Names
    changes: list[Change]
    notes: list[str]
    reused_trail: str | None = None
    log_group: str = ""
    progress: Progress = field(default_factory=Progress, repr=False)

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


def management_organization(services: Services) -> str:
    """The organization id, when `services` is its management account (an organization trail
    is created there); a UsageError naming the fix otherwise."""
    return str(
        organization.management_organization(
            services,
            outside=_("leave out --organization-trail: a trail of this account is what it needs"),
            member=_(
                "run with the management account's credentials, or leave out --organization-trail"
            ),
        )["Id"]
    )


class PlannerBase:
    """What every resource planner shares: the target, the options, the names, the changes."""

    def __init__(self, services: Services, options: MonitorOptions) -> None:
        self.s = services
        self.o = validate(options)
        identity = services.identity()
        self.n = names_for(identity.account_id, services.region)
        if self.o.organization_trail:
            from dataclasses import replace

            self.n = replace(self.n, organization=management_organization(services))
        self.changes: list[Change] = []
        self.notes: list[str] = []
        self.key_arn: str | None = None
        # AWS Config delivers to the trail bucket (asked now, or our recorder is there already):
        # the bucket and key policies then grant it (`wizard.monitoring.config`).
        self.with_config = options.config_recorder
        self.progress = Progress()
        self._remember_recent_changes()

    def _remember_recent_changes(self) -> None:
        """What an earlier run changed moments ago counts as written by this one (AWS may still
        be propagating it: a re-run right after a stopped run must wait for it too)."""
        for entry in recent_changes(self.s, PATIENCE):
            if entry.step != "monitor":
                continue
            if entry.action in {"create_bucket", "update_bucket"}:
                self.progress.wrote(BUCKET_POLICY)
            elif entry.action in {"create_role", "update_role"}:
                self.progress.wrote(role_written(entry.resource))
            elif entry.action in {"create_kms_key", "update_key_policy"}:
                self.progress.wrote(KMS_KEY)
            elif entry.action == "create_group":
                self.progress.wrote(f"the new group {entry.resource}")

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def journal(self, action: str, resource: str, undo: dict[str, Any] | None = None) -> None:
        record(self.s, "monitor", action, resource, undo=undo)
