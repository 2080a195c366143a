"""Small helpers the integration and screen tests share."""

from __future__ import annotations

from typing import Any

import pyotp
from botocore.exceptions import ClientError, EndpointConnectionError

from wizard import clock
from wizard.aws import Services
from wizard.demo import ORPHAN_DEVICE

# The demo account's one unassigned device: what every rollback must leave behind, and no more.
ORPHAN = f"arn:aws:iam::123456789012:mfa/{ORPHAN_DEVICE}"


def unassigned(services: Services) -> set[str]:
    """Serials of unassigned virtual MFA devices (what a failed enrolment must not leave)."""
    pages = services.iam.get_paginator("list_virtual_mfa_devices").paginate(
        AssignmentStatus="Unassigned"
    )
    return {d["SerialNumber"] for page in pages for d in page["VirtualMFADevices"]}


def serials(services: Services, user: str) -> set[str]:
    return {d["SerialNumber"] for d in services.iam.list_mfa_devices(UserName=user)["MFADevices"]}


def member_iam(endpoint_url: str, services: Services, account_id: str) -> Any:
    """An IAM client in a member account, through its OrganizationAccountAccessRole (to seed it)."""
    import boto3

    creds = services.sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="seed",
    )["Credentials"]
    return boto3.client(
        "iam",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def good_codes(seed: str, now: float | None = None) -> tuple[str, str]:
    """Two consecutive codes, the second being the current one."""
    moment = clock.time() if now is None else now
    totp = pyotp.TOTP(seed)
    return totp.at(moment - 30), totp.at(moment)


FAULTS = {
    "AccessDenied": lambda op: ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "no"}}, op
    ),
    "Throttling": lambda op: ClientError({"Error": {"Code": "Throttling", "Message": "slow"}}, op),
    "dropped connection": lambda op: EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    "Ctrl-C": lambda op: KeyboardInterrupt(),
}


def member_with_console_user(
    demo: Any, services: Services, account_name: str, path: str = "/"
) -> tuple[str, Any]:
    """The demo made the management account of an organization with one member account named
    `account_name`, where the console user ops.person (at `path`) has no MFA: (its id, its IAM)."""
    orgs = services.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    member = orgs.create_account(Email="w@example.com", AccountName=account_name)[
        "CreateAccountStatus"
    ]["AccountId"]
    iam = member_iam(demo.endpoint_url, services, member)
    iam.create_user(UserName="ops.person", Path=path)
    iam.create_login_profile(UserName="ops.person", Password="Correct-Horse-9!")
    return member, iam
