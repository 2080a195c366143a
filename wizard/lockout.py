"""Who the MFA policy affects, and whether it would lock out the identity running the wizard.

Only a session known to carry MFA (one mfa-session or the Session step created) counts as safe:
a GetSessionToken without MFA or a GetFederationToken session also has a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from wizard.aws import Services
from wizard.errors import aws_errors, error_code, translate
from wizard.i18n import _
from wizard.models import AuditResult, UserFinding
from wizard.session.cache import is_known_mfa_session

RECENT_KEY_DAYS = 30


@dataclass(frozen=True)
class UserImpact:
    """What the policy does to one user: the reasons in words, and the same as counts."""

    user_name: str
    reasons: tuple[str, ...]
    # Denied everything but MFA set-up until they enrol (console or keys, no MFA device).
    loses_access: bool = False
    # Must reset their password first, which the policy denies without MFA.
    reset_blocked: bool = False
    # Active access keys used in the last RECENT_KEY_DAYS days: denied without an MFA session.
    recent_keys: int = 0

    @property
    def affected(self) -> bool:
        """True when the policy changes anything this user does today."""
        return self.loses_access or self.reset_blocked or self.recent_keys > 0


@dataclass(frozen=True)
class ImpactTotals:
    """The impact on many users as counts: what a plan for 2 000 users says first."""

    users: int
    lose_access: int
    reset_blocked: int
    keys_stop: int
    unaffected: int

    def lines(self) -> list[str]:
        """The counts in words, the ones that matter first (zero counts left out)."""
        lines = []
        if self.lose_access:
            lines.append(
                _("{count} lose access (all but MFA set-up) until they enrol").format(
                    count=self.lose_access
                )
            )
        if self.reset_blocked:
            lines.append(
                _(
                    "{count} must reset a password first and could not: fix them before enforcing"
                ).format(count=self.reset_blocked)
            )
        if self.keys_stop:
            lines.append(
                _(
                    "{count} have access keys used in the last {days} d that stop working "
                    "without an MFA session (mfa-session)"
                ).format(count=self.keys_stop, days=RECENT_KEY_DAYS)
            )
        if self.unaffected:
            lines.append(
                _("{count} have MFA: no change when signed in with MFA").format(
                    count=self.unaffected
                )
            )
        return lines


def impact_totals(impacts: list[UserImpact]) -> ImpactTotals:
    """Count what the policy does to `impacts`' users."""
    return ImpactTotals(
        users=len(impacts),
        lose_access=sum(1 for i in impacts if i.loses_access and not i.reset_blocked),
        reset_blocked=sum(1 for i in impacts if i.reset_blocked),
        keys_stop=sum(1 for i in impacts if i.recent_keys),
        unaffected=sum(1 for i in impacts if not i.affected),
    )


def session_key_id(services: Services) -> str | None:
    """The access key id of the wizard's credentials when they are a session (have a token)."""
    with aws_errors(_("loading credentials")):
        creds = services.session.get_credentials()
    if creds is None:
        return None
    frozen = creds.get_frozen_credentials()
    return frozen.access_key if frozen.token else None


def uses_long_term_keys(services: Services) -> bool:
    """True when the wizard signs with an IAM user's access keys (no MFA session token)."""
    with aws_errors(_("loading credentials")):
        creds = services.session.get_credentials()
    return creds is not None and not creds.get_frozen_credentials().token


def lockout_reason(
    services: Services, users: list[str], audit: AuditResult, include_self: bool = False
) -> str | None:
    """Why putting `users` under the policy would lock out the identity running the wizard.

    Only a session known to carry MFA (one mfa-session or the Session step created) counts as
    safe: a GetSessionToken without MFA or a GetFederationToken session also has a token.
    """
    identity = services.identity()
    if not identity.is_iam_user or identity.name not in users:
        return None
    me = next((u for u in audit.users if u.user_name == identity.name), None)
    if me is not None and not me.mfa_active:
        return _(
            "you ({name}) have no MFA device: once in the group, every call but MFA set-up is "
            "denied to you, including the wizard's next one. Enrol yourself first (`{command}`), "
            "then run enforce from an MFA session"
        ).format(name=identity.name, command=f"mfa-wizard enroll {identity.name}")
    token_key = session_key_id(services)
    if token_key and not include_self and not is_known_mfa_session(token_key):
        return _(
            "you ({name}) are signed in with a session this tool cannot tell carries MFA (it did "
            'not create it): if it does not, the wizard locks itself out. Use eval "$(mfa-session)" '
            "first, or pass --include-self if you are sure"
        ).format(name=identity.name)
    if uses_long_term_keys(services):
        return _(
            "you ({name}) are signed in with long-term access keys, not an MFA session: once in the "
            "group, these keys can do nothing but MFA set-up, so the wizard would lock itself out. "
            'Run it from an MFA session (eval "$(mfa-session)"; mfa-wizard ...) or leave yourself '
            "out."
        ).format(name=identity.name)
    return None


def password_reset_required(services: Services, user: str) -> bool:
    """Whether the user must set a new password at the next console sign-in (GetLoginProfile;
    the credential report does not say)."""
    try:
        profile = services.iam.get_login_profile(UserName=user)["LoginProfile"]
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
            return False
        raise translate(exc, "GetLoginProfile") from None
    return bool(profile.get("PasswordResetRequired"))


def reset_required_fix(user: str) -> str:
    """The ways out for a user who must reset their password but may not without MFA."""
    return _(
        "enrol their device for them first ({enroll}), let them sign in once before enforcing, "
        "or clear the reset: {clear}"
    ).format(
        enroll=f"mfa-wizard enroll {user}",
        clear=f"aws iam update-login-profile --user-name {user} --no-password-reset-required",
    )


def reset_required_reason(user: str) -> str:
    """Why a user who must reset their password cannot be enforced yet, and the fixes."""
    return _(
        "must set a new password at first sign-in, and the policy denies iam:ChangePassword "
        "without MFA (AWS's page for this policy warns of it): they could not finish signing in, "
        "so could never reach MFA set-up. Fix: {fix}"
    ).format(fix=reset_required_fix(user))


def impact_of(user: UserFinding, now: datetime, reset_required: bool = False) -> UserImpact:
    """What the policy changes for one user, from the credential report (and GetLoginProfile's
    PasswordResetRequired, read by the caller for console users without MFA)."""
    reasons = []
    blocked = user.console_access and not user.mfa_active and reset_required
    if blocked:
        reasons.append(reset_required_reason(user.user_name))
    elif user.console_access and not user.mfa_active:
        reasons.append(_("can sign in but can do nothing except set up MFA until they enrol"))
    elif not user.mfa_active:
        reasons.append(_("has no MFA device: nothing but MFA set-up is allowed"))
    recent = 0
    for key in user.access_keys:
        if key.active and key.last_used and now - key.last_used <= timedelta(days=RECENT_KEY_DAYS):
            days = (now - key.last_used).days
            recent += 1
            reasons.append(
                _(
                    "access key {slot} was used {days} d ago: calls signed with it will be denied "
                    "unless made with an MFA session (mfa-session)"
                ).format(slot=key.slot, days=days)
            )
    if not reasons:
        reasons.append(_("has MFA: no change when signed in with MFA"))
    return UserImpact(
        user.user_name,
        tuple(reasons),
        loses_access=not user.mfa_active,
        reset_blocked=bool(blocked),
        recent_keys=recent,
    )


def needs_password_reset(services: Services, user: UserFinding) -> bool:
    """A console user without MFA who must reset their password at first sign-in."""
    if not user.console_access or user.mfa_active:
        return False
    return password_reset_required(services, user.user_name)
