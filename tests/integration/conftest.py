"""Fixtures the integration tests share."""

from __future__ import annotations

import os

import pytest

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
