"""Command-line consistency, run the way people run it: exit codes, Ctrl-C at a confirmation,
what --demo leaves behind (nothing), a busy port, warnings that nobody will be notified."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import mfa_session, mfa_wizard
from tests.support.terminal import Terminal
from wizard import journal
from wizard.cli.main import run


def test_version(capsys):
    try:
        run(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.startswith("mfa-wizard 0.")


@pytest.mark.real_time
def test_ctrl_c_at_a_confirmation_exits_130_and_changes_nothing(services, demo_env):
    term = Terminal([sys.executable, "-m", "wizard", "enforce", "--all-console-users"], demo_env)
    term.wait_for("Apply these changes?")
    term.send_control("c")
    assert term.wait_exit() == 130
    assert "cancelled" in term.text() and "Traceback" not in term.text()
    groups = {g["GroupName"] for g in services.iam.list_groups()["Groups"]}
    assert "MFARequired" not in groups


@pytest.mark.real_time
def test_demo_touches_nothing_real(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MFA_WIZARD_"))}
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / ".local/state"))
    enforce = mfa_wizard("--demo", "enforce", "--all-console-users", "--yes", env=env)
    assert enforce.returncode == 0, enforce.stderr
    monitor = mfa_wizard(
        "--demo", "monitor", "apply", "--email", "sec@example.com", "--yes", env=env
    )
    assert monitor.returncode == 0, monitor.stderr
    assert not (home / ".aws").exists()
    assert not journal.journal_path().exists() or journal.read() == []
    real_journal = home / ".local/state/mfa-wizard/journal.jsonl"
    assert not real_journal.exists()


def test_journal_and_undo_are_keyed_by_endpoint(services, moto_server):
    # The same account id through another endpoint (a real account, say) sees none of it.
    journal.record(
        services,
        "enforce",
        "create_group",
        "MFARequired",
        undo={"op": "delete_group", "group": "MFARequired"},
    )

    class Elsewhere:
        effective_endpoint = None  # AWS itself

        def identity(self):
            return services.identity()

    assert journal.for_target(journal.read(), services)
    assert journal.for_target(journal.read(), Elsewhere()) == []
    from wizard.undo import undoable

    assert undoable(journal.read(), Elsewhere()) == []
    assert len(undoable(journal.read(), services)) == 1


@pytest.mark.real_time
def test_demo_server_on_a_busy_port_exits_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        out = subprocess.run(
            [sys.executable, "-m", "wizard", "demo-server", "--port", str(port)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert out.returncode == 2
    assert f"port {port}" in out.stderr and "already in use" in out.stderr


def test_monitor_without_email_says_nobody_will_be_notified(demo_env):
    plan = mfa_wizard("monitor", "plan", env=demo_env)
    assert "Nobody will be notified" in plan.stdout
    applied = mfa_wizard("monitor", "apply", "--yes", env=demo_env)
    assert applied.returncode == 0, applied.stderr
    asked = mfa_wizard("monitor", "test-notification", env=demo_env)
    assert asked.returncode == 1 and "pass --yes" in asked.stderr  # it emails: asked first
    test = mfa_wizard("monitor", "test-notification", "--yes", env=demo_env)
    assert test.returncode == 0 and "Nobody will receive it" in test.stdout
    with_email = mfa_wizard("monitor", "plan", "--email", "sec@example.com", env=demo_env)
    assert "Nobody will be notified" not in with_email.stdout


def test_credential_process_format_spelled_with_an_underscore(profile_env, mfa_code):
    out = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--format", "credential_process", env=profile_env
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Version"] == 1
    assert Path(profile_env["HOME"]).exists()


@pytest.mark.real_time
def test_a_reader_that_stops_early_gets_no_error(tmp_path):
    """`mfa-wizard journal | head`: head closes the pipe; that is not an error to report."""
    path = tmp_path / "journal.jsonl"
    entry = journal.Entry(
        "enroll", "enable_mfa_device", "alice " + "x" * 80, "123456789012", "us-east-1"
    )
    path.write_text("".join(json.dumps(entry.__dict__) + "\n" for _ in range(6000)))
    env = {**os.environ, "MFA_WIZARD_JOURNAL": str(path)}
    child = subprocess.Popen(
        [sys.executable, "-m", "wizard", "journal", "--all-accounts"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()  # as head does once it has its lines
    err = child.stderr.read().decode()
    assert child.wait(timeout=30) == 0
    assert "unexpected error" not in err and "BrokenPipe" not in err
