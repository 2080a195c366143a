"""The demo's IAM extras: AWS managed policies loaded as AWS has them, and security-key serials
as ListMFADevices gives them (moto has neither by itself)."""

from __future__ import annotations

import json
from typing import Any

DEMO_ACCOUNT_ID = "123456789012"


def fido_serial(user: str, key_name: str, account: str = DEMO_ACCOUNT_ID) -> str:
    """A security key's serial as ListMFADevices gives it (the console registers it)."""
    import hashlib

    tail = hashlib.sha256(f"{user}/{key_name}".encode()).hexdigest()[:26].upper()
    from wizard.partition import arn

    return arn("aws", "iam", "", account, f"u2f/user/{user}/{key_name}-{tail}")


# The AWS managed policies the wizard attaches (Monitor's CloudTrail groups), loaded as AWS has
# them: moto loads all 1,500 only when asked (~1 s per reset), so the demo adds these few.
MANAGED_POLICIES = ("AWSCloudTrail_FullAccess", "AWSCloudTrail_ReadOnlyAccess")
_managed_documents: dict[str, Any] = {}


def load_managed_policies(backend: Any, names: tuple[str, ...] = MANAGED_POLICIES) -> None:
    """Add AWS managed policies to moto's IAM backend, from moto's own copy of AWS's documents."""
    from moto.iam.models import AWSManagedPolicy

    if not _managed_documents:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        every = json.loads(aws_managed_policies_data)
        _managed_documents.update({name: every[name] for name in MANAGED_POLICIES})
    for name in names:
        policy = AWSManagedPolicy.from_data(
            name, backend.account_id, backend.region_name, _managed_documents[name]
        )
        backend.managed_policies[policy.arn] = policy
