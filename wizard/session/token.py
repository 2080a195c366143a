"""Asking STS for an MFA session: find the device, check the keys are long-term, send the code
(once: a refused code is never sent again), with the tries a person gets.

Needs: sts:GetSessionToken (no policy can deny it), iam:ListMFADevices to find the device.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

from wizard.errors import CredentialsError, UsageError
from wizard.i18n import _, ngettext
from wizard.session.credentials import CODE_ATTEMPTS, SessionCredentials, parse_expiration


def code_problem(code: str) -> str:
    """'' for six ASCII digits, else what is wrong (asked again)."""
    from wizard.totp import MFA_CODE, normalize_code

    return normalize_code(code, MFA_CODE)[1]


def find_mfa_serials(services: Any) -> list[str]:
    """The caller's MFA devices. AWS lists the caller's own without UserName; naming the user
    (from get-caller-identity) works the same and also on emulators that require it."""
    from wizard.aws import paginate

    identity = services.identity()
    kwargs = {"UserName": identity.name} if identity.is_iam_user else {}
    items = paginate(services.iam, "list_mfa_devices", "MFADevices", **kwargs)
    return [d["SerialNumber"] for d in items]


def totp_serial(services: Any, say: Callable[[str], None]) -> str:
    """The caller's first device that gives codes; security keys are skipped, with a line each
    (STS takes no code from them), and a caller with keys alone is told what to add."""
    found = find_mfa_serials(services)
    for key in (s for s in found if is_fido(s)):
        say(
            _(
                "Skipping {key}: a FIDO security key cannot give GetSessionToken a code (only "
                "virtual or hardware TOTP devices can)."
            ).format(key=key)
        )
    keys = [s for s in found if is_fido(s)]
    found = [s for s in found if not is_fido(s)]
    if not found and keys:
        # AWS has said STS will not take FIDO: a key is for the console only.
        raise UsageError(
            ngettext(
                "this identity's only MFA device is a security key or passkey, and STS takes "
                "codes from TOTP devices only",
                "this identity's only MFA devices are security keys or passkeys, and STS "
                "takes codes from TOTP devices only",
                len(keys),
            ),
            _(
                "keep the key for the console and add a second, TOTP device for CLI work: "
                "`mfa-wizard enroll USER` (an app) or `mfa-wizard enroll USER --hardware SERIAL`"
            ),
        )
    if not found:
        raise UsageError(
            _("this identity has no MFA device that gives codes"),
            _("enrol a virtual MFA device (`mfa-wizard enroll USER`), then run mfa-session again"),
        )
    return found[0]


def is_fido(serial: str) -> bool:
    """A FIDO/U2F security key (arn:...:u2f/...): GetSessionToken cannot take a code from it."""
    return ":u2f/" in serial


def ensure_long_term(session: Any, profile: str) -> None:
    """GetSessionToken refuses session credentials: say so before calling it."""
    from wizard.errors import aws_errors

    with aws_errors(_("loading credentials")):
        creds = session.get_credentials()
    if creds is None:
        raise CredentialsError(
            _("no AWS credentials found for profile {profile!r}").format(profile=profile),
            _(
                "run `aws configure --profile NAME`, or pass --profile for a profile with access "
                "keys"
            ),
        )
    frozen = creds.get_frozen_credentials()
    if frozen.token:
        raise CredentialsError(
            _(
                "these are already session (temporary) credentials, and GetSessionToken needs an "
                "IAM user's long-term access keys"
            ),
            _(
                "unset AWS_SESSION_TOKEN / AWS_ACCESS_KEY_ID, or pass --profile for the profile "
                "holding the long-term keys"
            ),
        )


def get_session_token(sts: Any, serial: str, code: str, duration: int) -> SessionCredentials:
    """One GetSessionToken call; errors translated (AccessDenied = wrong code here)."""
    from wizard.errors import aws_errors, error_code

    try:
        answer = sts.get_session_token(
            SerialNumber=serial, TokenCode=code, DurationSeconds=duration
        )
    except Exception as exc:
        if error_code(exc) == "AccessDenied":
            raise WrongMfaCodeError(
                _("AWS refused the MFA code (wrong, already used, or for another device)"),
                _("wait for the next code in the app and type it"),
                code="AccessDenied",
            ) from None
        with aws_errors("GetSessionToken"):
            raise
    c = answer["Credentials"]
    creds = SessionCredentials(
        access_key_id=c["AccessKeyId"],
        secret_access_key=c["SecretAccessKey"],
        session_token=c["SessionToken"],
        expiration=parse_expiration(c["Expiration"]),
    )
    # Best effort: the lockout guard is stricter without it, never looser.
    from wizard.session.cache import remember_mfa_session

    with contextlib.suppress(UsageError, OSError):
        remember_mfa_session(creds)
    return creds


class WrongMfaCodeError(UsageError):
    """STS answered AccessDenied to the code."""


def tries_left(count: int) -> str:
    """'2 tries left', '1 try left'."""
    return ngettext("{count} try left", "{count} tries left", count).format(count=count)


def obtain(
    sts: Any,
    serial: str,
    duration: int,
    ask_code: Callable[[str], str],
    on_retry: Callable[[str], None] | None = None,
    attempts: int = CODE_ATTEMPTS,
    countdown: Callable[[int], None] | None = None,
    shared: Any = None,
) -> SessionCredentials:
    """Ask for a code (again on a bad format), call STS, ask again on a wrong code (3 tries).

    A code is used once: each try is the device's turn (`device_turn`, across processes). In it,
    a session another process just made for the same keys and device is taken (`shared.load`);
    otherwise, when the device's current code was already sent (accepted or refused, by us or by
    another process), the next one is waited for first (`countdown` hears the seconds left), so a
    refused code is never sent again, whatever gives the codes. `shared.save` publishes the new
    session to the processes waiting for their turn.
    """
    from wizard.session.codes import device_turn, remember_used, wait_for_fresh_code

    # A malformed code counts as a failed attempt like a wrong one: a --totp-command that prints
    # garbage must end after a few tries, never loop (under credential_process nobody sees it).
    last_cause = ""
    refused: set[str] = set()
    for attempt in range(1, attempts + 1):
        with device_turn(serial):
            if shared is not None and (ready := shared.load()) is not None:
                return ready
            if countdown:
                wait_for_fresh_code(serial, countdown)
            code = re.sub(r"\s+", "", ask_code(serial))
            if code in refused:
                # Given again (a fixed code: the TUI's field, a caller without a countdown):
                # AWS would refuse it again, so it is not sent.
                raise WrongMfaCodeError(
                    _("{last_cause}; that code is not sent again").format(last_cause=last_cause),
                    _("wait for the next code on the device and type it"),
                    code="AccessDenied",
                )
            problem = code_problem(code)
            if problem:
                last_cause = problem.rstrip(".。")
                if on_retry and attempt < attempts:
                    on_retry(
                        _("{problem} {tries_left}.").format(
                            problem=problem, tries_left=tries_left(attempts - attempt)
                        )
                    )
                continue
            try:
                creds = get_session_token(sts, serial, code, duration)
            except WrongMfaCodeError as exc:
                # Wrong, or already used by another tool: either way this step's code is spent.
                refused.add(code)
                last_cause = exc.cause
                if on_retry and attempt < attempts:
                    on_retry(
                        _("{cause}; {tries_left}").format(
                            cause=exc.cause, tries_left=tries_left(attempts - attempt)
                        )
                    )
                continue
            finally:
                # Sent: AWS may count it as used whatever came back (a timeout, a throttle).
                remember_used(serial)
            if shared is not None:
                creds.duration = duration
                shared.save(creds)
            return creds
    raise WrongMfaCodeError(
        _("no code was accepted in {attempts} times of asking (the last: {last_cause})").format(
            attempts=attempts, last_cause=last_cause
        ),
        _("check the device and the phone's clock, then run again"),
    )
