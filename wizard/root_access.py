"""Root users under centralized root access: read, never deleted.

Where the organization has root credentials management enabled, a member account may have no
root credentials at all, and then its credential report says "root MFA off" about a user nobody
can sign in as. There each audited member's root credentials are read through sts:AssumeRoot with
the IAMAuditRootUserCredentials task policy (read-only) and reported as present (and what),
absent or unknown. Nothing is ever deleted: the commands to do so are printed for a person to run
(`wizard.organization.root_access_advice`).

Needs: iam:ListOrganizationsFeatures and sts:AssumeRoot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wizard.aws import RoleSession, Services, botocore_config, session_lock
from wizard.errors import WizardError, aws_errors, is_absent, translate
from wizard.i18n import N_, _, ngettext
from wizard.partition import partition_of_arn

# Centralized root access (iam:ListOrganizationsFeatures) and the AWS managed task policies
# sts:AssumeRoot takes: the audit one is read-only; the delete one is only ever printed.
ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
ROOT_SESSIONS = "RootSessions"
ROOT_AUDIT_TASK = "IAMAuditRootUserCredentials"
ROOT_DELETE_TASK = "IAMDeleteRootUserCredentials"
ROOT_SESSION_SECONDS = 900  # AssumeRoot's maximum


@dataclass(frozen=True)
class RootCredentials:
    """A member account's root user as AssumeRoot sees it.

    state: present | absent | unknown (the check failed: `detail` says why) | not checked
    (centralized root access is not enabled, or this is the management account).
    """

    state: str
    detail: str = ""
    password: bool = False
    access_key_ids: tuple[str, ...] = ()
    certificate_ids: tuple[str, ...] = ()
    mfa_serials: tuple[str, ...] = ()

    @property
    def absent(self) -> bool:
        """No root credentials at all: nobody can sign in as root, so root MFA is moot."""
        return self.state == "absent"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"state": self.state, "detail": self.detail}
        if self.state in {"present", "absent"}:
            doc.update(
                password=self.password,
                access_keys=len(self.access_key_ids),
                signing_certificates=len(self.certificate_ids),
                mfa_devices=len(self.mfa_serials),
            )
        return doc


def root_credentials_found(
    password: bool, keys: tuple[str, ...], certificates: tuple[str, ...], mfa: tuple[str, ...]
) -> RootCredentials:
    """present (naming what) or absent, from what the root user's reads returned (pure)."""
    what = []
    if password:
        what.append(_("password"))
    if keys:
        what.append(
            ngettext("{count} access key", "{count} access keys", len(keys)).format(count=len(keys))
        )
    if certificates:
        what.append(
            ngettext(
                "{count} signing certificate", "{count} signing certificates", len(certificates)
            ).format(count=len(certificates))
        )
    if mfa:
        what.append(
            ngettext("{count} MFA device", "{count} MFA devices", len(mfa)).format(count=len(mfa))
        )
    if not what:
        return RootCredentials("absent", _("no password, access key, signing certificate or MFA"))
    return RootCredentials("present", _(", ").join(what), password, keys, certificates, mfa)


def organization_features(iam: Any) -> set[str] | None:
    """iam:ListOrganizationsFeatures' EnabledFeatures, or None where it cannot be read (an
    older partition, an endpoint without it such as moto, no permission)."""
    try:
        return set(iam.list_organizations_features().get("EnabledFeatures", []))
    except Exception:  # any failure means "we cannot tell", which is reported as unknown
        return None


def management_state(features: set[str] | None) -> str:
    """enabled / disabled / unknown: root credentials management, from the features (pure)."""
    if features is None:
        return "unknown"
    return "enabled" if ROOT_CREDENTIALS_MANAGEMENT in features else "disabled"


def root_credentials_management(services: Services) -> str:
    """enabled / disabled from iam:ListOrganizationsFeatures, unknown when it cannot be read."""
    return management_state(organization_features(services.iam))


@dataclass
class RootAccess:
    """The clients the root-credentials check talks through: the dependency-injection point.

    moto has neither iam:ListOrganizationsFeatures nor sts:AssumeRoot, and does not answer an
    IAM read about the root user (no UserName), so the tests hand in clients wrapped in
    botocore.stub.Stubber here; the default (`root_access`) builds the real ones.
    """

    features_iam: Any  # answers ListOrganizationsFeatures (the management account's IAM)
    sts: Any  # answers AssumeRoot: must be a regional endpoint, the global one refuses it
    root_iam: Callable[[dict[str, Any]], Any]  # an IAM client signed with AssumeRoot's answer


def regional_sts(services: Services) -> Any:
    """An STS client on the regional endpoint of `services.region`.

    AssumeRoot is only served by regional endpoints. An explicit endpoint (--endpoint-url,
    AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS, the demo) is used as it is; otherwise botocore's
    endpoint is kept unless a config (sts_regional_endpoints = legacy) made it the global one.
    """
    import os
    from urllib.parse import urlparse

    client = services.sts
    if services.effective_endpoint or os.environ.get("AWS_ENDPOINT_URL_STS"):
        return client
    if urlparse(client.meta.endpoint_url).hostname != "sts.amazonaws.com":
        return client
    with aws_errors(_("creating the regional sts client")), session_lock(services.session):
        return services.session.client(
            "sts",
            region_name=services.region,
            endpoint_url=f"https://sts.{services.region}.amazonaws.com",
            config=botocore_config(services.max_attempts),
        )


def root_access(services: Services) -> RootAccess:
    """The real clients for the root-credentials check."""

    def root_iam(credentials: dict[str, Any]) -> Any:
        return Services(
            session=RoleSession(services.session, credentials, services.region),
            region=services.region,
            endpoint_url=services.endpoint_url,
            max_attempts=services.max_attempts,
        ).iam

    return RootAccess(features_iam=services.iam, sts=regional_sts(services), root_iam=root_iam)


def read_root_credentials(iam: Any) -> RootCredentials:
    """The root user's password, access keys, signing certificates and MFA devices: each call
    made without UserName, which under an AssumeRoot session means the root user."""
    with aws_errors("GetLoginProfile"):
        try:
            iam.get_login_profile()
            password = True
        except Exception as exc:
            if not is_absent(exc):
                raise
            password = False

    def every(operation: str, key: str, item: str) -> tuple[str, ...]:
        with aws_errors(operation):
            pages = iam.get_paginator(operation).paginate()
            return tuple(str(entry[item]) for page in pages for entry in page.get(key, []))

    return root_credentials_found(
        password,
        every("list_access_keys", "AccessKeyMetadata", "AccessKeyId"),
        every("list_signing_certificates", "Certificates", "CertificateId"),
        every("list_mfa_devices", "MFADevices", "SerialNumber"),
    )


def check_root_credentials(access: RootAccess, account_id: str, partition: str) -> RootCredentials:
    """AssumeRoot into `account_id` with the read-only audit task policy and read its root
    user's credentials; any failure is `unknown` with the reason, never `absent`."""
    try:
        with aws_errors("AssumeRoot"):
            credentials = access.sts.assume_root(
                TargetPrincipal=account_id,
                TaskPolicyArn={
                    "arn": f"arn:{partition}:iam::aws:policy/root-task/{ROOT_AUDIT_TASK}"
                },
                DurationSeconds=ROOT_SESSION_SECONDS,
            )["Credentials"]
        return read_root_credentials(access.root_iam(credentials))
    except Exception as exc:  # this account's root unknown; the audit of the others goes on
        return RootCredentials("unknown", translate(exc).message)


# Why member roots are not read unless asked: the read is root activity in every member.
NOT_READ = N_(
    "not read: reading a member's root credentials goes through sts:AssumeRoot, which CloudTrail "
    "records as root activity in that account (root-usage alarms and GuardDuty fire); "
    "--root-credentials reads them"
)


def root_checker(
    services: Services,
    management: str,
    features: set[str] | None,
    access: RootAccess | None,
    read: bool = False,
) -> Callable[[str], RootCredentials]:
    """What to say about each audited account's root credentials, given the organization's
    centralized root access features. AssumeRoot is used only when `read` (opt-in)."""
    partition = partition_of_arn(services.identity().arn)
    if features is None:
        skipped = RootCredentials(
            "not checked", _("iam:ListOrganizationsFeatures could not be read (state unknown)")
        )
        return lambda account_id: skipped
    if ROOT_CREDENTIALS_MANAGEMENT not in features:
        skipped = RootCredentials(
            "not checked", _("root credentials management is not enabled in the organization")
        )
        return lambda account_id: skipped
    if not read:
        not_read = RootCredentials("not checked", _(NOT_READ))
        return lambda account_id: not_read
    if ROOT_SESSIONS not in features:
        # AssumeRoot needs root sessions as well: without them every member would be unknown.
        no_sessions = RootCredentials(
            "unknown",
            _(
                "root sessions are not enabled, so AssumeRoot cannot read root credentials: "
                "`aws iam enable-organizations-root-sessions`"
            ),
        )
        return lambda account_id: no_sessions
    try:
        clients = access or root_access(services)
    except WizardError as error:  # no regional STS client: every member's root unknown, why said
        unreadable = RootCredentials("unknown", error.message)
        return lambda account_id: unreadable
    management_root = RootCredentials(
        "not checked", _("the management account (AssumeRoot reaches member accounts only)")
    )

    def check(account_id: str) -> RootCredentials:
        if account_id == management:
            return management_root
        return check_root_credentials(clients, account_id, partition)

    return check
