"""mfa-session as the daily driver (issue 25): --version, the profiles it cannot serve, and
list / clear of the cache."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from tests.support.cli import mfa_session, mfa_wizard
from tests.support.realism import AWS_LIKE
from wizard.cli import fast

pytestmark = AWS_LIKE


def test_both_commands_say_their_version_from_the_package_metadata(profile_env):
    for command in (mfa_session, mfa_wizard):
        out = command("--version", env=profile_env)
        assert out.returncode == 0
        name = "mfa-session" if command is mfa_session else "mfa-wizard"
        assert out.stdout == f"{name} {version('mfa-wizard')}\n"


OTHER_KINDS = [
    (
        "sso",
        "[profile p]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
        "profile p signs in with IAM Identity Center (sso_session)",
        "`aws sso login --profile p`, then use AWS_PROFILE=p as it is",
    ),
    (
        "legacy-sso",
        "[profile p]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
        "IAM Identity Center (sso_start_url)",
        "aws sso login --profile p",
    ),
    (
        "login",
        "[profile p]\nlogin_session = arn:aws:iam::123456789012:user/alice\n",
        "signs in with your console credentials (login_session)",
        "`aws login --profile p`",
    ),
    (
        "process",
        "[profile p]\ncredential_process = /usr/bin/vault-creds --id 7\n",
        "gets its credentials from a credential_process",
        "use AWS_PROFILE=p as it is",
    ),
    (
        "ours",
        "[profile p]\ncredential_process = /x/bin/mfa-session --profile dev --format credential-process\n",
        "profile p already runs mfa-session",
        "ask for the profile it names",
    ),
    (
        "web-identity",
        "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/ci\n"
        "web_identity_token_file = /var/run/token\n",
        "assumes its role with a web identity token file",
        "use AWS_PROFILE=p as it is",
    ),
    (
        "host",
        "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/ci\n"
        "credential_source = Ec2InstanceMetadata\n",
        "credential_source of its host",
        "as it is",
    ),
    (
        "role-on-sso",
        "[profile corp]\nsso_session = corp\n\n"
        "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = corp\n",
        "profile p assumes its role from corp, which signs in with IAM Identity Center",
        "the AWS CLI and SDKs assume the role from it themselves: `aws sso login --profile corp`",
    ),
]


@pytest.mark.parametrize(
    ("kind", "config", "what", "fix"), OTHER_KINDS, ids=[k[0] for k in OTHER_KINDS]
)
def test_a_profile_of_another_kind_gets_one_line_and_exit_2(profile_env, kind, config, what, fix):
    path = Path(profile_env["AWS_CONFIG_FILE"])
    path.write_text(path.read_text() + "\n" + config)
    out = mfa_session("--profile", "p", env=profile_env)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("mfa-session: ")
    assert what in out.stderr and fix in out.stderr
    assert "Traceback" not in out.stderr


def test_the_fast_path_leaves_other_kinds_to_the_full_path(profile_env, monkeypatch):
    """Even with access keys beside them (botocore prefers SSO and the rest to the keys)."""
    for name, value in profile_env.items():
        monkeypatch.setenv(name, value)
    path = Path(profile_env["AWS_CONFIG_FILE"])
    path.write_text(path.read_text() + "sso_session = corp\n")  # on [profile dev] itself
    assert fast.hit_key("dev", fast.cache_root()) is None


def test_every_other_kind_the_fast_path_knows_has_its_message():
    from wizard.session.keys import OTHER_SIGN_IN_SETTINGS
    from wizard.session.profiles import OTHER_SIGN_INS

    assert set(OTHER_SIGN_INS) == set(OTHER_SIGN_IN_SETTINGS)
    for setting in OTHER_SIGN_IN_SETTINGS:  # each is tried above
        assert any(f"\n{setting} = " in kind[1] for kind in OTHER_KINDS), setting
