"""mfa-session for role profiles: one code for every role on a source, exec, FIDO keys skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from tests.integration.conftest import ACCOUNT, SERIAL
from tests.support.cli import hit_imports, mfa_session, start_process
from tests.support.clock import CLOCK, totp_script
from tests.support.realism import AWS_LIKE

pytestmark = AWS_LIKE


def whoami(creds: dict, endpoint: str) -> str:
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    return sts.get_caller_identity()["Arn"]


def hours_left(creds: dict) -> float:
    expiry = datetime.fromisoformat(creds["Expiration"].replace("Z", "+00:00"))
    return (expiry - datetime.now(UTC)).total_seconds() / 3600


def test_two_roles_on_one_source_ask_one_code(roles_env, demo, mfa_code):
    first = mfa_session(
        "--profile", "admin", "--code", mfa_code(), "--format", "json", env=roles_env
    )
    assert first.returncode == 0, first.stderr
    admin = json.loads(first.stdout)
    assert ":assumed-role/admin/mfa-session-admin" in whoami(admin, demo.endpoint_url)
    # No code, no terminal: the source's MFA session is reused to assume the second role.
    second = mfa_session("--profile", "audit", "--format", "json", env=roles_env)
    assert second.returncode == 0, second.stderr
    audit = json.loads(second.stdout)
    assert ":assumed-role/audit/helpdesk" in whoami(audit, demo.endpoint_url)
    assert audit["AccessKeyId"] != admin["AccessKeyId"]
    assert 0.4 < hours_left(audit) <= 0.5  # duration_seconds = 1800
    # Each role's session is cached on its own: asking again gives the same one.
    again = mfa_session("--profile", "admin", "--format", "json", env=roles_env)
    assert json.loads(again.stdout)["AccessKeyId"] == admin["AccessKeyId"]
    # And the plain source session is the one the roles used: no code for it either.
    dev = mfa_session("--profile", "dev", "--format", "json", env=roles_env)
    assert dev.returncode == 0, dev.stderr


def test_a_chained_role_asking_for_more_than_an_hour_is_assumed_directly_with_the_code(
    roles_env, mfa_code, demo
):
    # Through its chain (dev -> admin -> audit) AWS would cap the session at 1 h; the role
    # trusts the user itself, so it is assumed directly with the MFA code, for the 2 h asked.
    out = mfa_session(
        "--profile", "chained", "--code", mfa_code(), "--format", "json", env=roles_env
    )
    assert out.returncode == 0, out.stderr
    assert "assumed directly with your MFA code, for 2 h" in out.stderr
    again = mfa_session("--profile", "chained", "--format", "json", env=roles_env)
    assert again.returncode == 0 and "assumed directly" not in again.stderr  # served, not made
    creds = json.loads(out.stdout)
    assert 1.9 < hours_left(creds) <= 2.0
    assert ":assumed-role/audit/mfa-session-chained" in whoami(creds, demo.endpoint_url)


def test_a_chained_role_within_the_hour_goes_through_its_chain(roles_env, mfa_code, demo):
    config = Path(roles_env["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text().replace("duration_seconds = 7200", "duration_seconds = 3600")
    )
    out = mfa_session(
        "--profile", "chained", "--code", mfa_code(), "--format", "json", env=roles_env
    )
    assert out.returncode == 0, out.stderr
    assert "directly" not in out.stderr
    assert 0.9 < hours_left(json.loads(out.stdout)) <= 1.0


def test_a_role_profile_without_source_is_refused(roles_env):
    config = Path(roles_env["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "\n[profile lost]\nrole_arn = arn:aws:iam::1:role/x\n")
    out = mfa_session("--profile", "lost", "--format", "json", env=roles_env)
    assert out.returncode == 2 and "no source_profile" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.real_time
def test_exec_runs_the_command_with_the_session_and_passes_its_status(roles_env, demo, mfa_code):
    script = (
        "import os, sys; import boto3;"
        "print(boto3.client('sts', endpoint_url=os.environ['AWS_ENDPOINT_URL'], region_name='us-east-1')"
        ".get_caller_identity()['Arn']);"
        "print('profile' if 'AWS_PROFILE' in os.environ else 'no-profile'); sys.exit(7)"
    )
    env = {**roles_env, "AWS_PROFILE": "dev"}
    out = mfa_session(
        "exec", "admin", "--code", mfa_code(), "--", sys.executable, "-c", script, env=env
    )
    assert out.returncode == 7, out.stderr
    arn, profile = out.stdout.split()
    assert ":assumed-role/admin/" in arn and profile == "no-profile"


@pytest.mark.real_time
def test_exec_without_a_command_is_a_usage_error(roles_env):
    out = mfa_session("exec", "admin", env=roles_env)
    assert out.returncode == 2 and "needs a command after --" in out.stderr


def test_fido_keys_are_skipped_with_the_reason(profile_env, monkeypatch, capsys, mfa_code):
    from wizard.cli import session as cli

    config = Path(profile_env["AWS_CONFIG_FILE"])
    config.write_text("[profile dev]\nregion = us-east-1\n")
    for name, value in profile_env.items():
        monkeypatch.setenv(name, value)
    fido = f"arn:aws:iam::{ACCOUNT}:u2f/user/admin/yubikey-ABCDEFGH"
    monkeypatch.setattr("wizard.session.token.find_mfa_serials", lambda services: [fido, SERIAL])
    assert cli.run(["--profile", "dev", "--code", mfa_code(), "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert f"Skipping {fido}: a FIDO security key cannot" in err
    assert f"Using MFA device {SERIAL}" in err


@pytest.mark.real_time
def test_a_role_profile_cache_hit_imports_no_sdk(roles_env, mfa_code):
    assert mfa_session("--profile", "admin", "--code", mfa_code(), env=roles_env).returncode == 0
    status, heavy, stdout = hit_imports("admin", roles_env)
    assert (status, heavy) == (0, []) and json.loads(stdout)["Version"] == 1


@pytest.mark.real_time
def test_exec_help_is_help(roles_env):
    out = mfa_session("exec", "--help", env=roles_env)
    assert out.returncode == 0 and "mfa-session exec PROFILE" in out.stdout
    assert "exec PROFILE -- COMMAND" in mfa_session("--help", env=roles_env).stdout


@pytest.mark.real_time
def test_the_aws_sdk_uses_the_setup_profile_of_a_role(roles_env, monkeypatch, mfa_code, demo):
    """botocore's own credential_process provider, through `mfa-session setup admin`."""
    from wizard.session.profiles import setup_credential_process

    for key, value in roles_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(
        "wizard.session.profiles.command_for_credential_process",
        lambda profile: (
            f"{sys.executable} -c 'from wizard.cli.session import main; main()' "
            f"--profile {profile} --format credential-process"
        ),
    )
    assert setup_credential_process("admin") == ("admin-mfa", True)
    # The one code, typed once at the terminal; from then on the SDK asks nobody.
    assert mfa_session("--profile", "admin", "--code", mfa_code(), env=roles_env).returncode == 0
    session = boto3.Session(profile_name="admin-mfa")
    sts = session.client("sts", endpoint_url=roles_env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    assert ":assumed-role/admin/mfa-session-admin" in sts.get_caller_identity()["Arn"]


def test_two_refreshes_in_one_code_window_both_succeed(roles_env, demo, tmp_path, realism):
    # AWS refuses a code used once: the second run waits for the next code, then asks again.
    script = totp_script(tmp_path, demo.seeds[SERIAL])
    runs = [
        mfa_session(
            "--profile",
            "dev",
            "--refresh",
            "--totp-command",
            str(script),
            "--format",
            "json",
            env=roles_env,
            timeout=90,
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    # No code was sent twice: the realism layer (as AWS) refused none.
    assert realism.refused.get("AccessDenied", 0) == 0


def _code_script(folder: Path, counter: Path) -> Path:
    """A --totp-command that notes each run and prints the device's code of this moment, in
    the test's shared virtual time (CLOCK.share)."""
    from tests.support.realism import device_seed

    clock_file = CLOCK.share(folder / "virtual-time")
    seed = device_seed(SERIAL)
    script = folder / "totp.sh"
    program = (
        f"import pyotp, time; offset = float(open({str(clock_file)!r}).read()); "
        f"print(pyotp.TOTP({seed!r}).at(time.time() + offset))"
    )
    script.write_text(f'#!/bin/sh\necho x >> {counter}\nexec {sys.executable} -c "{program}"\n')
    script.chmod(0o700)
    return script


def _start(env: dict, script: Path, *args: str) -> subprocess.Popen:
    """mfa-session in a real process, on the shared virtual time: a wait for the next code
    skips ahead (for the realism layer too) instead of taking up to 30 real seconds."""
    options = ("--totp-command", str(script), "--format", "credential-process")
    assert CLOCK.offset_file is not None
    return start_process(
        "wizard.cli.session", *args, *options, env=env, clock_file=CLOCK.offset_file
    )


@pytest.mark.real_time
def test_five_clients_over_any_profiles_on_one_device_ask_one_code(roles_env, tmp_path, realism):
    """Two profiles on the same keys, a --region variant and two role profiles, all cold and
    at once (credential_process from five SDK clients): one code asked, none refused."""
    config = Path(roles_env["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "\n[profile dev2]\nsource_profile = dev\n")
    counter = tmp_path / "asked"
    script = _code_script(tmp_path, counter)
    refused_before = realism.refused.get("AccessDenied", 0)
    procs = [
        _start(roles_env, script, *args)
        for args in (
            ("--profile", "dev"),
            ("--profile", "dev", "--region", "eu-west-1"),
            ("--profile", "dev2"),
            ("--profile", "admin"),
            ("--profile", "audit"),
        )
    ]
    outs = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [o[1] for o in outs]
    assert counter.read_text().count("x") == 1
    assert realism.refused.get("AccessDenied", 0) == refused_before
    plain = {json.loads(o[0])["AccessKeyId"] for o in outs[:3]}
    assert len(plain) == 1  # the three plain requests share the one MFA session


@pytest.mark.real_time
def test_two_direct_roles_at_once_take_turns_at_the_device(roles_env, tmp_path, realism):
    """Two role profiles over 1 h each are assumed directly, each with its own code: the second
    waits for its turn and for the next code, and is never refused."""
    config = Path(roles_env["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text() + f"\n[profile chained2]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/admin\n"
        "source_profile = audit\nduration_seconds = 7200\n"
    )
    counter = tmp_path / "asked"
    script = _code_script(tmp_path, counter)
    refused_before = realism.refused.get("AccessDenied", 0)
    procs = [_start(roles_env, script, "--profile", p) for p in ("chained", "chained2")]
    outs = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    assert all("assumed directly" in o[1] for o in outs)
    assert counter.read_text().count("x") == 2
    assert realism.refused.get("AccessDenied", 0) == refused_before


@pytest.mark.real_time
def test_a_code_another_tool_just_used_is_never_sent_again(roles_env, tmp_path, realism, demo):
    """The console (or another tool) used this step's code a moment ago: AWS refuses it once,
    and the next try waits for the next code and runs the --totp-command again."""
    import pyotp

    from tests.support.realism import device_seed

    counter = tmp_path / "asked"
    script = _code_script(tmp_path, counter)
    boto3.client(
        "sts",
        endpoint_url=demo.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=demo.admin_access_key_id,
        aws_secret_access_key=demo.admin_secret_access_key,
    ).get_session_token(
        SerialNumber=SERIAL, TokenCode=pyotp.TOTP(device_seed(SERIAL)).at(CLOCK.time())
    )
    refused_before = realism.refused.get("AccessDenied", 0)
    proc = _start(roles_env, script, "--profile", "dev", "--no-cache")
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    refused = realism.refused.get("AccessDenied", 0) - refused_before
    asked = counter.read_text().count("x")
    # Refused once at most (the step may have turned between the two), never twice.
    assert refused <= 1 and asked == refused + 1
    if refused:
        assert "2 tries left" in err


def test_a_role_that_refused_direct_use_is_tried_directly_again_after_a_day(
    roles_env, mfa_code, monkeypatch
):
    """The role's trust policy did not name the user: remembered for a day (no code wasted on
    it), then tried again, since trust policies get fixed."""
    from wizard import clock
    from wizard.errors import UsageError
    from wizard.session import request

    tried = []
    real = request.assume_role_with_code

    def trust_fixed_later(services, role, duration, serial, code):  # noqa: ANN001, ANN202
        tried.append(clock.time())
        if len(tried) == 1:
            raise UsageError("not authorized to perform sts:AssumeRole", "fix", code="AccessDenied")
        return real(services, role, duration, serial, code)

    monkeypatch.setattr(request, "assume_role_with_code", trust_fixed_later)
    args = ("--profile", "chained", "--format", "json", "--no-cache")
    first = mfa_session(*args[:2], "--code", mfa_code(), *args[2:], env=roles_env)
    # The one --code went on the direct try: said plainly, with what to do (exit 2).
    assert first.returncode == 2 and "does not trust your user directly" in first.stderr
    assert "run again with the next code" in first.stderr
    assert len(tried) == 1
    # Within the day: straight through the chain, no direct try.
    clock.sleep(3600)
    again = mfa_session(*args[:2], "--code", mfa_code(), *args[2:], env=roles_env)
    assert again.returncode == 0, again.stderr
    assert len(tried) == 1 and "directly" not in again.stderr
    clock.sleep(24 * 3600)
    later = mfa_session(*args[:2], "--code", mfa_code(), *args[2:], env=roles_env)
    assert later.returncode == 0, later.stderr
    assert len(tried) == 2 and "assumed directly with your MFA code" in later.stderr


def test_a_security_key_only_user_is_told_why_and_what_to_add(profile_env, demo, monkeypatch):
    """kenji.mori has only a security key (seeded as AWS lists it): no code can unlock STS."""
    from tests.support.cli import mfa_session as run_session

    key = demo.services().iam.create_access_key(UserName="kenji.mori")["AccessKey"]
    Path(profile_env["AWS_CONFIG_FILE"]).write_text("[profile kenji]\nregion = us-east-1\n")
    Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[kenji]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    out = run_session("--profile", "kenji", "--code", "123456", env=profile_env)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "Skipping arn:aws:iam::123456789012:u2f/user/kenji.mori/yubikey-" in out.stderr
    assert "only MFA device is a security key or passkey" in out.stderr
    assert "--hardware SERIAL" in out.stderr
