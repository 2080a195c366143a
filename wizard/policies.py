"""The Enforce step: AWS's "manage your own credentials, deny everything else without MFA" policy,
a group, an impact preview, a lockout guard, and an organization-wide SCP preview.

The document itself is `wizard.policy_documents`; who it affects and the lockout guard are
`wizard.lockout`; this module plans and applies (and undoes) the IAM changes.

Needs: iam:GetPolicy, iam:GetPolicyVersion, iam:ListPolicyVersions, iam:CreatePolicy,
iam:CreatePolicyVersion, iam:DeletePolicyVersion, iam:TagPolicy, iam:GetGroup, iam:CreateGroup,
iam:ListAttachedGroupPolicies, iam:AttachGroupPolicy, iam:AddUserToGroup; for undo also
iam:RemoveUserFromGroup, iam:DetachGroupPolicy, iam:DeleteGroup, iam:DeletePolicy,
iam:SetDefaultPolicyVersion, iam:ListEntitiesForPolicy. SCP: organizations:DescribeOrganization,
ListRoots, ListPolicies, CreatePolicy, AttachPolicy, ListTargetsForPolicy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.aws import Services
from wizard.errors import UsageError, aws_errors, error_code, translate
from wizard.i18n import N_, _
from wizard.journal import recent_changes, record
from wizard.lockout import UserImpact, impact_of, lockout_reason, needs_password_reset
from wizard.models import AuditResult
from wizard.partition import partition_of_arn
from wizard.plan import Change, Progress, Status, apply_plan
from wizard.policy_documents import POLICY_FILE, document_diff, load_document
from wizard.propagation import PATIENCE, after_propagation

DEFAULT_POLICY_NAME = "RequireMFA"
DEFAULT_POLICY_PATH = "/mfa-wizard/"
DEFAULT_GROUP = "MFARequired"
MAX_POLICY_VERSIONS = 5
TAG = {"Key": TAG_KEY, "Value": TAG_VALUE}
NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$", re.ASCII)
PATH_RE = re.compile(r"^/([\x21-\x7e]*/)?$")


# ----------------------------------------------------------------------------- plan


@dataclass
class EnforcePlan:
    """What `enforce` will do, read from AWS before anything changes."""

    policy_name: str
    policy_path: str
    policy_arn: str
    group: str
    users: list[str]
    steps: list[Change]
    impact: list[UserImpact]
    guard: str | None = None
    left_out: list[str] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)
    prune_version: str | None = None
    previous_default: str | None = None
    document: dict[str, Any] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress, repr=False)

    @property
    def nothing_to_do(self) -> bool:
        return not any(step.changes for step in self.steps)


def validate_names(policy_name: str, policy_path: str, group: str) -> None:
    """IAM's name and path rules, checked before any call."""
    for label, value in ((_("policy name"), policy_name), (_("group name"), group)):
        if not NAME_RE.match(value or ""):
            raise UsageError(
                _("{value!r} is not a valid IAM {label}").format(value=value, label=label),
                _("use 1-128 letters, digits and _+=,.@-"),
            )
    if not PATH_RE.match(policy_path or "") or len(policy_path) > 512:
        raise UsageError(
            _("{policy_path!r} is not a valid IAM path").format(policy_path=policy_path),
            _("a path starts and ends with '/', e.g. /mfa-wizard/"),
        )


def default_users(audit: AuditResult) -> list[str]:
    """The console users of the audit: the people the policy is for."""
    return sorted(u.user_name for u in audit.users if u.console_access)


def plan_enforcement(
    services: Services,
    audit: AuditResult,
    *,
    users: list[str] | None = None,
    group: str = DEFAULT_GROUP,
    policy_name: str = DEFAULT_POLICY_NAME,
    policy_path: str = DEFAULT_POLICY_PATH,
    force: bool = False,
    include_self: bool = False,
) -> EnforcePlan:
    """Read the current state and say what enforcement will create, update or leave alone.

    `force` accepts an existing group that grants more than the MFA policy; `include_self` puts
    the running identity in even when its session cannot be shown to carry MFA.
    """
    validate_names(policy_name, policy_path, group)
    known = {u.user_name: u for u in audit.users}
    explicit = users is not None
    targets = list(dict.fromkeys(users if explicit else default_users(audit)))
    unknown = [u for u in targets if u not in known]
    if unknown:
        raise UsageError(
            _("no IAM user named {join}").format(join=", ".join(repr(u) for u in unknown)),
            _("check the names with `mfa-wizard audit --all` (they are case-sensitive)"),
        )
    left_out: list[str] = []
    guard = lockout_reason(services, targets, audit, include_self=include_self)
    if guard and not explicit:
        # By default the admin is left out rather than locked out; asked for by name: refused.
        me = services.identity().name
        targets = [u for u in targets if u != me]
        left_out.append(_("{user} (you): {why}").format(user=me, why=guard))
        guard = None

    iam = services.iam
    account = services.identity().account_id
    partition = partition_of_arn(services.identity().arn)
    arn = f"arn:{partition}:iam::{account}:policy{policy_path}{policy_name}"
    document = load_document(partition=partition)
    body = json.dumps(document)
    steps: list[Change] = []
    diff: list[str] = []
    prune = previous = None
    progress = Progress()
    # What a run stopped moments ago created counts as new here too: IAM may still be
    # propagating it, so AttachGroupPolicy/AddUserToGroup wait for it as for our own.
    for entry in recent_changes(services, PATIENCE):
        if entry.step == "enforce" and entry.action in {"create_policy", "create_group"}:
            progress.wrote(f"{entry.action}:{entry.resource}")
    new_policy, new_group = f"create_policy:{arn}", f"create_group:{group}"

    def waiting(op: str, call: Callable[[], Any], *what: str) -> None:
        fresh = progress.fresh(*what)
        words = {
            new_policy: _("the new policy {name}").format(name=policy_name),
            new_group: _("the new group {name}").format(name=group),
        }
        with aws_errors(op):
            after_propagation(
                op,
                call,
                _("IAM to propagate {what}").format(what=_(" and ").join(words[w] for w in fresh)),
                fresh=bool(fresh),
                say=progress.say,
            )

    def create_policy() -> str:
        with aws_errors("CreatePolicy"):
            iam.create_policy(
                PolicyName=policy_name,
                Path=policy_path,
                PolicyDocument=body,
                Description="Deny everything without MFA except managing your own credentials (mfa-wizard)",
                Tags=[TAG],
            )
        progress.wrote(new_policy)
        record(services, "enforce", "create_policy", arn, undo={"op": "delete_policy", "arn": arn})
        return _("created policy {arn}").format(arn=arn)

    try:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise translate(exc, "GetPolicy") from None
        policy = None
    if policy is None:
        steps.append(
            Change(
                N_("policy"),
                policy_name,
                Status.CREATE,
                _("create the policy {policy_path}{policy_name}").format(
                    policy_path=policy_path, policy_name=policy_name
                ),
                f"aws iam create-policy --policy-name {policy_name} --path {policy_path} --policy-document file://{POLICY_FILE}",
                create_policy,
            )
        )
    else:
        previous = policy["DefaultVersionId"]
        with aws_errors("GetPolicyVersion"):
            current = iam.get_policy_version(PolicyArn=arn, VersionId=previous)["PolicyVersion"][
                "Document"
            ]
        if isinstance(current, str):
            from urllib.parse import unquote

            current = json.loads(unquote(current))
        diff = document_diff(current, document)
        if diff:
            with aws_errors("ListPolicyVersions"):
                versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
            if len(versions) >= MAX_POLICY_VERSIONS:
                oldest = min(
                    (v for v in versions if not v["IsDefaultVersion"]),
                    key=lambda v: v["CreateDate"],
                )
                prune = oldest["VersionId"]

                def prune_version(prune: str = prune) -> str:
                    with aws_errors("DeletePolicyVersion"):
                        iam.delete_policy_version(PolicyArn=arn, VersionId=prune)
                    record(
                        services,
                        "enforce",
                        "delete_policy_version",
                        f"{arn} {prune}",
                        detail="IAM keeps at most 5 versions; a deleted version cannot be restored",
                    )
                    return _("deleted old version {version}").format(version=prune)

                steps.append(
                    Change(
                        N_("policy version"),
                        prune,
                        Status.DELETE,
                        _("delete the oldest version {prune} (IAM keeps at most 5)").format(
                            prune=prune
                        ),
                        f"aws iam delete-policy-version --policy-arn {arn} --version-id {prune}",
                        prune_version,
                    )
                )

            def create_version(previous: str = previous) -> str:
                with aws_errors("CreatePolicyVersion"):
                    version = iam.create_policy_version(
                        PolicyArn=arn, PolicyDocument=body, SetAsDefault=True
                    )["PolicyVersion"]["VersionId"]
                record(
                    services,
                    "enforce",
                    "create_policy_version",
                    f"{arn} {version}",
                    undo={
                        "op": "delete_policy_version",
                        "arn": arn,
                        "version": version,
                        "previous_default": previous,
                    },
                )
                return _("new default version {version} of {policy}").format(
                    version=version, policy=policy_name
                )

            steps.append(
                Change(
                    N_("policy version"),
                    policy_name,
                    Status.UPDATE,
                    _("new default version of {policy_name} (was {previous})").format(
                        policy_name=policy_name, previous=previous
                    ),
                    f"aws iam create-policy-version --policy-arn {arn} --set-as-default --policy-document file://{POLICY_FILE}",
                    create_version,
                )
            )
        else:
            steps.append(
                Change(
                    N_("policy"),
                    policy_name,
                    Status.NOTHING,
                    _("policy {policy_name} is up to date ({previous})").format(
                        policy_name=policy_name, previous=previous
                    ),
                )
            )

    members: set[str] = set()
    attached = False
    try:
        members = {
            u["UserName"]
            for page in iam.get_paginator("get_group").paginate(GroupName=group)
            for u in page["Users"]
        }
        group_exists = True
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise translate(exc, "GetGroup") from None
        group_exists = False
    if group_exists:
        with aws_errors("ListAttachedGroupPolicies"):
            attached_arns = [
                p["PolicyArn"]
                for page in iam.get_paginator("list_attached_group_policies").paginate(
                    GroupName=group
                )
                for p in page["AttachedPolicies"]
            ]
        with aws_errors("ListGroupPolicies"):
            inline = [
                name
                for page in iam.get_paginator("list_group_policies").paginate(GroupName=group)
                for name in page["PolicyNames"]
            ]
        attached = arn in attached_arns
        # Everyone put in the group gets whatever else it grants: show it, and refuse unless told.
        others = [a.rsplit("/", 1)[-1] + " (attached)" for a in attached_arns if a != arn]
        others += [f"{name} (inline)" for name in inline]
        if others:
            steps.append(
                Change(
                    N_("group"),
                    group,
                    Status.INFO,
                    _("group {group} exists and also grants: {join}").format(
                        group=group, join=", ".join(others)
                    ),
                )
            )
            if not force and not guard:
                guard = _(
                    "the group {group} already has other policies ({others}): every user added "
                    "would get them too. Choose another group with --group, or pass --force if "
                    "that is intended"
                ).format(group=group, others=", ".join(others))
        else:
            steps.append(
                Change(
                    N_("group"),
                    group,
                    Status.NOTHING,
                    _("group {group} exists (no other policy)").format(group=group),
                )
            )
    else:

        def create_group() -> str:
            with aws_errors("CreateGroup"):
                iam.create_group(GroupName=group)
            progress.wrote(new_group)
            record(
                services,
                "enforce",
                "create_group",
                group,
                undo={"op": "delete_group", "group": group},
            )
            return _("created group {group}").format(group=group)

        steps.append(
            Change(
                N_("group"),
                group,
                Status.CREATE,
                _("create the group {group}").format(group=group),
                f"aws iam create-group --group-name {group}",
                create_group,
            )
        )

    def attach() -> str:
        waiting(
            "AttachGroupPolicy",
            lambda: iam.attach_group_policy(GroupName=group, PolicyArn=arn),
            new_policy,
            new_group,
        )
        record(
            services,
            "enforce",
            "attach_group_policy",
            f"{group} {arn}",
            undo={"op": "detach_group_policy", "group": group, "arn": arn},
        )
        return _("attached {policy} to {group}").format(policy=policy_name, group=group)

    if attached:
        steps.append(
            Change(
                N_("attachment"),
                group,
                Status.NOTHING,
                _("{policy_name} is attached to {group}").format(
                    policy_name=policy_name, group=group
                ),
            )
        )
    else:
        steps.append(
            Change(
                N_("attachment"),
                group,
                Status.CREATE,
                _("attach {policy_name} to {group}").format(policy_name=policy_name, group=group),
                f"aws iam attach-group-policy --group-name {group} --policy-arn {arn}",
                attach,
            )
        )

    def add_member(user: str) -> str:
        waiting(
            "AddUserToGroup",
            lambda: iam.add_user_to_group(GroupName=group, UserName=user),
            new_group,
        )
        record(
            services,
            "enforce",
            "add_user_to_group",
            f"{group} {user}",
            undo={"op": "remove_user_from_group", "group": group, "user": user},
        )
        return _("added {user} to {group}").format(user=user, group=group)

    for user in targets:
        if user in members:
            steps.append(
                Change(
                    N_("member"),
                    user,
                    Status.NOTHING,
                    _("{user} is in {group}").format(user=user, group=group),
                )
            )
        else:
            steps.append(
                Change(
                    N_("member"),
                    user,
                    Status.CREATE,
                    _("add {user} to {group}").format(user=user, group=group),
                    f"aws iam add-user-to-group --group-name {group} --user-name {user}",
                    lambda user=user: add_member(user),
                )
            )

    now = datetime.now(UTC)
    # One GetLoginProfile per console user without MFA about to be added (not per user).
    impact = [
        impact_of(known[u], now, reset_required=needs_password_reset(services, known[u]))
        for u in targets
        if u not in members
    ]
    return EnforcePlan(
        policy_name=policy_name,
        policy_path=policy_path,
        policy_arn=arn,
        group=group,
        users=targets,
        steps=steps,
        impact=impact,
        guard=guard,
        left_out=left_out,
        diff=diff,
        prune_version=prune,
        previous_default=previous,
        document=document,
        progress=progress,
    )


def apply_enforcement(
    services: Services,
    plan: EnforcePlan,
    on_progress: Callable[[str], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> list[str]:
    """Carry out the plan's changes in order (`wizard.plan.apply_plan`), each journaled with the
    op that reverts it; returns what was done.

    `on_progress` hears each change as it starts; `on_wait` (default: `on_progress`) hears the
    one line said while AWS propagates a policy or group this run has just created.
    """
    if plan.guard:
        raise UsageError(_("enforcement refused: {why}").format(why=plan.guard), _("see above"))

    announced: set[int] = set()

    def heard(index: int, total: int, text: str) -> None:
        # A change is announced first; a later line of the same change is a "waiting for" one.
        waiting = index in announced
        announced.add(index)
        hear = (on_wait or on_progress) if waiting else on_progress
        if hear:
            hear(text)

    done = apply_plan(
        plan.steps,
        plan.progress,
        heard if (on_progress or on_wait) else None,
        again=_("`mfa-wizard enforce` (or Apply on the Enforce step)"),
    )
    return [answer for _unused, answer in done]
