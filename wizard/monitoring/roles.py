"""The IAM roles the Monitor step's services act through (CloudTrail to Logs, Scheduler)."""

from __future__ import annotations

import json
from typing import Any

from wizard import TAG_KEY, TAG_VALUE
from wizard.errors import aws_errors
from wizard.i18n import N_, _
from wizard.monitoring.base import Change, PlannerBase, _try, role_written
from wizard.plan import Status


class RoleMixin(PlannerBase):
    """One role: created, or its trust and permissions repaired, or left as it is."""

    def plan_role(
        self, name: str, trust: dict[str, Any], policy: dict[str, Any], what: str
    ) -> None:
        iam = self.s.iam
        role = _try(lambda: iam.get_role(RoleName=name)["Role"], "GetRole")
        current = (
            _try(
                lambda: iam.get_role_policy(RoleName=name, PolicyName=name)["PolicyDocument"],
                "GetRolePolicy",
            )
            if role
            else None
        )

        trust_differs = role is not None and role.get("AssumeRolePolicyDocument") != trust

        def run() -> str:
            with aws_errors("CreateRole"):
                if role is None:
                    iam.create_role(
                        RoleName=name,
                        AssumeRolePolicyDocument=json.dumps(trust),
                        Description=what,
                        Tags=[{"Key": TAG_KEY, "Value": TAG_VALUE}],
                    )
                    self.journal("create_role", name, undo={"op": "delete_role", "name": name})
                elif trust_differs:
                    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
                iam.put_role_policy(
                    RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy)
                )
            if role is not None:
                self.journal("update_role", name)
            self.progress.wrote(role_written(name))
            return f"arn:{self.n.partition}:iam::{self.n.account}:role/{name}"

        if role is None:
            self.add(
                Change(
                    N_("iam role"),
                    name,
                    Status.CREATE,
                    what,
                    f"aws iam create-role --role-name {name} ... && aws iam put-role-policy ...",
                    run,
                )
            )
        elif current != policy or trust_differs:
            aspects = [N_("who may assume it")] * trust_differs + [N_("permissions")] * (
                current != policy
            )
            self.add(
                Change(
                    N_("iam role"),
                    name,
                    Status.UPDATE,
                    _("{what}: {differs} differ").format(
                        what=what, differs=_(" and ").join(_(a) for a in aspects)
                    ),
                    f"aws iam update-assume-role-policy / put-role-policy --role-name {name} ...",
                    run,
                    aspects=tuple(aspects),
                )
            )
        else:
            self.add(Change(N_("iam role"), name, Status.NOTHING, what))
