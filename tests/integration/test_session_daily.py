"""mfa-session as the daily driver (issue 25): --version, the profiles it cannot serve, and
list / clear of the cache."""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.integration.conftest import ACCOUNT
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
        "role-on-role-on-sso",
        "[profile corp]\nsso_session = corp\n\n"
        "[profile inner]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = corp\n\n"
        "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/y\nsource_profile = inner\n",
        "profile inner assumes its role from corp",
        "use AWS_PROFILE=p as it is",
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


def cached_secrets(env: dict[str, str]) -> set[str]:
    """Every key id, secret and token the file cache holds now."""
    found = set()
    for path in Path(env["XDG_CACHE_HOME"]).rglob("sessions/*.json"):
        data = json.loads(path.read_text())
        found |= {data["AccessKeyId"], data["SecretAccessKey"], data["SessionToken"]}
    return found


def listed(env: dict[str, str]) -> list[dict]:
    out = mfa_session("list", "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_list_shows_a_plain_and_a_role_session_and_never_a_key(roles_env, mfa_code):
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=roles_env).returncode == 0
    assert mfa_session("--profile", "admin", env=roles_env).returncode == 0
    table = mfa_session("list", env=roles_env)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["PROFILE", "ACCOUNT", "IDENTITY"]
    assert lines[0].split()[3] == "EXPIRES" and lines[0].split()[-1] == "LEFT"
    assert max(len(line) for line in lines) <= 80  # one line per session on a 80x24 terminal
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"admin", "dev"}  # the hand-over at the device is not a session of yours
    assert rows["dev"][1:3] == [ACCOUNT, "user/admins/admin"]
    assert rows["admin"][1:3] == [ACCOUNT, "assumed-role/admin/mfa-session-admin"]
    assert rows["dev"][-1] == "11h59m" and rows["admin"][-1] in ("59m59s", "59m58s")
    entries = {e["profile"]: e for e in listed(roles_env)}
    assert entries["dev"]["role"] is None
    assert entries["admin"]["role"] == f"arn:aws:iam::{ACCOUNT}:role/admin"
    assert entries["dev"]["identity"] == f"arn:aws:iam::{ACCOUNT}:user/admins/admin"
    assert 3500 < entries["admin"]["seconds_left"] <= 3600
    assert 43000 < entries["dev"]["seconds_left"] <= 43200
    secrets = cached_secrets(roles_env)
    assert len(secrets) >= 6
    for text in (table.stdout, json.dumps(entries)):
        assert not [s for s in secrets if s in text]


def test_clear_forgets_a_profile_with_its_roles_then_everything(roles_env, mfa_code):
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=roles_env).returncode == 0
    for role in ("admin", "audit"):
        assert mfa_session("--profile", role, env=roles_env).returncode == 0
    out = mfa_session("clear", "admin", env=roles_env)
    assert out.returncode == 0 and "Forgot 1 cached session: admin." in out.stderr
    assert {e["profile"] for e in listed(roles_env)} == {"dev", "audit"}
    out = mfa_session("clear", "dev", env=roles_env)
    assert "Forgot 2 cached sessions: audit, dev." in out.stderr
    assert listed(roles_env) == []
    # Nothing left to hand over either: the next session of dev's keys needs a code again.
    assert not list(Path(roles_env["XDG_CACHE_HOME"]).rglob("sessions/*.json"))
    again = mfa_session("--profile", "audit", env=roles_env)
    assert again.returncode != 0 and "no terminal" in again.stderr
    out = mfa_session("clear", "dev", env=roles_env)
    assert out.returncode == 0 and "nothing to do" in out.stderr
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=roles_env).returncode == 0
    out = mfa_session("clear", env=roles_env)
    assert out.returncode == 0 and "Forgot 1 cached session: dev." in out.stderr
    assert mfa_session("list", env=roles_env).stdout.startswith("No cached sessions")


@pytest.fixture
def fake_keyring(monkeypatch):
    """A keyring module that keeps passwords in a dict (a real backend's rules: delete works)."""
    import types

    store: dict[tuple[str, str], str] = {}
    module = types.ModuleType("keyring")

    class SecretServiceKeyring:
        priority = 5

    module.get_keyring = SecretServiceKeyring
    module.get_password = lambda service, key: store.get((service, key))
    module.set_password = lambda service, key, value: store.__setitem__((service, key), value)
    module.delete_password = lambda service, key: store.pop((service, key))
    monkeypatch.setitem(sys.modules, "keyring", module)
    return store


def test_list_and_clear_reach_the_keyring_through_its_index(roles_env, mfa_code, fake_keyring):
    code = mfa_code()
    out = mfa_session("--profile", "dev", "--code", code, "--cache", "keyring", env=roles_env)
    assert out.returncode == 0, out.stderr
    assert len(fake_keyring) == 2  # dev's session and the hand-over at the device
    assert [e["cache"] for e in listed(roles_env)] == ["keyring"]
    index = next(Path(roles_env["XDG_CACHE_HOME"]).rglob("keyring-sessions"))
    assert all(s not in index.read_text() for s in cached_secrets(roles_env) | {code})
    out = mfa_session("clear", "dev", env=roles_env)
    assert "Forgot 1 cached session: dev." in out.stderr
    assert fake_keyring == {} and index.read_text() == ""


def test_list_still_works_when_the_keyring_has_gone(roles_env, mfa_code, fake_keyring, monkeypatch):
    code = mfa_code()
    out = mfa_session("--profile", "dev", "--code", code, "--cache", "keyring", env=roles_env)
    assert out.returncode == 0, out.stderr
    monkeypatch.setitem(sys.modules, "keyring", None)  # uninstalled since: the index remains
    out = mfa_session("list", env=roles_env)
    assert out.returncode == 0 and out.stdout.startswith("No cached sessions")


def test_clear_forgets_what_takes_the_profiles_keys_too(roles_env, mfa_code):
    """`work` takes dev's keys (source_profile, no role_arn), and a role sits on work: both
    are sessions of dev's identity, so `clear dev` forgets them."""
    config = Path(roles_env["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text() + "\n[profile work]\nsource_profile = dev\nregion = us-west-2\n"
        f"\n[profile onwork]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/admin\nsource_profile = work\n"
    )
    assert mfa_session("--profile", "work", "--code", mfa_code(), env=roles_env).returncode == 0
    assert mfa_session("--profile", "onwork", env=roles_env).returncode == 0
    assert {e["profile"] for e in listed(roles_env)} == {"work", "onwork"}
    out = mfa_session("clear", "dev", env=roles_env)
    assert "Forgot 2 cached sessions: onwork, work." in out.stderr
    assert listed(roles_env) == []


def test_a_keyring_that_will_not_forget_is_said_and_stays_listed(
    roles_env, mfa_code, fake_keyring, monkeypatch
):
    out = mfa_session("--profile", "dev", "--code", mfa_code(), "--cache", "keyring", env=roles_env)
    assert out.returncode == 0, out.stderr

    def locked(service, key):
        raise RuntimeError("the keyring is locked")

    monkeypatch.setattr(sys.modules["keyring"], "delete_password", locked)
    out = mfa_session("clear", "dev", env=roles_env)
    assert (
        out.returncode == 2 and "keyring refused to forget the cached session of dev" in out.stderr
    )
    assert "unlock the keyring" in out.stderr
    assert [e["profile"] for e in listed(roles_env)] == ["dev"]  # still there, still listed


def test_setup_refuses_a_profile_it_could_not_serve(profile_env):
    path = Path(profile_env["AWS_CONFIG_FILE"])
    path.write_text(path.read_text() + "\n[profile corp]\nsso_session = corp\n")
    before = path.read_text()
    out = mfa_session("setup", "corp", env=profile_env)
    assert out.returncode == 2 and "IAM Identity Center" in out.stderr
    assert path.read_text() == before  # no corp-mfa profile that would fail on every use


def test_a_role_on_an_mfa_session_profile_is_pointed_at_the_keys(profile_env):
    assert mfa_session("setup", "dev", env=profile_env).returncode == 0  # dev-mfa
    path = Path(profile_env["AWS_CONFIG_FILE"])
    path.write_text(
        path.read_text()
        + "\n[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev-mfa\n"
    )
    out = mfa_session("--profile", "r", env=profile_env)
    assert out.returncode == 2
    assert "profile r assumes its role from dev-mfa, which already runs mfa-session" in out.stderr
    assert "point r's source_profile at the profile dev-mfa names" in out.stderr


def test_setup_without_an_mfa_session_script_runs_this_interpreter(monkeypatch, tmp_path):
    """Windows has no mfa-session script: the credential_process runs the module instead."""
    import shutil

    from wizard.session.profiles import command_for_credential_process

    monkeypatch.setattr(sys, "argv", ["python"])
    monkeypatch.setattr(sys, "executable", str(tmp_path / "my python" / "python"))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    command = command_for_credential_process("dev")
    assert command == (
        f"'{tmp_path}/my python/python' -m wizard.cli.session --profile dev "
        "--format credential-process"
    )


def test_setup_refuses_a_profile_that_is_not_there(profile_env):
    out = mfa_session("setup", "nosuch", env=profile_env)
    assert out.returncode == 2 and "there is no profile 'nosuch'" in out.stderr
    assert "nosuch-mfa" not in Path(profile_env["AWS_CONFIG_FILE"]).read_text()
    out = mfa_session("clear", "nosuch", env=profile_env)
    assert out.returncode == 0 and "no such profile in the config files" in out.stderr


def test_a_session_is_not_written_over_keys_kept_in_the_config_file(profile_env, mfa_code):
    """Keys in the config file (the credentials file wins over it): writing the session under
    that name would hide them, and the next run would find only temporary keys."""
    creds = Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"])
    config = Path(profile_env["AWS_CONFIG_FILE"])
    keys = creds.read_text().split("[dev]\n")[1].split("\n\n")[0]
    config.write_text(config.read_text().replace("[profile dev]\n", f"[profile dev]\n{keys}\n"))
    creds.write_text("")
    before = creds.read_text()
    out = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--write-profile", "dev", env=profile_env
    )
    assert out.returncode == 2 and "has long-term access keys in" in out.stderr
    assert creds.read_text() == before


def test_what_was_typed_during_a_countdown_is_not_taken_as_the_answer():
    import os

    from wizard.cli.prompts import discard_typed_ahead

    controller, terminal = os.openpty()
    with open(terminal, encoding="utf-8") as tty:
        os.write(controller, b"22\nabc\n")  # typed while the countdown ran
        discard_typed_ahead(tty)
        os.write(controller, b"123456\n")  # typed at the question
        assert tty.readline().strip() == "123456"
    os.close(controller)
