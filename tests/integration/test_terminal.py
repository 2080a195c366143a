"""Prompts in a real pseudo-terminal, the way a person meets them (pexpect, no monkeypatching).

`mfa-session` asks for the code on the controlling terminal: through `eval "$(...)"` in bash
(stdout captured), and through botocore's credential_process (stdout and stderr captured).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pexpect
import pytest

from tests.integration.conftest import SERIAL
from tests.support.terminal import interruptible
from wizard.session import codes

VENV_BIN = Path(sys.executable).parent
MFA_SESSION = str(VENV_BIN / "mfa-session")
pytestmark = [
    pytest.mark.skipif(
        not Path(MFA_SESSION).exists(),
        reason="the console scripts are installed by `pip install -e`",
    ),
    pytest.mark.real_time,  # the console scripts in a real pty, on the real clock
]


def cache_files(env: dict[str, str]) -> list[Path]:
    root = Path(env["XDG_CACHE_HOME"])
    # Session files (a miss lock file holds nothing).
    return [p for p in root.rglob("*.json") if p.is_file()] if root.exists() else []


def bash(env: dict[str, str]) -> pexpect.spawn:
    shell = pexpect.spawn(
        shutil.which("bash") or "/bin/bash",
        ["--norc", "--noprofile"],
        env={**env, "PS1": "$ ", "TERM": "xterm"},
        encoding="utf-8",
        dimensions=(24, 80),
        timeout=60,
    )
    shell.expect_exact("$ ")
    return shell


def test_eval_in_bash_asks_for_the_code_on_the_terminal_and_exports(profile_env, mfa_code):
    shell = bash(profile_env)
    shell.sendline(f'eval "$({MFA_SESSION} --profile dev)"')
    shell.expect_exact("MFA code for admin: ")
    code = mfa_code()
    shell.sendline(f"{code[:3]} {code[3:]}")  # typed as the app shows it
    shell.expect_exact("$ ")
    shell.sendline('test -n "$AWS_SESSION_TOKEN" && echo "token-${#AWS_SESSION_TOKEN}-set"')
    shell.expect(r"token-\d+-set")
    shell.sendline("echo $AWS_ACCESS_KEY_ID")
    shell.expect(r"(A[A-Z0-9]{15,})\r\n")
    # Temporary keys, not the long-term ones in ~/.aws/credentials.
    assert shell.match.group(1) not in Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
    assert cache_files(profile_env), "the session was cached for the next run"


def at_the_prompt(env: dict[str, str]) -> pexpect.spawn:
    """`mfa-session --profile dev` on its own terminal, waiting for the code."""
    child = pexpect.spawn(
        MFA_SESSION,
        ["--profile", "dev"],
        env=env,
        encoding="utf-8",
        timeout=60,
        preexec_fn=interruptible,
    )
    child.expect_exact("MFA code for admin: ")
    return child


def test_ctrl_c_at_the_prompt_exits_130_and_caches_nothing(profile_env):
    child = at_the_prompt(profile_env)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "cancelled" in child.before and "Traceback" not in child.before
    assert cache_files(profile_env) == []


def test_end_of_input_at_the_prompt_cancels_cleanly(profile_env):
    child = at_the_prompt(profile_env)
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "no MFA code given" in child.before and "Traceback" not in child.before
    assert cache_files(profile_env) == []


def test_credential_process_prompts_on_a_cache_miss_through_botocore(profile_env, mfa_code):
    # `mfa-session setup dev` writes [profile dev-mfa] credential_process = <this mfa-session>.
    setup = pexpect.run(
        MFA_SESSION, args=["setup", "dev"], env=profile_env, encoding="utf-8", withexitstatus=True
    )
    assert setup[1] == 0 and "Added profile dev-mfa" in setup[0]
    assert MFA_SESSION in Path(profile_env["AWS_CONFIG_FILE"]).read_text()
    script = (
        "import boto3\n"
        "s = boto3.Session(profile_name='dev-mfa')\n"
        "print('ARN', s.client('sts').get_caller_identity()['Arn'])\n"
        "print('TOKEN', bool(s.get_credentials().get_frozen_credentials().token))\n"
    )
    child = pexpect.spawn(
        sys.executable, ["-c", script], env=profile_env, encoding="utf-8", timeout=90
    )
    child.expect_exact("MFA code for admin: ")
    child.sendline(mfa_code())
    child.expect(r"ARN arn:aws:\S+:(\d{12}):")
    assert child.match.group(1) == SERIAL.split(":")[4]
    child.expect_exact("TOKEN True")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert child.match is not None


def test_a_code_just_used_is_waited_out_on_the_terminal_before_asking(
    profile_env, mfa_code, monkeypatch, tmp_path
):
    # The device's current code was accepted moments ago (another mfa-session run): AWS would
    # refuse it, so the prompt waits for the next code, counting down where the person looks.
    # The child runs on the test's shared virtual time: the wait skips ahead, for the realism
    # layer too, instead of taking up to 30 real seconds.
    from tests.support.clock import CHILD_CLOCK_ENV, CLOCK, child_command

    clock_file = CLOCK.share(tmp_path / "virtual-time")
    child_env = {**profile_env, CHILD_CLOCK_ENV: str(clock_file)}
    before = CLOCK.time()
    # Written as mfa-session writes it, under the child's cache directory.
    monkeypatch.setenv("XDG_CACHE_HOME", child_env["XDG_CACHE_HOME"])
    codes.remember_used(SERIAL, when=before)
    left = codes.seconds_until_fresh(SERIAL, now=before)
    program, *args = child_command("wizard.cli.session")
    child = pexpect.spawn(
        program,
        [*args, "--profile", "dev"],
        env=child_env,
        encoding="utf-8",
        timeout=45,
        preexec_fn=interruptible,
    )
    if left > 2:
        child.expect("was just used or refused; the next one in +\\d+ s")
    child.expect_exact("MFA code for admin: ")
    assert CLOCK.time() - before >= left - 1  # not asked before the used code was gone
    child.sendline(mfa_code())
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
