"""Prompt drivers (issue 25): where mfa-session asks for the code when a terminal is not the
place, each run for real: the installed `mfa-session` in a pseudo-terminal (or with no
controlling terminal at all), a stand-in executable on PATH for each desktop tool.

A stand-in records its argv and its environment, then prints the code AWS (the realism layer)
would take now, as the real zenity, kdialog, osascript or ykman would print what was typed or
read off the key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.integration.conftest import SERIAL
from tests.support.realism import AWS_LIKE
from tests.support.terminal import interruptible

MFA_SESSION = str(Path(sys.executable).parent / "mfa-session")
pytestmark = [
    AWS_LIKE,
    pytest.mark.skipif(not Path(MFA_SESSION).exists(), reason="installed by `pip install -e`"),
    pytest.mark.real_time,  # the installed script in a real pty, on the real clock
]


def stand_in(folder: Path, name: str, code: str, exit_status: int = 0) -> Path:
    """An executable `name` in `folder` that records how it was run and prints `code`."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    log = folder / f"{name}.json"
    program = (
        "import json, os, sys; "
        f"json.dump({{'argv': sys.argv[1:], 'env': sorted(os.environ)}}, open({str(log)!r}, 'w'))"
    )
    script.write_text(
        f'#!/bin/sh\n{sys.executable} -c "{program}" "$@"\necho {code}\nexit {exit_status}\n'
    )
    script.chmod(0o700)
    return log


def recorded(log: Path) -> dict:
    return json.loads(log.read_text())


def on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the installed mfa-session in its own pty; (exit status, everything it showed)."""
    child = pexpect.spawn(
        MFA_SESSION, argv, env=env, encoding="utf-8", timeout=60, preexec_fn=interruptible
    )
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def without_a_terminal(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the installed mfa-session in a new session: no controlling terminal at all, as a
    credential_process started by an IDE, a GUI tool or cron."""
    return subprocess.run(
        [MFA_SESSION, *argv],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        timeout=60,
    )


def with_path(env: dict[str, str], folder: Path, **extra: str) -> dict[str, str]:
    return {**env, "PATH": f"{folder}{os.pathsep}{env['PATH']}", **extra}


@pytest.mark.parametrize(
    ("driver", "how"),
    [("zenity", "option"), ("kdialog", "profile"), ("osascript", "environment")],
)
def test_a_desktop_dialog_asks_for_the_code_naming_the_profile(
    profile_env, mfa_code, tmp_path, driver, how
):
    bin_dir = tmp_path / "bin"
    log = stand_in(bin_dir, driver, mfa_code())
    env = with_path(profile_env, bin_dir)
    argv = ["--profile", "dev", "--format", "credential-process"]
    if how == "option":
        argv += ["--prompt", driver]
    elif how == "environment":
        env["MFA_SESSION_PROMPT"] = driver
    else:
        config = Path(env["AWS_CONFIG_FILE"])
        config.write_text(config.read_text() + f"mfa_prompt = {driver}\n")
    status, shown = on_a_terminal(argv, env)
    assert status == 0, shown
    assert '"AccessKeyId": "ASIA' in shown  # the session, though a terminal was there too
    call = recorded(log)
    text = call["argv"][-1].removeprefix("--text=")
    assert text.startswith("MFA code for profile dev") and "admin" in text
    if driver == "zenity":
        assert call["argv"][:1] == ["--entry"]
    elif driver == "kdialog":
        assert call["argv"][:3] == ["--title", "mfa-session", "--inputbox"]
    else:  # the text is an argument of the script, never part of its code
        assert call["argv"][0] == "-e" and text not in " ".join(call["argv"][:-1])
    # A scrubbed environment: the long-term keys (and anything AWS) never reach a driver.
    assert not [name for name in call["env"] if name.startswith("AWS_")]


def test_ykman_reads_the_code_off_the_key_after_asking_for_a_touch(profile_env, mfa_code, tmp_path):
    bin_dir = tmp_path / "bin"
    log = stand_in(bin_dir, "ykman", mfa_code())
    config = Path(profile_env["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "mfa_prompt = ykman\nmfa_ykman_account = aws:admin\n")
    status, shown = on_a_terminal(["--profile", "dev"], with_path(profile_env, bin_dir))
    assert status == 0, shown
    assert "touch your YubiKey" in shown and "profile dev" in shown
    assert recorded(log)["argv"] == ["oath", "accounts", "code", "--single", "aws:admin"]
    assert "export AWS_SESSION_TOKEN=" in shown


def test_ykman_defaults_to_the_serial_and_notifies_without_a_terminal(
    profile_env, mfa_code, tmp_path
):
    bin_dir = tmp_path / "bin"
    log = stand_in(bin_dir, "ykman", mfa_code())
    notified = stand_in(bin_dir, "notify-send", "")
    # No controlling terminal: the touch request is a notification.
    out = without_a_terminal(
        ["--profile", "dev", "--prompt", "ykman", "--format", "json"],
        with_path(profile_env, bin_dir),
    )
    assert out.returncode == 0, out.stderr
    assert recorded(log)["argv"][-1] == SERIAL
    assert "touch your YubiKey" in recorded(notified)["argv"][-1]


def test_the_command_driver_runs_the_profiles_command(profile_env, mfa_code, tmp_path):
    bin_dir = tmp_path / "bin"
    log = stand_in(bin_dir, "pass", mfa_code())
    config = Path(profile_env["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text() + f"mfa_prompt = command\nmfa_prompt_command = {bin_dir}/pass otp aws\n"
    )
    status, shown = on_a_terminal(["--profile", "dev"], profile_env)
    assert status == 0, shown
    assert recorded(log)["argv"] == ["otp", "aws"]


def test_with_no_terminal_the_first_desktop_dialog_found_asks(profile_env, mfa_code, tmp_path):
    bin_dir = tmp_path / "bin"
    log = stand_in(bin_dir, "kdialog", mfa_code())  # no zenity here: kdialog is the first found
    env = with_path(profile_env, bin_dir, DISPLAY=":0")
    out = without_a_terminal(["--profile", "dev", "--format", "credential-process"], env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Version"] == 1
    assert "profile dev" in recorded(log)["argv"][-1]


def test_with_no_terminal_and_no_dialog_it_fails_at_once_naming_both_choices(profile_env, tmp_path):
    env = {k: v for k, v in profile_env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = without_a_terminal(["--profile", "dev", "--format", "credential-process"], env)
    assert out.returncode == 2 and out.stdout == ""
    assert "no terminal to ask for the MFA code, and no desktop dialog" in out.stderr
    assert "--prompt" in out.stderr and "mfa_prompt" in out.stderr
    assert "the next one in" not in out.stderr  # no wait for a code nobody can give


def test_a_cancelled_dialog_exits_130_and_caches_nothing(profile_env, tmp_path):
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "zenity", "", exit_status=1)  # Cancel pressed
    status, shown = on_a_terminal(
        ["--profile", "dev", "--prompt", "zenity"], with_path(profile_env, bin_dir)
    )
    assert status == 130 and "dialog was cancelled" in shown and "Traceback" not in shown
    assert not list(Path(profile_env["XDG_CACHE_HOME"]).rglob("sessions/*.json"))


def test_a_driver_that_is_not_installed_is_named(profile_env):
    status, shown = on_a_terminal(["--profile", "dev", "--prompt", "kdialog"], profile_env)
    assert status == 2 and "needs 'kdialog', which is not on PATH" in shown
    status, shown = on_a_terminal(["--profile", "dev", "--prompt", "ykman"], profile_env)
    assert status == 2 and "needs 'ykman'" in shown
    assert "touch" not in shown  # no touch asked of a key nothing can read
    env = {**profile_env, "MFA_SESSION_PROMPT": "gnome"}
    status, shown = on_a_terminal(["--profile", "dev"], env)
    assert status == 2 and "MFA_SESSION_PROMPT 'gnome' is not a prompt driver" in shown
