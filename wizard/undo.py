"""Reversing journaled changes: each journal entry's `undo` names an op handled here.

An op is idempotent: when the thing is already gone it reports "already undone" instead of
failing, so `mfa-wizard undo` can be re-run after an interruption.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard.aws import Services
from wizard.errors import WizardError, absent, aws_call, delete_if_present
from wizard.journal import Entry, for_target, mark_undone


def _outcome(deleted: bool) -> str:
    return "undone" if deleted else "already undone"


def _iam_call(services: Services, method: str, **kwargs: Any) -> str:
    return _outcome(delete_if_present(method, getattr(services.iam, method), **kwargs))


def _call(services: Services, service: str, method: str, **kwargs: Any) -> str:
    client = services.client(service)
    return _outcome(delete_if_present(method, getattr(client, method), **kwargs))


def _delete_policy_version(services: Services, p: dict[str, Any]) -> str:
    iam = services.iam
    found = absent("GetPolicy", iam.get_policy, PolicyArn=p["arn"])
    if found is None:
        return "already undone"
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
        return "already undone"
    attached = [g["GroupName"] for page in pages for g in page.get("PolicyGroups", [])]
    attached += [u["UserName"] for page in pages for u in page.get("PolicyUsers", [])]
    attached += [r["RoleName"] for page in pages for r in page.get("PolicyRoles", [])]
    if attached:
        raise WizardError(
            f"the policy {arn} is still attached to {', '.join(attached)}",
            "detach it there first (someone attached it after the wizard did), then undo again",
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
        return "already undone"
    if members:
        raise WizardError(
            f"the group {p['group']} still has members ({', '.join(members[:5])})",
            "they were added outside this wizard: remove them first, then undo again",
        )
    return _iam_call(services, "delete_group", GroupName=p["group"])


def _disable_mfa_device(services: Services, p: dict[str, Any]) -> str:
    result = _iam_call(
        services, "deactivate_mfa_device", UserName=p["user"], SerialNumber=p["serial"]
    )
    _iam_call(services, "delete_virtual_mfa_device", SerialNumber=p["serial"])
    return result


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
    "delete_log_group": lambda s, p: "kept (its events are evidence; teardown --purge deletes it)",
    "delete_bucket": lambda s, p: _call(s, "s3", "delete_bucket", Bucket=p["bucket"]),
    "schedule_key_deletion": lambda s, p: (
        "kept (it protects the logs; teardown --purge removes it)"
    ),
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
    "detach_scp": _detach_scp,
    "restore_key_policy": lambda s, p: _call(
        s, "kms", "put_key_policy", KeyId=p["key"], PolicyName="default", Policy=p["policy"]
    ),
}


# What undoing each op does, in the words of the plan (never a raw API name).
_UNDO_WORDS: dict[str, str] = {
    "delete_schedule": "delete the schedule {name}",
    "delete_alarm": "delete the alarm {name}",
    "unsubscribe": "unsubscribe the email from the alert topic",
    "delete_topic": "delete the alert topic",
    "delete_metric_filter": "delete the metric filter {name}",
    "delete_trail": "stop and delete the trail {name}",
    "delete_role": "delete the role {name}",
    "delete_log_group": "delete the log group {name}",
    "delete_bucket": "delete the (empty) bucket {bucket}",
    "schedule_key_deletion": "schedule the KMS key for deletion",
    "remove_user_from_group": "take {user} out of the group {group}",
    "detach_group_policy": "detach the MFA policy from the group {group}",
    "delete_group": "delete the group {group}",
    "delete_policy_version": "go back to the previous version of the MFA policy",
    "delete_policy": "delete the MFA policy",
    "disable_mfa_device": "deactivate and delete the MFA device of {user}",
    "detach_scp": "detach the SCP from {target}",
    "restore_key_policy": "put back the KMS key's previous policy",
}


def describe_undo(entry: Entry) -> str:
    """What undoing `entry` will do, in plain words, with the region it happens in."""
    undo = entry.undo or {}
    template = _UNDO_WORDS.get(str(undo.get("op")), "reverse: " + entry.action.replace("_", " "))
    try:
        words = template.format(**{k: v for k, v in undo.items() if isinstance(v, str)})
    except (KeyError, IndexError):
        words = template.split(" {")[0] + f" ({entry.resource})"
    return f"{words} (in {entry.region})"


def undoable(entries: list[Entry], services: Services, step: str | None = None) -> list[Entry]:
    """Entries of this account and endpoint that can still be undone, newest first."""
    return [
        e
        for e in reversed(for_target(entries, services))
        if e.action != "undo"
        and e.undo
        and e.undo.get("op") in OPS
        and e.undone_by is None
        and e.outcome == "done"
        and (step is None or e.step == step)
    ]


def undo_entries(
    services: Services,
    entries: list[Entry],
    on_progress: Callable[[str], None] | None = None,
) -> list[tuple[Entry, str]]:
    """Reverse `entries` in the order given (newest first); stops at the first error."""
    done: list[tuple[Entry, str]] = []
    account = services.identity().account_id
    for entry in entries:
        assert entry.undo is not None
        if entry.account != account:
            raise WizardError(
                f"the change {entry.id} was made in account {entry.account}, not {account}",
                "run undo with credentials for that account",
            )
        # Each change is undone where it was made, whatever --region this run has.
        here = services.in_region(entry.region)
        outcome = OPS[entry.undo["op"]](here, entry.undo)
        mark_undone(here, entry, outcome)
        done.append((entry, outcome))
        if on_progress:
            on_progress(f"{outcome}: {entry.action} {entry.resource}")
    return done
