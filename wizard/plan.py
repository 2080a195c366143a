"""One plan model for every step that changes AWS: Enforce, Monitor, undo and teardown.

* `Change`: one resource, what will happen to it (`Status`), the equivalent CLI line, what it
  costs a month when it is an extra, and `run`, the closure that does it (journaling the op that
  reverts it).
* `apply_plan`: runs a plan's changes in order, with one progress line each, the waits for AWS
  propagation said on the same line (`Progress`).
* `revert`: the one registry of reverting ops. A journal entry's `undo` names one, `undo` runs
  it, and teardown removes what it finds through the same ops, so "already gone" means the same
  everywhere (the absent error codes are held once, in `wizard.errors.ABSENT_CODES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from wizard.aws import Services
from wizard.errors import WizardError, absent, aws_call, delete_if_present
from wizard.i18n import N_, _


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
    def label(self) -> str:
        """The status as a person reads it, in the language in use (the value stays English in
        JSON and in the journal)."""
        return _(_LABELS[self])

    @property
    def changes(self) -> bool:
        """True when applying this change calls AWS."""
        return self in (Status.CREATE, Status.UPDATE, Status.DELETE)


_LABELS = {
    Status.CREATE: N_("create"),
    Status.UPDATE: N_("update"),
    Status.DELETE: N_("delete"),
    Status.NOTHING: N_("nothing"),
    Status.REUSE: N_("reuse"),
    Status.INFO: N_("info"),
}

_MARKS = {
    Status.CREATE: "+",
    Status.UPDATE: "~",
    Status.DELETE: "-",
    Status.NOTHING: "=",
    Status.REUSE: "=",
    Status.INFO: "!",
}


@dataclass
class Change:
    """One resource: what it is, what will happen, the CLI equivalent, and how to do it."""

    kind: str
    name: str
    status: Status
    detail: str
    cli: str = ""
    run: Callable[[], str] | None = field(default=None, repr=False)
    # The monthly cost of an extra (a KMS key, an alarm), said in the plan; "" when free.
    cost: str = ""
    # What an update fixes, as words for code ("key policy", "who may assume it", "selectors"):
    # `detail` says it to a person, in the language in use, so code never reads `detail`.
    aspects: tuple[str, ...] = ()

    @property
    def changes(self) -> bool:
        """True when applying it calls AWS."""
        return self.status.changes and self.run is not None

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "cli": self.cli,
            "cost": self.cost,
        }


@dataclass
class Progress:
    """Shared by a plan's closures and `apply_plan`: what this run has written (so only a fresh
    dependency is waited for) and who hears the "waiting for ..." line."""

    written: set[str] = field(default_factory=set)
    say: Callable[[str], None] | None = None

    def wrote(self, what: str) -> None:
        self.written.add(what)

    def fresh(self, *what: str) -> list[str]:
        """The names among `what` this run has written, in that order."""
        return [w for w in what if w in self.written]


class PartlyAppliedError(WizardError):
    """A plan stopped part-way (Ctrl-C, or an error at one change): says what was made, and
    that applying again finishes it. Its exit status is the cause's (130 for Ctrl-C)."""

    def __init__(self, cause: str, fix: str, *, code: str = "", exit_code: int = 1) -> None:
        super().__init__(cause, fix, code=code)
        self.exit_code = exit_code


def _stopped(
    exc: BaseException, made: list[Change], current: Change, total: int, again: str
) -> PartlyAppliedError:
    """What a plan stopped by `exc` at `current` leaves, in words: never "nothing was left
    half-done" once a change has started (the one in progress may be partly made)."""
    from wizard.errors import CancelledError, translate

    if isinstance(exc, KeyboardInterrupt):
        error: WizardError = CancelledError(_("cancelled (Ctrl-C)"), "")
    else:
        error = exc if isinstance(exc, WizardError) else translate(exc)
    names = ", ".join(f"{_(c.kind)} {c.name}" for c in made) or _("nothing yet")
    cause = _(
        "{cause}; {made} of {total} changes were made ({names}), and {kind} {name} was under "
        "way, so it may be partly made"
    ).format(
        cause=error.cause,
        made=len(made),
        total=total,
        names=names,
        kind=_(current.kind),
        name=current.name,
    )
    # The throttling fix says nothing was left half-done: here something may have been.
    fix = error.fix.replace(_("; nothing was left half-done"), "").replace(
        _("nothing was left half-done"), ""
    )
    finish = (
        _("run {command} again: it reads what AWS holds now and finishes the rest").format(
            command=again
        )
        if again
        else ""
    )
    return PartlyAppliedError(
        cause,
        _("; then ").join(part for part in (fix, finish) if part) or _("apply the plan again"),
        code=error.code,
        exit_code=error.exit_code,
    )


def apply_plan(
    changes: list[Change],
    progress: Progress,
    on_progress: Callable[[int, int, str], None] | None = None,
    first: frozenset[str] = frozenset(),
    again: str = "",
) -> list[tuple[Change, str]]:
    """Run every change that changes something, in order (kinds in `first` go first: AWS
    propagates them while the rest is made); returns each change with what its run() answered.

    `on_progress(index, total, text)` hears "create kind name" before each change, and any
    "waiting for ..." line said while it runs (through `progress.say`). Stopped part-way (Ctrl-C
    or an error), it raises PartlyAppliedError: what was made, and that `again` (the command
    that applies the plan) finishes it.
    """
    todo = sorted((c for c in changes if c.changes), key=lambda c: c.kind not in first)
    results: list[tuple[Change, str]] = []
    for index, change in enumerate(todo, 1):
        # The whole turn, progress line included: a Ctrl-C anywhere in it is told truthfully.
        try:
            if on_progress:
                on_progress(
                    index, len(todo), f"{change.status.label} {_(change.kind)} {change.name}"
                )

                def say(text: str, index: int = index) -> None:
                    assert on_progress is not None
                    on_progress(index, len(todo), text)

                progress.say = say
            assert change.run is not None
            results.append((change, change.run()))
        except (KeyboardInterrupt, Exception) as exc:
            made = [c for c, _unused in results]
            if not made and isinstance(exc, WizardError) and exc.rolled_back:
                raise  # the first change undid its own part: nothing is half-made
            raise _stopped(exc, made, change, len(todo), again) from None
    return results


# ----------------------------------------------------------------------------- reverting


# What a reverting op reports. They go into the journal as they are (English, for machines and
# for searching); a person reads them through _() where they are shown.
UNDONE, ALREADY_UNDONE = N_("undone"), N_("already undone")
KEPT_LOGS = N_("kept (its events are evidence; teardown --purge deletes it)")
KEPT_KEY = N_("kept (it protects the logs; teardown --purge removes it)")


def _outcome(deleted: bool) -> str:
    return UNDONE if deleted else ALREADY_UNDONE


def _iam_call(services: Services, method: str, **kwargs: Any) -> str:
    return _outcome(delete_if_present(method, getattr(services.iam, method), **kwargs))


def _call(services: Services, service: str, method: str, **kwargs: Any) -> str:
    client = services.client(service)
    return _outcome(delete_if_present(method, getattr(client, method), **kwargs))


def _delete_policy_version(services: Services, p: dict[str, Any]) -> str:
    iam = services.iam
    found = absent("GetPolicy", iam.get_policy, PolicyArn=p["arn"])
    if found is None:
        return ALREADY_UNDONE
    if found["Policy"]["DefaultVersionId"] == p["version"] and p.get("previous_default"):
        _iam_call(
            services,
            "set_default_policy_version",
            PolicyArn=p["arn"],
            VersionId=p["previous_default"],
        )
    return _iam_call(services, "delete_policy_version", PolicyArn=p["arn"], VersionId=p["version"])


def _delete_policy(services: Services, p: dict[str, Any]) -> str:
    iam = services.iam
    arn = p["arn"]
    pages = absent(
        "ListEntitiesForPolicy",
        lambda: list(iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn)),
    )
    if pages is None:
        return ALREADY_UNDONE
    attached = [g["GroupName"] for page in pages for g in page.get("PolicyGroups", [])]
    attached += [u["UserName"] for page in pages for u in page.get("PolicyUsers", [])]
    attached += [r["RoleName"] for page in pages for r in page.get("PolicyRoles", [])]
    if attached:
        raise WizardError(
            _("the policy {arn} is still attached to {join}").format(
                arn=arn, join=", ".join(attached)
            ),
            _("detach it there first (someone attached it after the wizard did), then undo again"),
        )
    versions = aws_call(
        "ListPolicyVersions",
        lambda: [
            v
            for page in iam.get_paginator("list_policy_versions").paginate(PolicyArn=arn)
            for v in page["Versions"]
        ],
    )
    for version in versions:
        if not version["IsDefaultVersion"]:
            _iam_call(
                services, "delete_policy_version", PolicyArn=arn, VersionId=version["VersionId"]
            )
    return _iam_call(services, "delete_policy", PolicyArn=arn)


def _delete_group(services: Services, p: dict[str, Any]) -> str:
    iam = services.iam
    members = absent(
        "GetGroup",
        lambda: [
            u["UserName"]
            for page in iam.get_paginator("get_group").paginate(GroupName=p["group"])
            for u in page["Users"]
        ],
    )
    if members is None:
        return ALREADY_UNDONE
    if members:
        raise WizardError(
            _("the group {p} still has members ({join})").format(
                p=p["group"], join=", ".join(members[:5])
            ),
            _("they were added outside this wizard: remove them first, then undo again"),
        )
    return _iam_call(services, "delete_group", GroupName=p["group"])


def _deactivate_mfa_device(services: Services, p: dict[str, Any]) -> str:
    return _iam_call(
        services, "deactivate_mfa_device", UserName=p["user"], SerialNumber=p["serial"]
    )


def _disable_mfa_device(services: Services, p: dict[str, Any]) -> str:
    result = _deactivate_mfa_device(services, p)
    _iam_call(services, "delete_virtual_mfa_device", SerialNumber=p["serial"])
    return result


def _stop_config_recorder(services: Services, p: dict[str, Any]) -> str:
    return _call(
        services, "config", "stop_configuration_recorder", ConfigurationRecorderName=p["name"]
    )


def _delete_config_recorder(services: Services, p: dict[str, Any]) -> str:
    # Stopped first: a recorder is deleted only once it no longer records.
    _stop_config_recorder(services, p)
    return _call(
        services, "config", "delete_configuration_recorder", ConfigurationRecorderName=p["name"]
    )


def _detach_scp(services: Services, p: dict[str, Any]) -> str:
    return _call(
        services, "organizations", "detach_policy", PolicyId=p["policy_id"], TargetId=p["target"]
    )


def _delete_role(services: Services, p: dict[str, Any]) -> str:
    _iam_call(services, "delete_role_policy", RoleName=p["name"], PolicyName=p["name"])
    return _iam_call(services, "delete_role", RoleName=p["name"])


def _delete_trail(services: Services, p: dict[str, Any]) -> str:
    _call(services, "cloudtrail", "stop_logging", Name=p["name"])
    return _call(services, "cloudtrail", "delete_trail", Name=p["name"])


OPS: dict[str, Callable[[Services, dict[str, Any]], str]] = {
    # Monitoring (the bucket is deleted only when empty: its logs are evidence).
    "delete_schedule": lambda s, p: _call(s, "scheduler", "delete_schedule", Name=p["name"]),
    "delete_alarm": lambda s, p: _call(s, "cloudwatch", "delete_alarms", AlarmNames=[p["name"]]),
    "unsubscribe": lambda s, p: _call(s, "sns", "unsubscribe", SubscriptionArn=p["arn"]),
    "delete_topic": lambda s, p: _call(s, "sns", "delete_topic", TopicArn=p["arn"]),
    "delete_metric_filter": lambda s, p: _call(
        s, "logs", "delete_metric_filter", logGroupName=p["group"], filterName=p["name"]
    ),
    "delete_trail": _delete_trail,
    "delete_role": _delete_role,
    # Evidence stays, as with teardown without --purge: `monitor teardown --purge` removes it.
    "delete_log_group": lambda s, p: KEPT_LOGS,
    "delete_bucket": lambda s, p: _call(s, "s3", "delete_bucket", Bucket=p["bucket"]),
    "schedule_key_deletion": lambda s, p: KEPT_KEY,
    "remove_user_from_group": lambda s, p: _iam_call(
        s, "remove_user_from_group", GroupName=p["group"], UserName=p["user"]
    ),
    "detach_group_policy": lambda s, p: _iam_call(
        s, "detach_group_policy", GroupName=p["group"], PolicyArn=p["arn"]
    ),
    "delete_group": _delete_group,
    "delete_policy_version": _delete_policy_version,
    "delete_policy": _delete_policy,
    "disable_mfa_device": _disable_mfa_device,
    # A hardware token or a security key is deactivated (it is not IAM's to delete); two ops
    # only so that undo can say what bringing each back takes.
    "deactivate_mfa_device": _deactivate_mfa_device,
    "deactivate_security_key": _deactivate_mfa_device,
    "detach_scp": _detach_scp,
    "stop_config_recorder": _stop_config_recorder,
    "delete_config_channel": lambda s, p: _call(
        s, "config", "delete_delivery_channel", DeliveryChannelName=p["name"]
    ),
    "delete_config_recorder": _delete_config_recorder,
    "disassociate_kms_key": lambda s, p: _call(
        s, "logs", "disassociate_kms_key", logGroupName=p["group"]
    ),
    "restore_scp": lambda s, p: _call(
        s, "organizations", "update_policy", PolicyId=p["policy_id"], Content=p["content"]
    ),
    "restore_key_policy": lambda s, p: _call(
        s, "kms", "put_key_policy", KeyId=p["key"], PolicyName="default", Policy=p["policy"]
    ),
}


# What undoing each op does, in the words of the plan (never a raw API name).
REVERT_WORDS: dict[str, str] = {
    "delete_schedule": N_("delete the schedule {name}"),
    "delete_alarm": N_("delete the alarm {name}"),
    "unsubscribe": N_("unsubscribe the email from the alert topic"),
    "delete_topic": N_("delete the alert topic"),
    "delete_metric_filter": N_("delete the metric filter {name}"),
    "delete_trail": N_("stop and delete the trail {name}"),
    "delete_role": N_("delete the role {name}"),
    "delete_log_group": N_("delete the log group {name}"),
    "delete_bucket": N_("delete the (empty) bucket {bucket}"),
    "schedule_key_deletion": N_("schedule the KMS key for deletion"),
    "remove_user_from_group": N_("take {user} out of the group {group}"),
    "detach_group_policy": N_("detach {arn} from the group {group}"),
    "stop_config_recorder": N_("stop the AWS Config recorder {name}"),
    "delete_config_channel": N_("delete the AWS Config delivery channel {name}"),
    "delete_config_recorder": N_("delete the AWS Config recorder {name}"),
    "delete_group": N_("delete the group {group}"),
    "delete_policy_version": N_("go back to the previous version of the MFA policy"),
    "delete_policy": N_("delete the MFA policy"),
    "disable_mfa_device": N_("deactivate and delete the MFA device of {user}"),
    "deactivate_mfa_device": N_("deactivate the MFA device {serial} of {user}"),
    "deactivate_security_key": N_(
        "deactivate the security key {serial} of {user} (to come back it must be registered "
        "again in the console)"
    ),
    "detach_scp": N_("detach the SCP from {target}"),
    "restore_key_policy": N_("put back the KMS key's previous policy"),
    "restore_scp": N_("put back the SCP's previous content"),
    "disassociate_kms_key": N_("stop encrypting new events of the log group {group} with the key"),
}


def revert(services: Services, op: dict[str, Any]) -> str:
    """Carry out one reverting op ({"op": name, ...}): "undone", "already undone" or "kept ..."."""
    return OPS[str(op["op"])](services, op)
