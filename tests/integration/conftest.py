"""Fixtures the integration tests share."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# AWS as the first real sitting meets it (issue 12): new IAM/S3/KMS things invisible to dependent
# calls for 3 s, 5 % of requests throttled, the credential report 1 s in the making, MFA codes
# checked. test_enforce, test_monitoring, test_enrollment and test_session run under it
# (`pytestmark = AWS_LIKE`, tests/support/realism.py); the other integration modules get shorter delays and 1 % throttling,
# so their subject (faults, bad input, journal) stays quick.
INTEGRATION_REALISM = {"propagation": 1.0, "throttle": 0.01, "report_seconds": 0.5}


@pytest.fixture
def realism_defaults() -> dict[str, object]:
    return dict(INTEGRATION_REALISM)


# The demo admin's MFA device (seeded with the account).
SERIAL = "arn:aws:iam::123456789012:mfa/admin"


@pytest.fixture
def profile_env(demo, tmp_path):
    """A HOME with ~/.aws/config and credentials: profile 'dev' = the demo admin's keys."""
    home = tmp_path / "home"
    aws = home / ".aws"
    aws.mkdir(parents=True)
    (aws / "config").write_text(
        "# my config\n[profile dev]\nregion = us-east-1\nmfa_serial = " + SERIAL + "\n"
    )
    (aws / "credentials").write_text(
        "# keep this comment\n[dev]\n"
        f"aws_access_key_id = {demo.admin_access_key_id}\n"
        f"aws_secret_access_key = {demo.admin_secret_access_key}\n\n"
        "[other]  # another profile\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = x\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        AWS_CONFIG_FILE=str(aws / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
        AWS_ENDPOINT_URL=demo.endpoint_url,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.fixture
def mfa_code(demo, realism):
    """A code of the demo admin's device that AWS (the realism layer) would take now, one not
    handed out before in this test: AWS refuses a code used once for 90 s."""
    return lambda: realism.unused_code(demo.admin_mfa_serial)


ACCOUNT = "123456789012"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ],
}


@pytest.fixture
def roles_env(profile_env, demo, moto_server):
    """dev holds the keys; admin and audit are roles on it; chained assumes audit from admin."""
    # Made long ago, as in a real account: straight on moto, not through the realism layer
    # (which would rightly keep a brand-new role unusable for a few seconds).
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id=demo.admin_access_key_id,
        aws_secret_access_key=demo.admin_secret_access_key,
    )
    for name in ("admin", "audit"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    config = Path(profile_env["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text()
        + f"\n[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/admin\nsource_profile = dev\n"
        f"\n[profile audit]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/audit\nsource_profile = dev\n"
        "external_id = audit-2026\nrole_session_name = helpdesk\nduration_seconds = 1800\n"
        f"\n[profile chained]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/audit\nsource_profile = admin\n"
        "duration_seconds = 7200\n"
    )
    return profile_env
