"""Every kind of MFA device: who holds which, root's, and the devices IAM cannot create by API.

IAM lists a user's devices of every kind with ListMFADevices (virtual, hardware TOTP tokens,
FIDO security keys and passkeys; `wizard.models.device_kind` tells them apart by serial). The
credential report says only "MFA yes/no", and ListVirtualMFADevices only virtual devices, so the
audit asks ListMFADevices for each user the report (or an assigned virtual device) says has MFA:
one call per MFA user, `PARALLEL` at a time; users without MFA cost nothing.

Security keys, passkeys and hardware tokens: `wizard.physical`. Root's devices cannot be listed by anyone but root:
the audit tells virtual (ListVirtualMFADevices shows it assigned to root) from "hardware or
security key" (MFA on, no virtual device), and never pretends to enrol root.

Needs: iam:ListMFADevices (per user), plus what the audit needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from wizard.aws import Services
from wizard.models import FIDO, HARDWARE, VIRTUAL, AuditResult, device_kind

PARALLEL = 8
ROOT_HARDWARE_OR_FIDO = "hardware or fido"

CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


# ----------------------------------------------------------------------------- who has what


def devices_of_users(
    services: Services,
    first: Iterable[str],
    then: Iterable[str] = (),
    bound: int | None = None,
    parallel: int = PARALLEL,
) -> dict[str, list[str]]:
    """ListMFADevices per user, `parallel` at a time: {user: [serial, ...]} for those read.

    `first` are all read; `then` only until `bound` hardware tokens and security keys were found
    (GetAccountSummary says no more are in use), or all of them when `bound` is None.
    """
    from wizard.enrollment import list_devices

    def one(name: str) -> tuple[str, list[str]]:
        return name, [d.serial for d in list_devices(services, name)]

    def batches(names: Iterable[str]) -> list[list[str]]:
        names = list(names)
        return [names[start : start + parallel] for start in range(0, len(names), parallel)]

    found: dict[str, list[str]] = {}
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:

        def read(batch: list[str]) -> None:
            found.update(pool.map(one, batch))

        def others() -> int:
            return sum(device_kind(s) != VIRTUAL for serials in found.values() for s in serials)

        for batch in batches(first):
            read(batch)
        for batch in batches(then):
            if bound is not None and others() >= bound:
                break
            read(batch)
    return found


def root_mfa_type(account_mfa: bool, assigned_virtual: Iterable[dict[str, Any]]) -> str:
    """virtual / "hardware or fido" / "" for root (pure): a virtual device assigned to root shows
    in ListVirtualMFADevices (User.Arn ends in :root); a hardware token or a security key does
    not, and only root can list those, so with MFA on and no virtual device it is one of them."""
    for device in assigned_virtual:
        if str((device.get("User") or {}).get("Arn", "")).endswith(":root"):
            return VIRTUAL
    return ROOT_HARDWARE_OR_FIDO if account_mfa else ""


def describe_root_type(kind: str) -> str:
    """Root's device kind in words."""
    return {
        VIRTUAL: "a virtual device",
        ROOT_HARDWARE_OR_FIDO: "a hardware token or security key",
    }.get(kind, "no device")


# ----------------------------------------------------------------------------- console addresses


def console_host(partition: str) -> str:
    """The AWS console's host in a partition."""
    return CONSOLE_HOSTS.get(partition, CONSOLE_HOSTS["aws"])


def user_credentials_url(partition: str, user_name: str) -> str:
    """The IAM console page of `user_name`'s security credentials (an admin assigns MFA there)."""
    return (
        f"https://{console_host(partition)}/iam/home#/users/details/"
        f"{quote(user_name, safe='')}?section=security_credentials"
    )


def own_credentials_url(partition: str) -> str:
    """The signed-in principal's own security credentials page (root, or an IAM user's self)."""
    return f"https://{console_host(partition)}/iam/home#/security_credentials"


def sign_in_url(partition: str, account: str) -> str:
    """The IAM user sign-in address of an account."""
    domain = {"aws-cn": "signin.amazonaws.cn", "aws-us-gov": "signin.amazonaws-us-gov.com"}
    return f"https://{account}.{domain.get(partition, 'signin.aws.amazon.com')}/console"


# ----------------------------------------------------------------------------- advice


def root_advice(result: AuditResult, partition: str, management: str = "unknown") -> list[str]:
    """What to do about root, in words and addresses (pure). `management` is the organization's
    root credentials management (enabled / disabled / unknown, `wizard.root_access`)."""
    lines: list[str] = []
    keys = result.root.access_keys_active if result.root else 0
    if management == "enabled":
        lines.append(
            "This organization manages root credentials centrally: the best state for a member "
            "account is no root credentials at all (`mfa-wizard audit --org --root-credentials` "
            "reads them; remove them from the management account, IAM > Root access management)."
        )
    if result.root_without_credentials:
        lines.append(
            "Root has no password, no access key and no MFA: nobody can sign in as root, the "
            "best state (root credentials removed centrally). Nothing to do."
        )
    elif not result.root_mfa_active:
        lines += [
            "Root has no MFA. AWS requires it, and no API can add it: only root can, in the console.",
            f"  1. Sign in as the root user (email and password) at https://{console_host(partition)}/",
            f"  2. Open {own_credentials_url(partition)}",
            "  3. Multi-factor authentication (MFA) > Assign MFA device: choose Passkey or security "
            "key (best), or Hardware TOTP token; keep a second device in the safe.",
        ]
    elif result.root_mfa_type == VIRTUAL:
        lines.append(
            "Root's MFA is a virtual device (an app on a phone): AWS and CIS recommend a hardware "
            f"token or security key for root ({own_credentials_url(partition)}, as root)."
        )
    if keys:
        lines.append(
            f"Root has {keys} active access key{'s' if keys > 1 else ''}: nothing needs root keys. "
            f"Delete them as root at {own_credentials_url(partition)} (Access keys)."
        )
    return lines


def audit_notes(result: AuditResult) -> list[str]:
    """Everything the audit has to say beyond its table, as paragraphs: security-key-only users,
    root, and Prowler's hardware-MFA checks (pure; the CLI prints them, the TUI shows them on i)."""
    paragraphs: list[str] = []
    fido_only = result.fido_only_users
    if fido_only:
        names = ", ".join(u.user_name for u in fido_only)
        paragraphs.append(f"{fido_only_advice(len(fido_only))}\n  {names}")
    for line in root_advice(result, result.partition, result.root_credentials_management):
        if line.startswith(" ") and paragraphs:
            paragraphs[-1] += "\n" + line  # a step belongs to its paragraph
        else:
            paragraphs.append(line)
    paragraphs.append(hardware_mfa_info(result))
    return paragraphs


def fido_only_advice(count: int) -> str:
    """The line about users whose only devices are security keys or passkeys ('' for none)."""
    if not count:
        return ""
    who = "user has" if count == 1 else "users have"
    return (
        f"{count} {who} only security keys/passkeys: MFA for the console, but no codes for "
        "`mfa-session` (STS takes TOTP codes only). For CLI work, add a second, TOTP device: "
        "`mfa-wizard enroll USER` (virtual) or `--hardware SERIAL`."
    )


def hardware_mfa_info(result: AuditResult) -> str:
    """Prowler's iam_root_hardware_mfa_enabled and iam_user_hardware_mfa_enabled, as information."""
    with_mfa = [u for u in result.users if u.mfa_devices]
    hardware = sum(1 for u in with_mfa if u.hardware_mfa)
    root = "PASS" if result.root_hardware_mfa else "FAIL (no MFA, or a virtual device)"
    return (
        "Prowler's hardware-MFA checks (information; a hardware token or security key is "
        f"stronger than an app): iam_root_hardware_mfa_enabled {root}; "
        f"iam_user_hardware_mfa_enabled PASS for {hardware} of {len(with_mfa)} users with MFA."
    )


def short_kinds(kinds: Iterable[str]) -> str:
    """A narrow cell: V virtual, H hardware, K security key; '2V', 'VK', '' (pure)."""
    found = list(kinds)
    letters = {VIRTUAL: "V", HARDWARE: "H", FIDO: "K"}
    return "".join(
        (str(found.count(k)) if found.count(k) > 1 else "") + letters[k]
        for k in (VIRTUAL, HARDWARE, FIDO)
        if k in found
    )


def kinds_summary(kinds: Iterable[str]) -> str:
    """'2 virtual, 1 fido' style counts of device kinds, in a fixed order (pure)."""
    found = list(kinds)
    parts = [f"{found.count(k)} {k}" for k in (VIRTUAL, HARDWARE, FIDO) if k in found]
    return ", ".join(parts)
