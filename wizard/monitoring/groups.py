"""Seed 004's two CloudTrail groups: who administers the trail, who only reads it.

Each is an IAM group with one AWS managed policy (AWSCloudTrail_FullAccess, or
AWSCloudTrail_ReadOnlyAccess) and the members the admin named. The full-access group can stop
or delete the trail: the plan says so, and the trail-changes and tamper alarms page on it.
A member someone added by hand stays (the plan says how many); the wizard adds, never removes.
"""

from __future__ import annotations

from typing import Any

from wizard.aws import paginate
from wizard.errors import UsageError, aws_errors
from wizard.i18n import N_, _, ngettext
from wizard.monitoring.base import Change, PlannerBase, _try
from wizard.plan import Status
from wizard.propagation import after_propagation

FULL_ACCESS = "AWSCloudTrail_FullAccess"


def group_written(name: str) -> str:
    """Progress's name for a group this run created (AWS propagates it for a few seconds)."""
    return f"the new group {name}"


READ_ONLY = "AWSCloudTrail_ReadOnlyAccess"


class GroupsMixin(PlannerBase):
    """The two CloudTrail groups: created, completed (policy, members), or left as they are."""

    def plan_cloudtrail_groups(self) -> None:
        """Both groups, after checking the managed policies and the members exist."""
        from wizard.enrollment import ensure_user

        for user in sorted({*self.o.trail_admins, *self.o.trail_readers}):
            ensure_user(self.s, user)
        watching = [_("the trail-changes alarm")] * self.o.trail_changes_alarm + [
            _("the tamper alarm")
        ] * (not self.o.minimal)
        watched = (
            ngettext("{alarms} pages on that", "{alarms} page on that", len(watching)).format(
                alarms=_(" and ").join(watching)
            )
            if watching
            else _(
                "NO alarm of this plan pages on that: drop --minimal or --no-trail-changes-alarm"
            )
        )
        self.plan_group(
            self.n.trail_admins_group,
            FULL_ACCESS,
            self.o.trail_admins,
            _(
                "can stop or delete the trail ({watched}): for those who administer CloudTrail"
            ).format(watched=watched),
        )
        self.plan_group(
            self.n.trail_readers_group,
            READ_ONLY,
            self.o.trail_readers,
            _("reads CloudTrail's events and trails, changes nothing: for those who only read it"),
        )

    def _policy_exists(self, arn: str) -> None:
        if _try(lambda: self.s.iam.get_policy(PolicyArn=arn), "GetPolicy") is None:
            raise UsageError(
                _("the AWS managed policy {arn} does not exist at this endpoint").format(arn=arn),
                _(
                    "on AWS it always does: check --region and the endpoint. An emulator must load "
                    "AWS managed policies (moto: MOTO_IAM_LOAD_MANAGED_POLICIES=true; the demo does)"
                ),
            )

    def plan_group(self, name: str, policy: str, members: tuple[str, ...], what: str) -> None:
        """One group: create it, attach its policy, add the members missing."""
        iam = self.s.iam
        arn = self.n.aws_policy_arn(policy)
        self._policy_exists(arn)
        state = group_state(iam, name)
        exists = state is not None
        current, attached = state or (set(), set())
        missing = [u for u in members if u not in current]
        others = len(current - set(members))
        needs_policy = arn not in attached

        written = group_written(name)

        def waiting(op: str, call: Any) -> None:
            # A group this run (or one stopped moments ago) made: IAM may not show it yet.
            with aws_errors(op):
                after_propagation(
                    op,
                    call,
                    _("IAM to propagate the new group {name}").format(name=name),
                    fresh=bool(self.progress.fresh(written)),
                    say=self.progress.say,
                )

        def run() -> str:
            with aws_errors("CreateGroup"):
                if not exists:
                    iam.create_group(GroupName=name)
                    self.progress.wrote(written)
                    self.journal("create_group", name, undo={"op": "delete_group", "group": name})
            if needs_policy:
                waiting(
                    "AttachGroupPolicy",
                    lambda: iam.attach_group_policy(GroupName=name, PolicyArn=arn),
                )
                self.journal(
                    "attach_group_policy",
                    f"{name} {policy}",
                    undo={"op": "detach_group_policy", "group": name, "arn": arn},
                )
            for user in missing:
                waiting(
                    "AddUserToGroup",
                    lambda user=user: iam.add_user_to_group(GroupName=name, UserName=user),
                )
                self.journal(
                    "add_user_to_group",
                    f"{user} {name}",
                    undo={"op": "remove_user_from_group", "group": name, "user": user},
                )
            return f"arn:{self.n.partition}:iam::{self.n.account}:group/{name}"

        kept = (
            _("; {count} other member(s) left as they are").format(count=others) if others else ""
        )
        who = ", ".join(members) if members else _("no members yet")
        if not exists:
            detail = _("{what} ({policy}); members: {who}").format(
                what=what, policy=policy, who=who
            )
            self.add(Change(N_("iam group"), name, Status.CREATE, detail, _cli(name, arn), run))
        elif needs_policy or missing:
            parts = [_("attach {policy}").format(policy=policy)] * needs_policy + [
                _("add {users}").format(users=", ".join(missing))
            ] * bool(missing)
            self.add(
                Change(
                    N_("iam group"),
                    name,
                    Status.UPDATE,
                    _(" and ").join(parts) + kept,
                    _cli(name, arn),
                    run,
                )
            )
        else:
            self.add(
                Change(
                    N_("iam group"),
                    name,
                    Status.NOTHING,
                    _("{policy}; {count} member(s)").format(policy=policy, count=len(current)),
                )
            )


def _cli(name: str, arn: str) -> str:
    return (
        f"aws iam create-group --group-name {name} && aws iam attach-group-policy "
        f"--group-name {name} --policy-arn {arn} && aws iam add-user-to-group ..."
    )


def group_state(iam: Any, name: str) -> tuple[set[str], set[str]] | None:
    """(members, attached policy ARNs) of a group, or None when it does not exist."""
    pages = _try(lambda: list(iam.get_paginator("get_group").paginate(GroupName=name)), "GetGroup")
    if pages is None:
        return None
    members = {u["UserName"] for page in pages for u in page["Users"]}
    policies = paginate(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=name)
    return members, {p["PolicyArn"] for p in policies}


def cloudtrail_groups(iam: Any, n: Any) -> dict[str, tuple[set[str], set[str]]]:
    """The two CloudTrail groups that exist: {name: (members, attached policy ARNs)}. One
    ListGroups says which exist; only those are read (a missing one costs no failing call)."""
    present = {g["GroupName"] for g in paginate(iam, "list_groups", "Groups")}
    found = {}
    for name in (n.trail_admins_group, n.trail_readers_group):
        state = group_state(iam, name) if name in present else None
        if state is not None:
            found[name] = state
    return found


def teardown_groups(services: Any, n: Any, say: Any) -> None:
    """Delete the two CloudTrail groups (ours by name): members out, policies off, then the group."""
    from wizard.errors import delete_if_present

    iam = services.iam
    for name, (members, attached) in cloudtrail_groups(iam, n).items():
        for user in sorted(members):
            delete_if_present(
                "RemoveUserFromGroup", iam.remove_user_from_group, GroupName=name, UserName=user
            )
        for arn in sorted(attached):
            delete_if_present(
                "DetachGroupPolicy", iam.detach_group_policy, GroupName=name, PolicyArn=arn
            )
        # An inline policy someone added: AWS deletes a group only once it has none.
        for policy in paginate(iam, "list_group_policies", "PolicyNames", GroupName=name):
            delete_if_present(
                "DeleteGroupPolicy", iam.delete_group_policy, GroupName=name, PolicyName=policy
            )
        if delete_if_present("DeleteGroup", iam.delete_group, GroupName=name):
            say(
                N_("deleted group {name} ({count} member(s) taken out)"),
                name=name,
                count=len(members),
            )
