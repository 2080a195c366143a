"""Enrolment of virtual MFA devices: create -> verify two codes locally -> enable, or roll back.

moto accepts any code and real AWS answers a bad pair with a bare InvalidAuthenticationCode, so
the two codes are checked here with pyotp against the seed before EnableMFADevice is called, and
every problem gets its own message (format, same code twice, order, not consecutive, clock drift,
reuse). The seed lives only in memory, in one Enrollment object, for one enrolment; it is never
written anywhere and never part of a repr or an exception message.

Needs: iam:GetUser, iam:ListMFADevices, iam:ListAccountAliases, iam:CreateVirtualMFADevice,
iam:EnableMFADevice, iam:DeleteVirtualMFADevice, iam:DeactivateMFADevice, iam:ResyncMFADevice.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from wizard import clock as timing
from wizard.aws import Services, paginate
from wizard.errors import (
    AlreadyExistsError,
    NotFoundError,
    UsageError,
    WizardError,
    aws_errors,
    error_code,
    translate,
)
from wizard.i18n import N_, _
from wizard.models import MfaDevice
from wizard.qr import fit_qr, otpauth_uri
from wizard.totp import (
    FIRST_CODE,
    SECOND_CODE,
    STEP_SECONDS,
    Verdict,
    check_first_code,
    normalize_code,
    totp_for,
    verify_codes,
)

# IAM's rules for VirtualMFADeviceName and UserName (CreateVirtualMFADevice API reference).
DEVICE_NAME_PATTERN = re.compile(r"^[\w+=,.@-]+$", re.ASCII)
DEVICE_NAME_MAX = 226
USER_NAME_MAX = 64
MAX_DEVICES_PER_USER = 8


# ----------------------------------------------------------------------------- validation


def validate_device_name(name: str) -> str:
    """The name as IAM will accept it, or a UsageError saying which rule it breaks."""
    name = name.strip()
    if not name:
        raise UsageError(_("the device name is empty"), _("type a name, such as the user name"))
    if len(name) > DEVICE_NAME_MAX:
        raise UsageError(
            _("the device name is {count} characters long").format(count=len(name)),
            _("IAM allows at most {device_name_max}").format(device_name_max=DEVICE_NAME_MAX),
        )
    if not DEVICE_NAME_PATTERN.match(name):
        bad = sorted({c for c in name if not re.match(r"[\w+=,.@-]", c, re.ASCII)})
        raise UsageError(
            _("the device name contains {join!r}").format(join="".join(bad)),
            _("use letters, digits and _+=,.@- only (no spaces)"),
        )
    return name


def user_names(text: str | None) -> tuple[str, ...]:
    """A comma-separated list of user names as typed ('a, b,c'): stripped, empties dropped."""
    return tuple(n.strip() for n in (text or "").split(",") if n.strip())


def validate_user_name(name: str) -> str:
    """An IAM user name (1-64 of letters, digits and _+=,.@-), or a UsageError."""
    name = name.strip()
    if not name or len(name) > USER_NAME_MAX or not DEVICE_NAME_PATTERN.match(name):
        raise UsageError(
            _("{name!r} is not a valid IAM user name").format(name=name),
            _("IAM user names are 1-64 letters, digits and _+=,.@-"),
        )
    return name


# ----------------------------------------------------------------------------- the otpauth URI


# ----------------------------------------------------------------------------- AWS calls


def list_devices(services: Services, user_name: str) -> list[MfaDevice]:
    """A user's MFA devices (virtual, hardware, passkeys)."""
    items = paginate(services.iam, "list_mfa_devices", "MFADevices", UserName=user_name)
    return [
        MfaDevice(serial=d["SerialNumber"], user_name=user_name, enabled_at=d.get("EnableDate"))
        for d in items
    ]


def ensure_user(services: Services, user_name: str) -> None:
    """Raise a NotFoundError naming the user when it does not exist."""
    validate_user_name(user_name)
    try:
        services.iam.get_user(UserName=user_name)
    except Exception as exc:
        if error_code(exc) in {"NoSuchEntity", "NoSuchEntityException"}:
            raise NotFoundError(
                _("there is no IAM user named {user_name!r}").format(user_name=user_name),
                _("check the spelling (names are case-sensitive) with `mfa-wizard audit --all`"),
                code="NoSuchEntity",
            ) from None
        raise translate(exc, "GetUser") from None


def account_label(services: Services) -> str:
    """The account alias if there is one (what AWS puts in its QR), else the account id."""
    try:
        aliases = services.iam.list_account_aliases().get("AccountAliases", [])
    except Exception:  # an alias is cosmetic: fall back rather than fail the enrolment
        aliases = []
    return aliases[0] if aliases else services.identity().account_id


def device_name_of(serial: str) -> str:
    """The device name in a virtual device's serial (arn:...:mfa/PATH/NAME -> NAME)."""
    return serial.rsplit("/", 1)[-1]


def unassigned_devices(services: Services) -> list[str]:
    """Serials of the account's unassigned virtual MFA devices (leftovers of failed attempts)."""
    return [
        d["SerialNumber"]
        for d in paginate(
            services.iam,
            "list_virtual_mfa_devices",
            "VirtualMFADevices",
            page_size=1000,
            AssignmentStatus="Unassigned",
        )
    ]


def leftover_named(services: Services, device_name: str) -> str | None:
    """The serial of an unassigned virtual device called `device_name`, if one is in the way."""
    return next((s for s in unassigned_devices(services) if device_name_of(s) == device_name), None)


def virtual_device_names(services: Services) -> set[str]:
    """Every virtual MFA device name in the account, assigned or not (names are account-wide)."""
    return {
        device_name_of(d["SerialNumber"])
        for d in paginate(
            services.iam, "list_virtual_mfa_devices", "VirtualMFADevices", page_size=1000
        )
    }


def free_device_name(services: Services, user_name: str, existing: list[MfaDevice]) -> str:
    """user, user-2, user-3...: the first name no device in the account has taken."""
    taken = {device_name_of(d.serial) for d in existing} | virtual_device_names(services)
    if user_name not in taken:
        return user_name
    n = 2
    while f"{user_name}-{n}" in taken:
        n += 1
    return f"{user_name}-{n}"


def remove_leftover(services: Services, serial: str) -> None:
    """Delete an unassigned device; refuses if it was assigned meanwhile (someone's MFA)."""
    if serial not in unassigned_devices(services):
        raise UsageError(
            _("{serial} is no longer an unassigned leftover (it was assigned to a user)").format(
                serial=serial
            ),
            _("leave it alone; pick another device name with --device-name"),
        )
    with aws_errors("DeleteVirtualMFADevice"):
        services.iam.delete_virtual_mfa_device(SerialNumber=serial)


def default_device_name(user_name: str, existing: list[MfaDevice]) -> str:
    """The user name, or user-2, user-3... when a device already has that name."""
    taken = {d.serial.rsplit("/", 1)[-1] for d in existing}
    if user_name not in taken:
        return user_name
    n = 2
    while f"{user_name}-{n}" in taken:
        n += 1
    return f"{user_name}-{n}"


def deactivate_device(services: Services, user_name: str, serial: str, delete: bool = False) -> str:
    """Deactivate a user's device (and delete it if virtual and asked); returns what was done."""
    from wizard.journal import record

    with aws_errors("DeactivateMFADevice"):
        services.iam.deactivate_mfa_device(UserName=user_name, SerialNumber=serial)
    if delete and serial.startswith("arn:") and ":mfa/" in serial:
        with aws_errors("DeleteVirtualMFADevice"):
            services.iam.delete_virtual_mfa_device(SerialNumber=serial)
        done = N_("deactivated and deleted {serial}")
    else:
        done = N_("deactivated {serial}")
    # AWS cannot give a device back: re-enrolling is the only way, so no undo is recorded.
    # The journal keeps the English; the person reads it in the language in use.
    record(
        services,
        "enroll",
        "deactivate_mfa_device",
        f"{user_name} {serial}",
        detail=done.format(serial=serial),
    )
    return _(done).format(serial=serial)


def resync_device(services: Services, user_name: str, serial: str, first: str, second: str) -> None:
    """ResyncMFADevice with two consecutive codes (for a token whose clock drifted)."""
    for code, which in ((first, FIRST_CODE), (second, SECOND_CODE)):
        if normalize_code(code, which)[0] is None:
            raise UsageError(normalize_code(code, which)[1], "")
    if first.strip() == second.strip():
        raise UsageError(
            _("the two codes are the same"), _("wait for the next code and type that one")
        )
    with aws_errors("ResyncMFADevice"):
        services.iam.resync_mfa_device(
            UserName=user_name,
            SerialNumber=serial,
            AuthenticationCode1=first.strip(),
            AuthenticationCode2=second.strip(),
        )


class WrongCodesError(UsageError):
    """The two codes failed the local check; `verdict.kind` says how."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(verdict.message, "", code=f"local:{verdict.kind}")


class Enrollment:
    """One enrolment of one user: create, verify locally, enable; or roll back on any exit.

    Use as a context manager: leaving the block without a successful enable() deletes the
    unassigned device, whatever the reason (cancel, Ctrl-C, a failed call, giving up).
    """

    def __init__(self, services: Services, user_name: str, device_name: str | None = None) -> None:
        self.services = services
        self.user_name = validate_user_name(user_name)
        self.device_name = validate_device_name(device_name) if device_name else None
        self.serial: str | None = None
        self.enabled = False
        self.rolled_back = False
        self._seed: str | None = None
        self._uri: str | None = None
        self._used_steps: set[int] = set()
        self._label = ""

    def __repr__(self) -> str:
        return (
            f"Enrollment(user={self.user_name!r}, serial={self.serial!r}, enabled={self.enabled})"
        )

    # -- lifecycle

    def __enter__(self) -> Enrollment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self.enabled:
            self.rollback()

    def existing_devices(self) -> list[MfaDevice]:
        """The user's current devices (after checking the user exists)."""
        ensure_user(self.services, self.user_name)
        return list_devices(self.services, self.user_name)

    def create(self) -> str:
        """CreateVirtualMFADevice (after checks); returns the serial. The seed stays in here."""
        existing = self.existing_devices()
        if len(existing) >= MAX_DEVICES_PER_USER:
            raise WizardError(
                _("{user_name} already has {count} MFA devices, the most IAM allows").format(
                    user_name=self.user_name, count=len(existing)
                ),
                _("remove one first (`mfa-wizard deactivate USER SERIAL --delete`)"),
                code="LimitExceeded",
            )
        name = self.device_name or default_device_name(self.user_name, existing)
        self.device_name = name
        label = self._label = account_label(self.services)
        try:
            answer = self.services.iam.create_virtual_mfa_device(VirtualMFADeviceName=name)
        except Exception as exc:
            if error_code(exc) in {"EntityAlreadyExists", "EntityAlreadyExistsException"}:
                raise AlreadyExistsError(
                    _("a virtual MFA device named {name!r} already exists in this account").format(
                        name=name
                    ),
                    _(
                        "choose another device name (for example {name}-2); if it is an unassigned "
                        "leftover, delete it: aws iam delete-virtual-mfa-device --serial-number <its ARN>"
                    ).format(name=name),
                    code="EntityAlreadyExists",
                ) from None
            raise translate(exc, "CreateVirtualMFADevice") from None
        device = answer["VirtualMFADevice"]
        self.serial = device["SerialNumber"]
        seed = device["Base32StringSeed"]
        self._seed = seed.decode("ascii") if isinstance(seed, bytes) else seed
        self._uri = otpauth_uri(self._seed, name, label)
        return self.serial

    @property
    def uri(self) -> str:
        """The otpauth:// URI (contains the seed: show it, never store it)."""
        if self._uri is None:
            raise WizardError(_("no device has been created yet"), _("call create() first"))
        return self._uri

    @property
    def manual_key(self) -> str:
        """The Base32 key for manual entry, in groups of four for reading aloud."""
        if self._seed is None:
            raise WizardError(_("no device has been created yet"), _("call create() first"))
        return " ".join(self._seed[i : i + 4] for i in range(0, len(self._seed), 4))

    def qr(self, max_rows: int | None = None, max_columns: int | None = None) -> list[list[bool]]:
        """The QR matrix, its label shortened if need be to fit the terminal."""
        if self._seed is None or self.device_name is None:
            raise WizardError(_("no device has been created yet"), _("call create() first"))
        self._uri, matrix = fit_qr(self._seed, self.device_name, self._label, max_rows, max_columns)
        return matrix

    def demo_codes(self, now: float | None = None) -> tuple[str, str, int]:
        """(previous code, current code, seconds left): only for the --demo authenticator panel.

        The pair a person has after typing one code and waiting for the next: the one just gone
        and the one shown now. (A "next" code is ahead of AWS's clock and would be refused.)
        """
        if self._seed is None:
            raise WizardError(_("no device has been created yet"), _("call create() first"))
        moment = timing.time() if now is None else now
        totp = totp_for(self._seed)
        left = STEP_SECONDS - int(moment) % STEP_SECONDS
        return totp.at(moment - STEP_SECONDS), totp.at(moment), left

    def check_first(self, first: str, now: float | None = None) -> Verdict:
        """The local verdict on the first code alone, the moment it is typed."""
        if self._seed is None:
            raise WizardError(_("no device has been created yet"), _("call create() first"))
        return check_first_code(self._seed, first, now=now)

    def check(self, first: str, second: str, now: float | None = None) -> Verdict:
        """The local verdict on two codes (no AWS call)."""
        if self._seed is None:
            raise WizardError(_("no device has been created yet"), _("call create() first"))
        return verify_codes(self._seed, first, second, now=now, used_steps=self._used_steps)

    def enable(self, first: str, second: str, now: float | None = None) -> MfaDevice:
        """Verify locally, then EnableMFADevice. Wrong codes raise WrongCodesError (device kept
        for another try); any other failure rolls the device back and raises."""
        verdict = self.check(first, second, now=now)
        if not verdict.ok:
            raise WrongCodesError(verdict)
        assert self.serial is not None and verdict.step is not None
        code1, code2 = normalize_code(first)[0], normalize_code(second)[0]
        try:
            self.services.iam.enable_mfa_device(
                UserName=self.user_name,
                SerialNumber=self.serial,
                AuthenticationCode1=code1,
                AuthenticationCode2=code2,
            )
        except KeyboardInterrupt:
            # Ctrl-C (or a hang-up) while AWS answers: it may have enabled the device already.
            if self._assigned_now():
                self._mark_enabled(verdict.step)
            raise
        except Exception as exc:
            if error_code(exc) == "InvalidAuthenticationCode":
                # Our check passed but AWS disagrees (its clock or a race): let the user retry.
                self._used_steps.update({verdict.step, verdict.step + 1})
                raise WrongCodesError(
                    Verdict(
                        False,
                        "aws_rejected",
                        _(
                            "AWS rejected the codes although they match the key here. Wait for "
                            "two new codes and try again."
                        ),
                    )
                ) from None
            # The answer may have been lost after AWS enabled it (a dropped connection, Ctrl-C):
            # read the device again before deleting anything (deleting an assigned device fails
            # with DeleteConflict, and it is the user's MFA now).
            if not self._assigned_now():
                self.rollback()
                raise translate(exc, "EnableMFADevice") from None
        return self._mark_enabled(verdict.step)

    def _mark_enabled(self, step: int) -> MfaDevice:
        """The device is the user's MFA now: remember it, forget the seed, journal it."""
        assert self.serial is not None
        self.enabled = True
        self._used_steps.update({step, step + 1})
        self.forget_seed()
        from wizard.journal import record

        record(
            self.services,
            "enroll",
            "enable_mfa_device",
            f"{self.user_name} {self.serial}",
            undo={"op": "disable_mfa_device", "user": self.user_name, "serial": self.serial},
        )
        return MfaDevice(serial=self.serial, user_name=self.user_name, enabled_at=datetime.now(UTC))

    def _assigned_now(self) -> bool:
        """True when the device is assigned to the user (checked again, best effort)."""
        try:
            return any(d.serial == self.serial for d in list_devices(self.services, self.user_name))
        except (WizardError, KeyboardInterrupt):
            return False
        except Exception:  # the network that just failed may still be down: assume not
            return False

    def forget_seed(self) -> None:
        """Drop the seed and the URI from memory."""
        self._seed = None
        self._uri = None

    def rollback(self) -> bool:
        """Delete the created, not-enabled device; True if one was deleted. Safe to call twice."""
        self.forget_seed()
        if self.serial is None or self.enabled or self.rolled_back:
            return False
        try:
            self.services.iam.delete_virtual_mfa_device(SerialNumber=self.serial)
        except Exception as exc:
            if error_code(exc) not in {"NoSuchEntity", "NoSuchEntityException"}:
                raise WizardError(
                    _("could not delete the unassigned device {serial}").format(serial=self.serial),
                    _(
                        "delete it by hand: aws iam delete-virtual-mfa-device --serial-number {serial}"
                    ).format(serial=self.serial),
                    code=error_code(exc),
                ) from None
        self.rolled_back = True
        return True
