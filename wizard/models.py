"""Frozen dataclasses the domain returns and the screens show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from wizard.i18n import N_

# The kinds of MFA device IAM lists, told apart by their serial (ListMFADevices):
#   virtual   arn:PARTITION:iam::ACCOUNT:mfa/[PATH/]NAME     (an authenticator app, TOTP)
#   fido      arn:PARTITION:iam::ACCOUNT:u2f/user/NAME/KEY-ID (security key or passkey)
#   hardware  a bare serial such as GAHT12345678             (a hardware TOTP token)
VIRTUAL, HARDWARE, FIDO = "virtual", "hardware", "fido"
# As people read them; translated where shown (the JSON keeps VIRTUAL, HARDWARE, FIDO).
KIND_LABELS = {
    VIRTUAL: N_("virtual"),
    HARDWARE: N_("hardware TOTP"),
    FIDO: N_("security key/passkey"),
}


def device_kind(serial: str) -> str:
    """virtual, hardware or fido: what kind of MFA device a serial names (pure)."""
    if serial.startswith("arn:"):
        resource = serial.split(":", 5)[-1]
        return FIDO if resource.startswith("u2f/") else VIRTUAL
    return HARDWARE


def gives_codes(serial: str) -> bool:
    """True for the TOTP kinds: GetSessionToken and AssumeRole take codes, never a FIDO key."""
    return device_kind(serial) != FIDO


@dataclass(frozen=True)
class CallerIdentity:
    """Who the wizard runs as (sts get-caller-identity)."""

    account_id: str
    arn: str
    user_id: str

    @property
    def is_iam_user(self) -> bool:
        """True for arn:PARTITION:iam::ACCOUNT:user/..., the only kind MFA policies apply to."""
        return ":user/" in self.arn

    @property
    def is_root(self) -> bool:
        """True when the caller is the account's root user."""
        return self.arn.endswith(":root")

    @property
    def name(self) -> str:
        """The last part of the ARN: user name, role session or 'root'."""
        if self.is_root:
            return "root"
        return self.arn.rsplit("/", 1)[-1]

    @property
    def short(self) -> str:
        """A compact label such as 'user/admin' or 'assumed-role/Admin/alice'."""
        return self.arn.split(":", 5)[-1]


@dataclass(frozen=True)
class AccessKeyInfo:
    """One access key slot of a credential report row."""

    slot: int
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None


@dataclass(frozen=True)
class UserFinding:
    """One IAM user as the audit sees it."""

    user_name: str
    arn: str
    path: str
    created: datetime | None
    console_access: bool
    mfa_active: bool
    mfa_devices: tuple[str, ...]
    password_last_used: datetime | None
    access_keys: tuple[AccessKeyInfo, ...] = ()
    # True when the report said "no MFA" but a device was assigned since the report was made.
    mfa_confirmed_after_report: bool = False

    @property
    def needs_mfa(self) -> bool:
        """A console user without MFA: the finding this tool exists for."""
        return self.console_access and not self.mfa_active

    @property
    def access_keys_active(self) -> int:
        """How many of the user's access keys are active."""
        return sum(1 for key in self.access_keys if key.active)

    @property
    def device_kinds(self) -> tuple[str, ...]:
        """The kind of each device in `mfa_devices`, in the same order."""
        return tuple(device_kind(s) for s in self.mfa_devices)

    @property
    def fido_only(self) -> bool:
        """MFA for the console, but no device that gives a code: no `mfa-session` for them."""
        return bool(self.mfa_devices) and not any(gives_codes(s) for s in self.mfa_devices)

    @property
    def hardware_mfa(self) -> bool:
        """Prowler's iam_user_hardware_mfa_enabled: MFA, and no virtual device among them."""
        return bool(self.mfa_devices) and VIRTUAL not in self.device_kinds

    def oldest_active_key_rotated(self) -> datetime | None:
        """When the oldest active access key was created or last rotated."""
        dates = [k.last_rotated for k in self.access_keys if k.active and k.last_rotated]
        return min(dates) if dates else None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of `mfa-wizard audit --format json`."""
        return {
            "user_name": self.user_name,
            "arn": self.arn,
            "path": self.path,
            "created": _iso(self.created),
            "console_access": self.console_access,
            "mfa_active": self.mfa_active,
            "mfa_devices": list(self.mfa_devices),
            "mfa_device_types": list(self.device_kinds),
            "fido_only": self.fido_only,
            "hardware_mfa": self.hardware_mfa,
            "needs_mfa": self.needs_mfa,
            "password_last_used": _iso(self.password_last_used),
            "access_keys_active": self.access_keys_active,
            "access_keys": [
                {
                    "slot": k.slot,
                    "active": k.active,
                    "last_rotated": _iso(k.last_rotated),
                    "last_used": _iso(k.last_used),
                }
                for k in self.access_keys
            ],
        }


@dataclass(frozen=True)
class RootFinding:
    """The root user's row of the credential report."""

    mfa_active: bool
    access_keys_active: int
    password_last_used: datetime | None


@dataclass(frozen=True)
class AuditResult:
    """Everything the audit found, from a handful of calls."""

    account_id: str
    generated_at: datetime
    report_generated_at: datetime | None
    root_mfa_active: bool
    users: tuple[UserFinding, ...]
    orphan_virtual_mfa_devices: tuple[str, ...] = ()
    root: RootFinding | None = None
    # virtual (a virtual device is assigned to root), "hardware or fido" (MFA on, no virtual
    # device: IAM does not tell an IAM principal which), or "" (no MFA).
    root_mfa_type: str = ""
    partition: str = "aws"
    # The organization's centralized root access (enabled / disabled / unknown), read when root
    # has no MFA: where it is enabled, no root credentials at all is the better state.
    root_credentials_management: str = "unknown"
    # GetAccountSummary's AccountPasswordPresent (root's password), None where not given.
    root_password_present: bool | None = None

    @property
    def fido_only_users(self) -> list[UserFinding]:
        """Users whose only devices are security keys or passkeys: no `mfa-session` for them."""
        return [u for u in self.users if u.fido_only]

    @property
    def root_hardware_mfa(self) -> bool:
        """Prowler's iam_root_hardware_mfa_enabled: root MFA on, and not a virtual device."""
        return self.root_mfa_active and self.root_mfa_type != VIRTUAL

    @property
    def console_users_without_mfa(self) -> list[UserFinding]:
        """Console users without MFA, the audit's main finding."""
        return [u for u in self.users if u.needs_mfa]

    @property
    def console_user_count(self) -> int:
        """How many users can sign in to the console (the 'of N' of every summary)."""
        return sum(1 for u in self.users if u.console_access)

    @property
    def root_without_credentials(self) -> bool:
        """No root password, access key or MFA (removed centrally): nobody can sign in as root,
        so root MFA is moot (GetAccountSummary's AccountPasswordPresent; unknown is not this)."""
        keys = self.root.access_keys_active if self.root else 0
        return not self.root_mfa_active and self.root_password_present is False and not keys

    @property
    def compliant(self) -> bool:
        """Root (with MFA, or with no credentials at all) and every console user have MFA."""
        root_ok = self.root_mfa_active or self.root_without_credentials
        return root_ok and not self.console_users_without_mfa

    @property
    def report_age_seconds(self) -> float | None:
        """Age of the credential report when the audit ran."""
        if self.report_generated_at is None:
            return None
        return (self.generated_at - self.report_generated_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        """The JSON document of `mfa-wizard audit --format json`."""
        return {
            "account_id": self.account_id,
            "generated_at": _iso(self.generated_at),
            "report_generated_at": _iso(self.report_generated_at),
            "root_mfa_active": self.root_mfa_active,
            "root": {
                "mfa_active": self.root_mfa_active,
                "mfa_type": self.root_mfa_type or None,
                "hardware_mfa": self.root_hardware_mfa,
                "access_keys_active": self.root.access_keys_active if self.root else None,
            },
            "users": [u.to_json() for u in self.users],
            "orphan_virtual_mfa_devices": list(self.orphan_virtual_mfa_devices),
            "summary": {
                "users": len(self.users),
                "console_users": self.console_user_count,
                "console_users_without_mfa": len(self.console_users_without_mfa),
                "fido_only_users": len(self.fido_only_users),
            },
        }


@dataclass(frozen=True)
class MfaDevice:
    """An MFA device assigned to a user (virtual, hardware TOTP, or security key/passkey)."""

    serial: str
    user_name: str
    enabled_at: datetime | None

    @property
    def kind(self) -> str:
        """virtual, hardware or fido (`device_kind`)."""
        return device_kind(self.serial)

    @property
    def is_virtual(self) -> bool:
        """Virtual devices have an IAM ARN with mfa/ as serial."""
        return self.kind == VIRTUAL

    def to_json(self) -> dict[str, Any]:
        """JSON form for `mfa-wizard devices`."""
        return {
            **asdict(self),
            "enabled_at": _iso(self.enabled_at),
            "virtual": self.is_virtual,
            "type": self.kind,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
