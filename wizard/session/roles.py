"""Role profiles, the way the AWS CLI reads them: role_arn + source_profile (+ mfa_serial,
external_id, role_session_name, duration_seconds, region), source_profile chains included.

The source profile's MFA session (GetSessionToken, one code) signs every AssumeRole: it already
carries MFA, so no role asks for a second code, and two roles on one source share one code. That is
not role chaining, so the role's own maximum session duration applies. A role whose source is
itself a role profile *is* chained: AWS caps it at one hour, and we say so.
"""

from __future__ import annotations

from typing import Any

from wizard.errors import UsageError
from wizard.i18n import _
from wizard.session.credentials import SessionCredentials
from wizard.session.keys import (
    CHAINED_MAX_DURATION,
    DEFAULT_ROLE_DURATION,
    MAX_CHAIN,
    REFUSAL_MEMORY_SECONDS,
    parse_refusals,
    role_owner_hash,
    role_session_name,
)
from wizard.session.profiles import ProfileSettings, check_servable, read_profile


def role_chain(profile: str) -> tuple[list[ProfileSettings], ProfileSettings]:
    """(the role profiles from `profile` inwards, the profile holding the long-term keys)."""
    roles: list[ProfileSettings] = []
    current = read_profile(profile)
    seen = {profile}
    while current.role_arn:
        if current.other_sign_in:  # a web identity or credential_source role: the SDK's own
            check_servable(current, roles[-1].name if roles else None, profile)
        roles.append(current)
        source = current.source_profile
        if not source:
            raise UsageError(
                _("profile {name} has role_arn but no source_profile").format(name=current.name),
                _("add `source_profile = NAME` (the profile with the long-term keys)"),
            )
        if source in seen or len(roles) > MAX_CHAIN:
            raise UsageError(
                _("profile {profile}'s source_profile chain loops back to {source}").format(
                    profile=profile, source=source
                ),
                _("point the last role profile's source_profile at a profile with access keys"),
            )
        seen.add(source)
        current = read_profile(source)
    check_servable(current, roles[-1].name if roles else None, profile)
    return roles, current


def chain_serial(roles: list[ProfileSettings], base: ProfileSettings) -> str | None:
    """mfa_serial on the profile used, else on any profile of its chain (AWS CLI semantics)."""
    for settings in [*roles, base]:
        if settings.mfa_serial:
            return settings.mfa_serial
    return None


def role_duration(settings: ProfileSettings, chained: bool, asked: int | None) -> tuple[int, str]:
    """The DurationSeconds to ask for, and a one-line note when AWS's chaining cap lowered it."""
    wanted = asked or settings.duration_seconds or DEFAULT_ROLE_DURATION
    if chained and wanted > CHAINED_MAX_DURATION:
        return CHAINED_MAX_DURATION, _(
            "{profile} assumes its role with another role's session (role chaining): AWS caps "
            "that at 1 h, so the session lasts 1 h, not {hours} h"
        ).format(profile=settings.name, hours=wanted // 3600)
    return wanted, ""


def role_owner(source_owner: str, settings: ProfileSettings) -> str:
    """Whose role session this is: the source session's owner plus the role and its options."""
    return role_owner_hash(
        source_owner, settings.role_arn, settings.external_id, session_name(settings)
    )


def session_name(settings: ProfileSettings) -> str:
    """role_session_name, else mfa-session-PROFILE (CloudTrail shows it: say who and how)."""
    return role_session_name(settings.name, settings.role_session_name)


def assume_role(
    source: SessionCredentials,
    settings: ProfileSettings,
    duration: int,
    region: str | None,
    endpoint_url: str | None,
) -> SessionCredentials:
    """AssumeRole signed with `source` (an MFA session): no code needed, the session has MFA."""
    from wizard.aws import FALLBACK_REGION, botocore_config, new_boto3_session

    session = new_boto3_session(
        aws_access_key_id=source.access_key_id,
        aws_secret_access_key=source.secret_access_key,
        aws_session_token=source.session_token,
    )
    kwargs: dict[str, Any] = {"region_name": region or FALLBACK_REGION, "config": botocore_config()}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    sts = session.client("sts", **kwargs)
    return assume_role_call(sts, settings, duration, {})


def assume_role_call(
    sts: Any, settings: ProfileSettings, duration: int, extra: dict[str, str]
) -> SessionCredentials:
    """One AssumeRole for a role profile (`extra`: SerialNumber/TokenCode when signed by
    long-term keys); errors a person can act on, by code."""
    from wizard.errors import aws_errors, error_code

    request: dict[str, Any] = {
        "RoleArn": settings.role_arn,
        "RoleSessionName": session_name(settings),
        "DurationSeconds": duration,
        **extra,
    }
    if settings.external_id:
        request["ExternalId"] = settings.external_id
    try:
        answer = sts.assume_role(**request)
    except Exception as exc:
        code = error_code(exc)
        message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", ""))
        if code == "AccessDenied" and "multifactorauthentication" in message.lower():
            raise UsageError(
                _("AWS refused the MFA code (wrong, already used, or for another device)"),
                _("wait for the next code in the app and run again"),
                code="MfaCodeRefused",
            ) from None
        if code == "AccessDenied":
            raise UsageError(
                _("AWS refused to let this session assume {role_arn}").format(
                    role_arn=settings.role_arn
                ),
                _(
                    "the role's trust policy must allow your user (with aws:MultiFactorAuthPresent), "
                    "and external_id must match what it expects"
                ),
                code=code,
            ) from None
        if code == "ValidationException" and "DurationSeconds" in message:
            raise UsageError(
                _("{role_arn} does not allow sessions of {minutes} min").format(
                    role_arn=settings.role_arn, minutes=duration // 60
                ),
                _(
                    "lower duration_seconds in the profile (or --duration), or raise the role's "
                    "maximum session duration"
                ),
                code=code,
            ) from None
        with aws_errors("AssumeRole"):
            raise
    c = answer["Credentials"]
    from wizard.session.credentials import parse_expiration

    return SessionCredentials(
        access_key_id=c["AccessKeyId"],
        secret_access_key=c["SecretAccessKey"],
        session_token=c["SessionToken"],
        expiration=parse_expiration(c["Expiration"]),
        duration=duration,
        identity=str(answer.get("AssumedRoleUser", {}).get("Arn", "")),
        role_arn=settings.role_arn or "",
    )


def list_profiles() -> list[tuple[str, str | None]]:
    """The config file's profiles, each with its role_arn (None for a profile with keys)."""
    from wizard.session.profiles import config_path, read_ini_file

    parser = read_ini_file(config_path())
    if parser is None:
        return []
    found = []
    for section in parser.sections():
        name = section.removeprefix("profile ").strip() if section != "default" else "default"
        if section.startswith("profile ") or section == "default":
            found.append((name, parser.get(section, "role_arn", fallback=None) or None))
    return found


def keys_profile(profile: str) -> str:
    """The profile whose long-term keys sign for `profile` (itself, or its chain's base)."""
    return role_chain(profile)[1].name


def _refusals_path() -> Any:
    from wizard.session.cache import cache_dir

    return cache_dir().parent / "direct-refused"


def _refusals() -> dict[str, float]:
    """owner hash -> when the role refused it directly, in the last day."""
    from wizard import clock

    try:
        text = _refusals_path().read_text(encoding="utf-8")
    except OSError:
        return {}
    return parse_refusals(text, clock.time() - REFUSAL_MEMORY_SECONDS)


def direct_refused(owner: str) -> bool:
    """True when this role refused a direct AssumeRole by this user in the last day."""
    return owner in _refusals()


def refuse_direct(owner: str) -> None:
    """Remember for a day (a hash, no name or key) that this role does not trust the user
    directly."""
    import contextlib

    from wizard import clock
    from wizard.files import write_text_atomic
    from wizard.session.cache import miss_lock

    path = _refusals_path()
    with contextlib.suppress(OSError), miss_lock(path.parent, "direct-refused"):
        known = _refusals()
        known[owner] = clock.time()
        lines = [f"{o} {t:.0f}" for o, t in sorted(known.items(), key=lambda i: i[1])[-200:]]
        write_text_atomic(path, "\n".join(lines) + "\n", mode=0o600)
