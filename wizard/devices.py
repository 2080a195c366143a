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
from wizard.i18n import N_, _, ngettext
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
    return _(
        {
            VIRTUAL: N_("a virtual device"),
            ROOT_HARDWARE_OR_FIDO: N_("a hardware token or security key"),
        }.get(kind, N_("no device"))
    )


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
            _(
                "This organization manages root credentials centrally: the best state for a "
                "member account is no root credentials at all (`mfa-wizard audit --org "
                "--root-credentials` reads them; remove them from the management account, IAM > "
                "Root access management)."
            )
        )
    if result.root_without_credentials:
        lines.append(
            _(
                "Root has no password, no access key and no MFA: nobody can sign in as root, the "
                "best state (root credentials removed centrally). Nothing to do."
            )
        )
    elif not result.root_mfa_active:
        lines += [
            _(
                "Root has no MFA. AWS requires it, and no API can add it: only root can, in the "
                "console."
            ),
            _("  1. Sign in as the root user (email and password) at {url}").format(
                url=f"https://{console_host(partition)}/"
            ),
            _("  2. Open {url}").format(url=own_credentials_url(partition)),
            _(
                "  3. Multi-factor authentication (MFA) > Assign MFA device: choose Passkey or "
                "security key (best), or Hardware TOTP token; keep a second device in the safe."
            ),
        ]
    elif result.root_mfa_type == VIRTUAL:
        lines.append(
            _(
                "Root's MFA is a virtual device (an app on a phone): AWS and CIS recommend a "
                "hardware token or security key for root ({url}, as root)."
            ).format(url=own_credentials_url(partition))
        )
    if keys:
        lines.append(
            ngettext(
                "Root has {count} active access key: nothing needs root keys. Delete it as root "
                "at {url} (Access keys).",
                "Root has {count} active access keys: nothing needs root keys. Delete them as "
                "root at {url} (Access keys).",
                keys,
            ).format(count=keys, url=own_credentials_url(partition))
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
    return ngettext(
        "{count} user has only security keys/passkeys: MFA for the console, but no codes for "
        "`mfa-session` (STS takes TOTP codes only). For CLI work, add a second, TOTP device: "
        "`mfa-wizard enroll USER` (virtual) or `--hardware SERIAL`.",
        "{count} users have only security keys/passkeys: MFA for the console, but no codes for "
        "`mfa-session` (STS takes TOTP codes only). For CLI work, add a second, TOTP device: "
        "`mfa-wizard enroll USER` (virtual) or `--hardware SERIAL`.",
        count,
    ).format(count=count)


def hardware_mfa_info(result: AuditResult) -> str:
    """Prowler's iam_root_hardware_mfa_enabled and iam_user_hardware_mfa_enabled, as information."""
    with_mfa = [u for u in result.users if u.mfa_devices]
    hardware = sum(1 for u in with_mfa if u.hardware_mfa)
    root = "PASS" if result.root_hardware_mfa else _("FAIL (no MFA, or a virtual device)")
    return _(
        "Prowler's hardware-MFA checks (information; a hardware token or security key is "
        "stronger than an app): iam_root_hardware_mfa_enabled {root}; "
        "iam_user_hardware_mfa_enabled PASS for {hardware} of {count} users with MFA."
    ).format(root=root, hardware=hardware, count=len(with_mfa))


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
    parts = [
        _("{count} {kind}").format(count=found.count(k), kind=_(KIND_WORDS[k]))
        for k in (VIRTUAL, HARDWARE, FIDO)
        if k in found
    ]
    return _(", ").join(parts)


# The kinds as a table cell names them (the JSON keeps "virtual", "hardware", "fido").
KIND_WORDS = {VIRTUAL: N_("virtual"), HARDWARE: N_("hardware"), FIDO: N_("fido")}
