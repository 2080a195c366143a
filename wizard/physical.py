"""Devices the wizard cannot create: hardware TOTP tokens and FIDO security keys / passkeys.

* **Hardware tokens.** The token's seed is known only to its vendor and AWS, so nothing can be
  checked locally but the format: EnableMFADevice with the serial and two consecutive codes, and
  AWS judges them. A refused pair is never sent again; the person presses the button for new ones.
* **Security keys and passkeys** are registered in the console only (WebAuthn runs in the browser;
  IAM has no API for it). The wizard hands off: the console address of the user's page (and a QR
  of it), then polls ListMFADevices until a new FIDO device appears, and journals it. Nothing is
  created while waiting, so a timeout or Ctrl-C leaves nothing half-made.

Either is journaled with an undo that deactivates it (DeactivateMFADevice works for every kind).

Needs: iam:GetUser, iam:ListMFADevices, iam:EnableMFADevice, iam:DeactivateMFADevice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from wizard import clock as timing
from wizard.aws import Services
from wizard.errors import (
    AlreadyExistsError,
    UsageError,
    WizardError,
    error_code,
    translate,
)
from wizard.i18n import _
from wizard.models import FIDO, device_kind
from wizard.partition import partition_of_arn

MAX_DEVICES_PER_USER = 8  # IAM's quota, any mix of kinds

# A hardware TOTP token's serial, as printed on its back (GAHT12345678): letters and digits (AWS's
# SerialNumber rule allows more, but a token's is plain), at least 9 (the API's minimum). An ARN
# is a virtual device or a security key, never a token.
HARDWARE_SERIAL = re.compile(r"^[A-Za-z0-9-]{9,64}$")

FIDO_WAIT_SECONDS = 600
FIDO_POLL_SECONDS = 5.0


def user_serials(services: Services, user_name: str) -> list[str]:
    """The serials of every MFA device the user holds now (after checking the user exists)."""
    from wizard.enrollment import ensure_user, list_devices

    ensure_user(services, user_name)
    return [d.serial for d in list_devices(services, user_name)]


def room_for_device(user_name: str, serials: list[str]) -> None:
    """Raise when the user already holds IAM's maximum of 8 MFA devices."""
    if len(serials) >= MAX_DEVICES_PER_USER:
        raise WizardError(
            _("{user_name} already has {count} MFA devices, the most IAM allows").format(
                user_name=user_name, count=len(serials)
            ),
            _(
                "remove one first: `mfa-wizard devices {user_name}`, then `mfa-wizard deactivate "
                "{user_name} SERIAL --delete`"
            ).format(user_name=user_name),
            code="LimitExceeded",
        )


def _journal(services: Services, user_name: str, serial: str, action: str) -> None:
    from wizard.journal import record

    record(
        services,
        "enroll",
        action,
        f"{user_name} {serial}",
        undo={
            "op": "deactivate_security_key"
            if device_kind(serial) == FIDO
            else "deactivate_mfa_device",
            "user": user_name,
            "serial": serial,
        },
    )


# ----------------------------------------------------------------------------- hardware tokens


def check_hardware_serial(serial: str) -> str:
    """The serial, stripped; a UsageError naming what is wrong when it is no token's serial."""
    text = serial.strip()
    if text.startswith("arn:"):
        raise UsageError(
            (
                _("{text!r} is the ARN of a security key, not a hardware token's serial")
                if device_kind(text) == FIDO
                else _("{text!r} is the ARN of a virtual MFA device, not a hardware token's serial")
            ).format(text=text),
            _("type the serial printed on the back of the token (for example GAHT12345678)"),
        )
    if not HARDWARE_SERIAL.match(text):
        raise UsageError(
            _("{text!r} is not a hardware token's serial").format(text=text),
            _(
                "type the serial printed on the back of the token: 9 or more letters and digits, "
                "for example GAHT12345678"
            ),
        )
    return text


def check_token_codes(first: str, second: str) -> tuple[str, str]:
    """Two six-digit codes, different from each other (format only: the seed is not known)."""
    from wizard.totp import FIRST_CODE, SECOND_CODE, normalize_code

    one, why_one = normalize_code(first, FIRST_CODE)
    two, why_two = normalize_code(second, SECOND_CODE)
    if one is None or two is None:
        why = (why_one or why_two).split(": ")[0].rstrip(".。")
        raise UsageError(why, _("press the token's button and type the 6 digits it shows"))
    if one == two:
        raise UsageError(
            _("the two codes are the same"),
            _("press the button once, type that code; press it again for the next one"),
        )
    return one, two


@dataclass(frozen=True)
class TokenPlan:
    """What enabling a hardware token will do, or that it is done already."""

    user_name: str
    serial: str
    devices_now: int
    already: bool

    def describe(self) -> str:
        """One line for people."""
        if self.already:
            return _("The token {serial} is already {user}'s: nothing to do.").format(
                serial=self.serial, user=self.user_name
            )
        return _(
            "Will enable the hardware token {serial} for {user} (has {count} device(s) now) with "
            "two consecutive codes from it; AWS checks them (the token's seed is known only to "
            "AWS)."
        ).format(serial=self.serial, user=self.user_name, count=self.devices_now)


def plan_hardware(services: Services, user_name: str, serial: str) -> TokenPlan:
    """Check the serial, the partition, the user and their room for one more device."""
    serial = check_hardware_serial(serial)
    if partition_of_arn(services.identity().arn) == "aws-cn":
        raise UsageError(
            _("the AWS China Regions do not support hardware MFA tokens"),
            _("enrol a virtual device (`mfa-wizard enroll USER`) instead"),
        )
    serials = user_serials(services, user_name)
    if serial in serials:
        return TokenPlan(user_name, serial, len(serials), already=True)
    room_for_device(user_name, serials)
    return TokenPlan(user_name, serial, len(serials), already=False)


def enable_hardware(services: Services, plan: TokenPlan, first: str, second: str) -> str:
    """EnableMFADevice for the token; journaled. Returns what happened, in words."""
    if plan.already:
        return plan.describe()
    one, two = check_token_codes(first, second)
    try:
        services.iam.enable_mfa_device(
            UserName=plan.user_name,
            SerialNumber=plan.serial,
            AuthenticationCode1=one,
            AuthenticationCode2=two,
        )
    except Exception as exc:
        raise _token_error(exc, plan) from None
    _journal(services, plan.user_name, plan.serial, "enable_hardware_token")
    return _("Enabled the hardware token {serial} for {user}.").format(
        serial=plan.serial, user=plan.user_name
    )


def _token_error(exc: Exception, plan: TokenPlan) -> WizardError:
    code = error_code(exc)
    if code == "InvalidAuthenticationCode":
        return WizardError(
            _("AWS did not accept the two codes for this token"),
            _(
                "press the button, type that code, press again for the next one (never the same "
                "pair twice); a token unused for months drifts: resync it with `aws iam "
                "resync-mfa-device --user-name {user_name} --serial-number {serial} ...`"
            ).format(user_name=plan.user_name, serial=plan.serial),
            code=code,
        )
    if code in {"EntityAlreadyExists", "EntityAlreadyExistsException"}:
        return AlreadyExistsError(
            _("the token {serial} is already assigned to another user").format(serial=plan.serial),
            _("a token belongs to one user: deactivate it there first, or use another token"),
            code=code,
        )
    if code in {"NoSuchEntity", "NoSuchEntityException"}:
        return WizardError(
            _("AWS does not know a hardware token with the serial {serial}").format(
                serial=plan.serial
            ),
            _("check the serial on the back of the token (letters and digits, no spaces)"),
            code=code,
        )
    if code == "LimitExceeded":
        return WizardError(
            _("{user_name} already has the most MFA devices IAM allows (8)").format(
                user_name=plan.user_name
            ),
            _("remove one first: `mfa-wizard deactivate {user_name} SERIAL --delete`").format(
                user_name=plan.user_name
            ),
            code=code,
        )
    return translate(exc, "EnableMFADevice")


# ----------------------------------------------------------------------------- security keys


@dataclass(frozen=True)
class KeyHandOff:
    """Where the person registers the key, and what the wizard watches for."""

    user_name: str
    before: frozenset[str]
    address: str  # the page to open (the user's own when they enrol themselves)
    own_address: str  # the page the user opens themselves, signed in as the user
    sign_in: str
    self_enrol: bool

    def steps(self) -> list[str]:
        """What the person does, in order (addresses in full)."""
        lines = [
            _(
                "A security key or passkey is registered in the AWS console, never through the "
                "API (the browser talks to the key). mfa-wizard shows where, then waits for it to "
                "appear."
            ),
            _("  1. Open {address}").format(address=self.address),
        ]
        if not self.self_enrol:
            lines[1] += _(" (with the key at hand: plugged in, or the phone for a passkey)")
        lines += [
            _("  2. Assign MFA device > Passkey or security key > name it > follow the browser."),
        ]
        if not self.self_enrol:
            lines.append(
                _("  Or {user} does it: sign in at {sign_in}, then open {address}").format(
                    user=self.user_name, sign_in=self.sign_in, address=self.own_address
                )
            )
        return lines


def plan_security_key(services: Services, user_name: str) -> KeyHandOff:
    """Check the user and their room for one more device; the console addresses."""
    from wizard.devices import own_credentials_url, sign_in_url, user_credentials_url

    serials = user_serials(services, user_name)
    room_for_device(user_name, serials)
    identity = services.identity()
    partition = partition_of_arn(identity.arn)
    self_enrol = identity.is_iam_user and identity.name == user_name
    own = own_credentials_url(partition)
    return KeyHandOff(
        user_name=user_name,
        before=frozenset(serials),
        address=own if self_enrol else user_credentials_url(partition, user_name),
        own_address=own,
        sign_in=sign_in_url(partition, identity.account_id),
        self_enrol=self_enrol,
    )


class FidoWaitTimeout(WizardError):
    """No new security key appeared in time."""


def wait_for_new_key(
    services: Services,
    handoff: KeyHandOff,
    *,
    timeout: float = FIDO_WAIT_SECONDS,
    interval: float = FIDO_POLL_SECONDS,
    on_tick: Callable[[float], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> str | None:
    """Poll ListMFADevices until a FIDO device not there before appears; its serial, journaled.

    Bounded by `timeout`; `on_tick(seconds_left)` before each wait (a countdown). `stop()` true
    (Esc in the TUI) or Ctrl-C ends it with None / KeyboardInterrupt: nothing was made.
    """
    from wizard.enrollment import list_devices

    started = timing.monotonic()
    while True:
        new = [
            d.serial
            for d in list_devices(services, handoff.user_name)
            if d.serial not in handoff.before and d.kind == FIDO
        ]
        if new:
            _journal(services, handoff.user_name, new[0], "register_security_key")
            return new[0]
        left = timeout - (timing.monotonic() - started)
        if left <= 0:
            raise FidoWaitTimeout(
                _("no new security key or passkey appeared for {user} in {seconds} s").format(
                    user=handoff.user_name, seconds=int(timeout)
                ),
                _(
                    "check that it was registered for this user in this account (the console "
                    "names the user at the top of the page; `{command}` lists what is there), then "
                    "run the command again. Nothing was changed here."
                ).format(command=f"mfa-wizard devices {handoff.user_name}"),
                code="local:fido-timeout",
            )
        if on_tick:
            on_tick(left)
        waited = 0.0
        while waited < min(interval, left):
            if stop and stop():
                return None
            step = min(0.5, interval, left - waited)
            timing.sleep(step)
            waited += step
