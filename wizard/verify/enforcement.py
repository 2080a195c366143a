"""MFA is enforced, user by user: proven by AWS's policy simulator where it can be asked.

For every console user and every user with an active access key, `iam:SimulatePrincipalPolicy`
answers what AWS would decide for a call made without MFA: a small representative set (a read, a
write, IAM, STS AssumeRole) must be denied, and the self-service set (create, enable and list MFA
devices, GetUser) must stay allowed, or nobody without MFA could ever set it up. The simulator
weighs every policy the user has, its groups', its permissions boundary and the organization's
SCPs. Users with the same groups and no policy or boundary of their own share one simulation.

Where the simulator is not there (an emulator) or may not be called, one paged
`iam:GetAccountAuthorizationDetails` answers the narrower question "does an explicit Deny without
MFA apply?" (wizard/verify/deny.py), and each finding says so.

Needs: iam:SimulatePrincipalPolicy (or iam:GetAccountAuthorizationDetails), iam:GetLoginProfile.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wizard.aws import Services
from wizard.errors import is_denied, translate
from wizard.i18n import _
from wizard.lockout import password_reset_required, reset_required_fix
from wizard.models import AuditResult, UserFinding
from wizard.verify.deny import document
from wizard.verify.model import VerifyReport
from wizard.verify.simulator import (
    DETAILS,
    ENFORCED_ACTIONS,
    SIMULATOR,
    Outcome,
    Principal,
    Simulator,
    SimulatorUnavailable,
    read_outcome,
)


def subjects(audit: AuditResult) -> list[UserFinding]:
    """Every console user and every user with an active access key."""
    return [u for u in audit.users if u.console_access or u.access_keys_active]


def authorization_details(services: Services) -> dict[str, Any]:
    """Users, groups and customer managed policies in one paged call (AWS managed policies are
    left out: they are large, and none denies by MFA)."""
    iam = services.iam
    merged: dict[str, list[Any]] = {"UserDetailList": [], "GroupDetailList": [], "Policies": []}
    pages = iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "Group", "LocalManagedPolicy"]
    )
    for page in pages:
        for key, items in merged.items():
            items.extend(page.get(key, []))
    return merged


def principals(users: list[UserFinding], details: dict[str, Any] | None) -> list[Principal]:
    """Each subject with its groups and, from the details, every policy document it gets."""
    if details is None:
        return [Principal(u) for u in users]
    by_user = {u["UserName"]: u for u in details["UserDetailList"]}
    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}
    managed = {}
    for policy in details["Policies"]:
        default = next(
            (v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None
        )
        if default is not None:
            managed[policy["Arn"]] = document(default["Document"])
    found = []
    for user in users:
        detail = by_user.get(user.user_name)
        if detail is None:  # created after the read: simulated alone
            found.append(Principal(user))
            continue
        names = tuple(sorted(detail.get("GroupList", [])))
        holders = [detail, *(groups[g] for g in names if g in groups)]
        documents = []
        for holder in holders:
            for inline in holder.get("UserPolicyList", []) + holder.get("GroupPolicyList", []):
                documents.append(document(inline["PolicyDocument"]))
            for attached in holder.get("AttachedManagedPolicies", []):
                if attached["PolicyArn"] in managed:
                    documents.append(managed[attached["PolicyArn"]])
        own = bool(
            detail.get("UserPolicyList")
            or detail.get("AttachedManagedPolicies")
            or detail.get("PermissionsBoundary")
        )
        found.append(Principal(user, names, own, documents))
    return found


# Simulations and GetLoginProfile calls at once: IAM answers each in tens of milliseconds, and
# botocore's standard retries absorb its throttling.
PARALLEL = 8


def batches_of(people: list[Principal]) -> list[list[Principal]]:
    """Users that share one simulation, together; a user with policies of their own, alone."""
    shared: dict[tuple[str, ...], list[Principal]] = {}
    alone: list[list[Principal]] = []
    for p in people:
        key = p.share_key
        if key is None:
            alone.append([p])
        else:
            shared.setdefault(key, []).append(p)
    return alone + list(shared.values())


def _simulated(simulator: Simulator, batch: list[Principal]) -> Outcome | Exception:
    try:
        return simulator.outcome(batch[0], any(p.user.access_keys_active for p in batch))
    except SimulatorUnavailable:
        raise
    except Exception as exc:
        return translate(exc, "SimulatePrincipalPolicy")


def simulate(
    simulator: Simulator, batches: list[list[Principal]], report: VerifyReport
) -> list[Outcome | Exception] | None:
    """One outcome (or the error that stopped it) per batch; None when the simulator is not
    there or may not be called (said in the report)."""
    try:
        # The first alone: it finds out whether the simulator is there at all.
        first = _simulated(simulator, batches[0])
    except SimulatorUnavailable as missing:
        if missing.emulator:
            report.not_shown.append(
                _(
                    "AWS's policy simulator: {reason}; enforcement is read from the policies "
                    "instead (explicit Deny only: no Allow, boundary or SCP weighed)"
                ).format(reason=_(missing.reason))
            )
        else:
            report.notes.append(
                _(
                    "{reason}: enforcement is read from the policies instead (explicit Deny "
                    "only). Grant iam:SimulatePrincipalPolicy for the stronger proof: it weighs "
                    "every policy, boundary and SCP."
                ).format(reason=_(missing.reason))
            )
        return None
    simulator.probed = True  # it is there: from now on, botocore's retries as everywhere
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        rest = list(pool.map(lambda b: _simulated(simulator, b), batches[1:]))
    return [first, *rest]


def verify_enforcement(
    services: Services,
    audit: AuditResult,
    report: VerifyReport,
    group: str = "MFARequired",
    on_progress: Callable[[str], None] | None = None,
) -> None:
    """Prove, for every subject user, that a call without MFA is denied and MFA set-up is not."""
    say = on_progress or (lambda text: None)
    users = subjects(audit)
    if not users:
        report.held(
            "enforced", _("(no console user, no access key)"), _("nobody to enforce"), "audit"
        )
        return
    details = None
    try:
        details = authorization_details(services)
    except Exception as exc:
        if not is_denied(exc):
            raise translate(exc, "GetAccountAuthorizationDetails") from None
        report.notes.append(
            _(
                "iam:GetAccountAuthorizationDetails was denied: every user is simulated on their "
                "own (no shared simulations)."
            )
        )
    people = principals(users, details)
    batches = batches_of(people)
    identity = services.identity()
    me = identity.name if identity.is_iam_user else None
    say(
        _("proving enforcement for {count} user(s) ({count2} distinct sets of groups)").format(
            count=len(people), count2=len(batches)
        )
    )
    simulator = Simulator(services)
    simulated = simulate(simulator, batches, report)
    report.requests["SimulatePrincipalPolicy"] = simulator.calls
    proof = SIMULATOR if simulated is not None else DETAILS
    outcomes: list[tuple[Principal, Outcome | Exception | None, int]] = []
    for index, batch in enumerate(batches):
        if simulated is not None:
            outcomes += [(p, simulated[index], len(batch)) for p in batch]
        elif details is not None:
            outcomes += [(p, read_outcome(p), 1) for p in batch]
        else:
            outcomes += [(p, None, 1) for p in batch]
    # GetLoginProfile only where it matters: a console user without MFA who may not change
    # their password without MFA.
    asked = [
        p.user.user_name
        for p, out, _unused in outcomes
        if isinstance(out, Outcome)
        and p.user.console_access
        and not p.user.mfa_active
        and out.change_password_denied
    ]
    say(
        _("reading {count} login profile(s) for a required password reset").format(count=len(asked))
    )
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        flags = pool.map(lambda name: password_reset_required(services, name), asked)
        resets = dict(zip(asked, flags, strict=True))
    report.requests["GetLoginProfile"] = len(asked)
    for p, out, shared in outcomes:
        if isinstance(out, Outcome):
            reset = resets.get(p.user.user_name, False)
            judge(p, out, report, group, proof, shared, reset, me)
        elif isinstance(out, Exception):
            error = translate(out, "SimulatePrincipalPolicy")
            report.unproven(
                "enforced",
                p.user.user_name,
                _("could not be proven: {cause}").format(cause=error.cause),
                error.fix or _("run verify again"),
                SIMULATOR,
            )
        else:
            report.unproven(
                "enforced",
                p.user.user_name,
                _(
                    "could not be proven: neither iam:SimulatePrincipalPolicy nor "
                    "iam:GetAccountAuthorizationDetails may be called"
                ),
                _(
                    "grant iam:SimulatePrincipalPolicy (the stronger proof) or "
                    "iam:GetAccountAuthorizationDetails"
                ),
                SIMULATOR,
            )
    if simulated is not None:
        report.notes.append(
            _(
                "{batches} simulation(s) for {people} user(s): users with the same groups and no "
                "policy or boundary of their own share one ({calls} SimulatePrincipalPolicy calls)."
            ).format(
                batches=len(batches),
                people=len(people),
                calls=report.requests["SimulatePrincipalPolicy"],
            )
        )


def judge(
    p: Principal,
    out: Outcome,
    report: VerifyReport,
    group: str,
    proof: str,
    shared: int = 1,
    reset_required: bool = False,
    me: str | None = None,
) -> None:
    """Turn one user's outcome into findings (or checked lines)."""
    user = p.user
    name = user.user_name
    human = user.console_access
    enroll = _("{command} (adds {name} to {group})").format(
        command=f"mfa-wizard enforce --users {name}", name=name, group=group
    )
    if name == me:
        # The wizard leaves out its own caller unless it runs in an MFA session (lockout guard).
        enroll = _('from an MFA session (eval "$(mfa-session)"): {enroll}').format(enroll=enroll)

    # The simulator says what is allowed; the policies alone say only what no Deny covers.
    allowed = _("allowed") if proof == SIMULATOR else _("not covered by an explicit Deny")
    if human and out.allowed_without_mfa:
        report.fail(
            "enforced",
            name,
            _("signed in without MFA, these calls are {allowed}: {calls}").format(
                allowed=allowed, calls=", ".join(out.allowed_without_mfa)
            ),
            enroll,
            proof,
        )
    keys = user.access_keys_active and out.allowed_with_keys
    if keys and human and not out.allowed_without_mfa:
        report.fail(
            "enforced",
            name,
            _(
                "with the user's access keys (no MFA), these calls are {allowed}: {calls} (a Bool "
                "condition on aws:MultiFactorAuthPresent misses long-term keys; BoolIfExists does "
                "not)"
            ).format(allowed=allowed, calls=", ".join(out.allowed_with_keys)),
            enroll,
            proof,
        )
    elif keys and not human:
        report.warn(
            "enforced",
            name,
            _(
                "with access keys and no MFA, these calls are {allowed}: {calls} (no console: a "
                "service user, or a person using keys)"
            ).format(allowed=allowed, calls=", ".join(out.allowed_with_keys)),
            _("move that automation to an IAM role; if a person uses the keys: {enroll}").format(
                enroll=enroll
            ),
            proof,
        )
    # Only a person without MFA needs to set it up (a service user has no console to do it in).
    if human and not user.mfa_active and out.self_service_denied:
        report.fail(
            "self_service",
            name,
            _("without MFA the user may not set MFA up: {calls} denied").format(
                calls=", ".join(out.self_service_denied)
            ),
            _(
                "a policy or boundary of theirs denies MFA set-up without MFA: use AWS's "
                "documented policy (mfa-wizard enforce), or enrol {name} yourself (mfa-wizard "
                "enroll {name})"
            ).format(name=name),
            proof,
        )
    if user.access_keys_active and out.session_token_denied:
        report.fail(
            "self_service",
            name,
            _("sts:GetSessionToken is denied without MFA: mfa-session cannot get MFA credentials"),
            _("remove sts:GetSessionToken from that Deny (AWS's documented policy exempts it)"),
            proof,
        )
    if human and not user.mfa_active and out.change_password_denied and reset_required:
        report.fail(
            "password_reset",
            name,
            _(
                "must set a new password at first sign-in, but iam:ChangePassword is denied "
                "without MFA: they cannot finish signing in, so cannot reach MFA set-up"
            ),
            reset_required_fix(name),
            proof + " + iam:GetLoginProfile",
        )
    if (human and not out.allowed_without_mfa) or (not human and not keys):
        detail = _("calls without MFA are denied") + (
            _("; with MFA {allowed} of {count} sample calls allowed").format(
                allowed=out.allowed_with_mfa, count=len(ENFORCED_ACTIONS)
            )
            if out.allowed_with_mfa is not None
            else ""
        )
        if shared > 1:
            detail += _(" (one simulation shared by {count} users of the same groups)").format(
                count=shared
            )
        report.held("enforced", name, detail, proof)
