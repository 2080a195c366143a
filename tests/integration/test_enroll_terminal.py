"""`mfa-wizard enroll` in a real 80x24 terminal: the QR is read back off the screen.

Every test here runs the installed command in a pseudo-terminal and looks at the screen as a
person would (tests/support/terminal.py); codes are typed at the prompt, never passed as options.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.aws import ORPHAN, good_codes, serials, unassigned
from tests.support.qrdecode import decode_half_blocks, modules_from_half_blocks, zbar_available
from tests.support.terminal import Terminal
from wizard.qr import otpauth_candidates, qr_matrix

pytestmark = pytest.mark.real_time  # the installed command in a real pty, on the real clock

LONG_NAME = "a" * 30 + ".very-long_name+ops=team,x@example.com"[: 64 - 30]


def enroll(demo_env, *args: str, rows: int = 24, columns: int = 80) -> Terminal:
    return Terminal(
        [sys.executable, "-m", "wizard", "enroll", *args], demo_env, columns=columns, rows=rows
    )


def pending_seed(services) -> str:
    """moto returns the seed in ListVirtualMFADevices (AWS does not): the test reads it there."""
    pages = services.iam.get_paginator("list_virtual_mfa_devices").paginate(
        AssignmentStatus="Unassigned"
    )
    for page in pages:
        for device in page["VirtualMFADevices"]:
            if device["SerialNumber"] != ORPHAN:
                seed = device["Base32StringSeed"]
                return seed.decode() if isinstance(seed, bytes) else seed
    raise AssertionError("no pending device")


def read_qr(term: Terminal, seed: str, device_name: str) -> str:
    """The URI in the QR on the screen: zbar when present, else the exact module matrix."""
    lines = term.qr_lines()
    assert lines, "no QR on the screen:\n" + "\n".join(term.lines())
    if zbar_available():
        return decode_half_blocks(lines)
    modules = modules_from_half_blocks(lines)
    for uri in otpauth_candidates(seed, device_name, "acme-demo"):
        matrix = [[int(m) for m in row] for row in qr_matrix(uri)]
        # An odd matrix's last row (the light quiet zone) shares a text row with nothing: the
        # screen shows it as blank cells, which qr_lines does not keep. Light is light.
        seen = modules + [[0] * len(matrix[0])] * (len(matrix) - len(modules))
        if seen[: len(matrix)] == matrix:
            return uri
    raise AssertionError("the QR on screen is not this device's")


def add_console_user(services, name: str) -> None:
    services.iam.create_user(UserName=name, Path="/people/")
    services.iam.create_login_profile(UserName=name, Password="Demo-Passw0rd-123!")


def test_enroll_reads_the_qr_off_the_screen_and_enables(services, demo_env):
    term = enroll(demo_env, "dave.sato", "--device-name", "dave-phone")
    term.wait_for("First code:")
    assert "Will create a virtual MFA device dave-phone for dave.sato" in term.text()
    seed = pending_seed(services)
    uri = read_qr(term, seed, "dave-phone")
    assert parse_qs(urlparse(uri).query)["secret"] == [seed]
    assert seed not in term.text()  # the key is only shown when asked for
    first, second = good_codes(seed)
    term.send_line(first[:3] + " " + first[3:])  # as the app shows it
    term.wait_for("Next code")
    term.send_line(second)
    term.wait_for("Enabled")
    assert term.wait_exit() == 0
    assert serials(services, "dave.sato") == {"arn:aws:iam::123456789012:mfa/dave-phone"}


def test_a_64_character_user_name_fits_80x24_whole(services, demo_env):
    assert len(LONG_NAME) == 64
    add_console_user(services, LONG_NAME)
    term = enroll(demo_env, LONG_NAME)
    term.wait_for("First code:")
    seed = pending_seed(services)
    lines = term.qr_lines()
    # The whole QR is on screen with the prompt below it: its top row did not scroll away.
    assert len(lines) <= 22
    assert parse_qs(urlparse(read_qr(term, seed, LONG_NAME)).query)["secret"] == [seed]
    first, second = good_codes(seed)
    term.send_line(first)
    term.wait_for("Next code")
    term.send_line(second)
    assert term.wait_exit() == 0
    assert len(serials(services, LONG_NAME)) == 1


def test_a_leftover_device_with_the_default_name_is_removed_on_request(services, demo_env):
    add_console_user(services, "bob+ops@example.com")
    leftover = services.iam.create_virtual_mfa_device(VirtualMFADeviceName="bob+ops@example.com")
    leftover_serial = leftover["VirtualMFADevice"]["SerialNumber"]
    term = enroll(demo_env, "bob+ops@example.com")
    term.wait_for("Remove that leftover")
    assert "assigned to nobody" in term.text()
    term.child.send(b"y")
    term.wait_for("First code:")
    assert f"Removed the leftover {leftover_serial}" in term.text()
    seed = pending_seed(services)
    first, second = good_codes(seed)
    term.send_line(first)
    term.wait_for("Next code")
    term.send_line(second)
    assert term.wait_exit() == 0
    assert serials(services, "bob+ops@example.com") == {leftover_serial}  # the name, reused
    assert unassigned(services) == {ORPHAN}


def test_a_leftover_kept_means_a_free_name(services, demo_env):
    services.iam.create_virtual_mfa_device(VirtualMFADeviceName="dave.sato")
    term = enroll(demo_env, "dave.sato")
    term.wait_for("Remove that leftover")
    term.child.send(b"n")
    term.wait_for("First code:")
    assert "Using the free name dave.sato-2" in term.text()
    term.send_control("c")
    assert term.wait_exit() == 130


def test_a_wrong_first_code_is_refused_before_the_second_is_asked(services, demo_env):
    term = enroll(demo_env, "dave.sato")
    term.wait_for("First code:")
    seed = pending_seed(services)
    current = set(good_codes(seed))
    wrong = next(c for c in ("000000", "111111", "222222") if c not in current)
    term.send_line(wrong)
    term.wait_for("Not that one")
    assert "does not match this device" in term.text()
    assert "Next code" not in term.text()
    term.send_control("c")
    assert term.wait_exit() == 130
    assert unassigned(services) == {ORPHAN}


def test_ctrl_c_at_the_code_prompt_rolls_back_and_exits_130(services, demo_env):
    term = enroll(demo_env, "dave.sato")
    term.wait_for("First code:")
    assert len(unassigned(services)) == 2
    term.send_control("c")
    assert term.wait_exit() == 130
    assert "cancelled" in term.text() and "Traceback" not in term.text()
    assert unassigned(services) == {ORPHAN}


def test_three_wrong_codes_give_up_and_roll_back(services, demo_env):
    term = enroll(demo_env, "dave.sato")
    for bad in ("12345", "abcdef", "12-456"):
        term.wait_for("First code:")
        term.send_line(bad)
        term.output = b""  # wait for the next prompt, not the one already seen
    assert term.wait_exit() == 1
    assert "gave up after 3" in term.text() and "Traceback" not in term.text()
    assert unassigned(services) == {ORPHAN}


def test_a_terminal_too_small_is_said_before_anything_is_created(services, demo_env):
    add_console_user(services, LONG_NAME)
    term = enroll(demo_env, LONG_NAME, rows=20)
    assert term.wait_exit() == 2
    assert "too small for the QR code" in term.text() and "--show-key" in term.text()
    assert "nothing was created" in term.text()
    assert unassigned(services) == {ORPHAN}


def test_show_key_with_stdout_in_a_file_keeps_the_key_on_the_terminal(services, demo_env, tmp_path):
    out = tmp_path / "out.txt"
    term = Terminal(
        [
            shutil.which("bash") or "/bin/bash",
            "-c",
            f"{sys.executable} -m wizard enroll dave.sato --show-key > {out}",
        ],
        demo_env,
    )
    term.wait_for("First code:")
    seed = pending_seed(services)
    shown = " ".join(seed[i : i + 4] for i in range(0, len(seed), 4))
    assert shown in term.text()
    term.send_control("c")
    term.wait_exit()
    written = out.read_text()
    assert "Will create" in written
    assert seed not in written.replace(" ", "") and "█" not in written and "▀" not in written


def test_no_terminal_at_all_is_refused_before_creating(services, demo_env):
    proc = subprocess.run(
        [sys.executable, "-m", "wizard", "enroll", "dave.sato"],
        capture_output=True,
        text=True,
        env=demo_env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no terminal to show the QR code on" in proc.stderr
    assert unassigned(services) == {ORPHAN}
    assert os.environ.get("AWS_ACCESS_KEY_ID") is None


def test_self_enrolment_of_the_calling_user(services, demo, demo_env):
    # dave.sato, with his own keys and no MFA, runs `mfa-wizard enroll` with no user name.
    key = services.iam.create_access_key(UserName="dave.sato")["AccessKey"]
    env = {
        **demo_env,
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }
    term = Terminal([sys.executable, "-m", "wizard", "enroll"], env)
    term.wait_for("First code:")
    assert "for dave.sato" in term.text()
    first, second = good_codes(pending_seed(services))
    term.send_line(first)
    term.wait_for("Next code")
    term.send_line(second)
    assert term.wait_exit() == 0
    assert serials(services, "dave.sato") == {"arn:aws:iam::123456789012:mfa/dave.sato"}


def test_self_enrolment_needs_an_iam_user():
    from wizard.cli.enroll import enroll_who
    from wizard.errors import UsageError
    from wizard.models import CallerIdentity

    class RoleSession:
        def identity(self):
            return CallerIdentity("1", "arn:aws:sts::1:assumed-role/Admin/me", "AROAX:me")

    with pytest.raises(UsageError, match="not as an IAM user"):
        enroll_who(RoleSession(), None)
    assert enroll_who(RoleSession(), "alice") == "alice"


def test_a_hang_up_rolls_back_like_ctrl_c(services, demo_env):
    # The terminal closes (SIGHUP) while the device waits for its codes: nothing is left behind.
    import signal

    term = enroll(demo_env, "dave.sato")
    term.wait_for("First code:")
    assert len(unassigned(services)) == 2
    term.child.kill(signal.SIGHUP)
    assert term.wait_exit() == 130
    assert unassigned(services) == {ORPHAN}


def test_a_hang_up_in_the_tui_with_a_qr_on_screen_rolls_back(services, demo_env):
    # The TUI, not the enroll command: a QR waits for its codes when the terminal closes.
    import signal

    term = Terminal([sys.executable, "-m", "wizard"], demo_env)
    term.wait_for("console users")
    term.child.send("2")
    term.wait_for("type a user name")
    term.child.send("\t")
    # Typed once the field has the keys (the footer says so): under load, text sent at once
    # could reach the step before its field took the focus.
    term.wait_for("Leave field")
    term.send_line("dave.sato")
    term.wait_for("Create and show QR")
    term.wait_for("no MFA device yet")
    term.child.send("\r")  # the Create button has the focus
    term.wait_for("Second")
    assert term.qr_lines(), "no QR on the screen:\n" + "\n".join(term.lines())
    assert len(unassigned(services)) == 2  # the orphan and dave.sato's pending device
    term.child.kill(signal.SIGHUP)
    assert term.wait_exit() == 128 + signal.SIGHUP
    assert unassigned(services) == {ORPHAN}
    assert serials(services, "dave.sato") == set()


# ----------------------------------------------------------------------------- other kinds


def test_a_hardware_token_at_the_terminal_refused_pair_then_enabled(services, demo_env, realism):
    """Serial, a question, two presses typed at the prompt; AWS (the layer) refuses a wrong pair,
    and the next pair, pressed anew, is enabled."""
    import time

    token = realism.hardware_token("GAHT12345678")
    term = enroll(demo_env, "dave.sato", "--hardware", "GAHT12345678")
    term.wait_for("Go ahead?")
    assert "Will enable the hardware token GAHT12345678 for dave.sato" in term.text()
    term.child.send(b"y")
    term.wait_for("First code (press the button):")
    term.send_line("12345")  # a typo is asked again at once, and costs no try
    term.wait_for("Not that one: The code has 5 digits")
    term.send_line("123456")
    term.wait_for("Next code (press again):")
    term.send_line("654321")
    term.wait_for("Press the token's button again")
    assert "did not accept the two codes" in term.text() and "2 tries left" in term.text()
    now = time.time()  # the child runs on the real clock
    term.send_line(token.at(now - 30))
    term.wait_for("Next code (press again):")
    term.send_line(token.at(now))
    assert term.wait_exit() == 0, term.text()
    assert "Enabled the hardware token GAHT12345678 for dave.sato." in term.text()
    assert serials(services, "dave.sato") == {"GAHT12345678"}


def test_ctrl_c_while_waiting_for_a_security_key_changes_nothing(services, demo_env):
    term = enroll(demo_env, "erin.kobayashi", "--security-key", "--wait", "60")
    term.wait_for("Waiting for erin.kobayashi's new key")
    assert "users/details/erin.kobayashi?section=security_credentials" in term.text().replace(
        "\n", ""
    )
    term.send_control("c")
    assert term.wait_exit() == 130
    assert "Stopped waiting. Nothing was changed." in term.text()
    assert "Traceback" not in term.text()
    assert serials(services, "erin.kobayashi") == set()
