"""A table of bad inputs a user can give: every one a clear message and an exit status, never a
traceback. Run in-process through the same entry points as the console scripts."""

from __future__ import annotations

import io

import pytest

from wizard.cli import main as cli
from wizard.cli import session as session_cli

# (command, argv, words expected in the message). "{endpoint}" is the moto server.
WIZARD_CASES = [
    (
        "unknown language for mfa-wizard",
        ["--lang", "fr", "audit"],
        "mfa-wizard: unknown language 'fr' for --lang: choose one of en, ja\n",
    ),
    ("audit root credentials without org", ["audit", "--root-credentials"], "goes with --org"),
    ("journal unknown format", ["journal", "--format", "xml"], "invalid choice"),
    ("enroll bad user name", ["enroll", "bad name"], "not a valid IAM user name"),
    ("enroll unknown user", ["enroll", "nobody"], "no IAM user named 'nobody'"),
    ("enroll device name with space", ["enroll", "dave.sato", "--device-name", "a b"], "' '"),
    (
        "enroll device name too long",
        ["enroll", "dave.sato", "--device-name", "x" * 300],
        "at most 226",
    ),
    (
        "enroll device name taken",
        ["enroll", "dave.sato", "--device-name", "lost-phone-frank"],
        "already exists",
    ),
    (
        "enroll hardware serial is an ARN",
        ["enroll", "dave.sato", "--hardware", "arn:aws:iam::123456789012:mfa/dave"],
        "not a hardware token's serial",
    ),
    (
        "enroll hardware serial too short",
        ["enroll", "dave.sato", "--hardware", "GA12"],
        "9 or more",
    ),
    (
        "enroll hardware no terminal for codes",
        ["enroll", "dave.sato", "--hardware", "GAHT12345678", "--yes"],
        "--codes FIRST,SECOND",
    ),
    ("enroll codes without hardware", ["enroll", "dave.sato", "--codes", "1,2"], "goes with"),
    (
        "enroll hardware one code",
        ["enroll", "dave.sato", "--hardware", "GAHT12345678", "--codes", "123456"],
        "not two codes",
    ),
    (
        "enroll key negative wait",
        ["enroll", "dave.sato", "--security-key", "--wait", "-5"],
        "1 to 3600",
    ),
    (
        "enroll key with a device name",
        ["enroll", "dave.sato", "--security-key", "--device-name", "x"],
        "drop --device-name",
    ),
    (
        "enroll hardware and key at once",
        ["enroll", "dave.sato", "--security-key", "--hardware", "GAHT12345678"],
        "not allowed with",
    ),
    ("devices unknown user", ["devices", "nobody"], "no IAM user named"),
    (
        "monitor members without groups",
        ["monitor", "plan", "--trail-admins", "a"],
        "add --cloudtrail",
    ),
    ("monitor iam-only without config", ["monitor", "plan", "--config-iam-only"], "add --config"),
    (
        "monitor unknown trail admin",
        ["monitor", "plan", "--cloudtrail-groups", "--trail-admins", "nobody"],
        "no IAM user named 'nobody'",
    ),
    (
        "monitor bad trail reader name",
        ["monitor", "plan", "--cloudtrail-groups", "--trail-readers", "a b"],
        "not a valid IAM user name",
    ),
    (
        "deactivate unknown serial",
        ["deactivate", "bob.tanaka", "arn:aws:iam::123456789012:mfa/nope", "--yes"],
        "has no MFA device",
    ),
    ("deactivate unknown user", ["deactivate", "nobody", "x", "--yes"], "no IAM user named"),
    (
        "enforce unknown user",
        ["enforce", "--users", "nobody", "--dry-run"],
        "no IAM user named 'nobody'",
    ),
    (
        "enforce bad group",
        ["enforce", "--group", "bad group", "--dry-run"],
        "not a valid IAM group name",
    ),
    (
        "enforce bad path",
        ["enforce", "--policy-path", "nopath", "--dry-run"],
        "not a valid IAM path",
    ),
    (
        "enforce bad policy name",
        ["enforce", "--policy-name", "a/b", "--dry-run"],
        "not a valid IAM policy name",
    ),
    ("enforce the admin itself", ["enforce", "--users", "admin", "--yes"], "refused"),
    ("scp apply without target", ["scp", "--apply"], "needs --target"),
    (
        "scp apply outside an organization",
        ["scp", "--apply", "--target", "r-abcd", "--yes"],
        "not in an AWS Organization",
    ),
    ("monitor bad email", ["monitor", "plan", "--email", "not-an-email"], "not an email address"),
    ("monitor bad time zone", ["monitor", "plan", "--timezone", "Tokyo"], "IANA"),
    ("monitor empty time zone", ["monitor", "plan", "--timezone", ""], "IANA"),
    (
        "monitor bad quiet hours",
        ["monitor", "plan", "--quiet-hours", "25:00-01:00", "--quiet-alarm", "x"],
        "not a time range",
    ),
    (
        "monitor quiet hours without alarm",
        ["monitor", "plan", "--quiet-hours", "18:00-09:00"],
        "need --quiet-alarm",
    ),
    (
        "monitor no-MFA alarm on schedule",
        [
            "monitor",
            "plan",
            "--quiet-hours",
            "18:00-09:00",
            "--quiet-alarm",
            "mfa-wizard-console-signin-without-mfa",
        ],
        "never notified later",
    ),
    ("monitor bad retention", ["monitor", "plan", "--retention", "42"], "retention"),
    (
        "monitor lifecycle order",
        ["monitor", "plan", "--glacier-days", "400", "--expire-days", "300"],
        "Glacier",
    ),
    (
        "monitor test before apply",
        ["monitor", "test-notification"],
        "apply the monitoring plan first",
    ),
    ("audit output into a file", ["audit", "--output", "{file}/x.csv"], "cannot write"),
    ("audit unknown profile", ["--profile", "nosuch", "audit"], "'nosuch'"),
    ("summary output into a file", ["summary", "--output", "{file}/x.md"], "cannot write"),
    ("verify output into a file", ["verify", "--output", "{file}/x.json"], "cannot write"),
    ("verify --org outside an organization", ["verify", "--org"], "not in an AWS Organization"),
    ("undo bad count", ["undo", "--last", "abc"], "not a whole number"),
    ("demo users without demo", ["--demo-users", "5", "audit"], "needs --demo"),
    ("unknown command", ["frobnicate"], "invalid choice"),
    ("demo-code with no demo running", ["demo-code", "--socket", "{file}"], "no demo is running"),
]

SESSION_CASES = [
    ("duration too short", ["--profile", "dev", "--duration", "10m"], "900-129600"),
    ("duration too long", ["--profile", "dev", "--duration", "40h"], "900-129600"),
    ("duration not a duration", ["--profile", "dev", "--duration", "soon"], "not a duration"),
    ("code too short", ["--profile", "dev", "--code", "12345", "--no-cache"], "5 digits"),
    ("code with letters", ["--profile", "dev", "--code", "12e456", "--no-cache"], "letters"),
    ("code with a dash", ["--profile", "dev", "--code", "123-456", "--no-cache"], "letters"),
    (
        "bad profile name to write",
        ["--profile", "dev", "--code", "123456", "--write-profile", "bad name"],
        "not a usable profile name",
    ),
    ("unknown profile", ["--profile", "nosuch", "--code", "123456", "--no-cache"], "'nosuch'"),
    ("unknown cache backend", ["--cache", "bogus"], "invalid choice"),
    ("unknown format", ["--format", "xml"], "invalid choice"),
    ("setup bad profile name", ["setup", "bad name"], "not a usable profile name"),
    ("unknown prompt driver", ["--prompt", "gnome"], "invalid choice"),
    (
        "unknown language for mfa-session",
        ["--lang=de", "--profile", "dev"],
        "mfa-session: unknown language 'de' for --lang: choose one of en, ja\n",
    ),
    ("list in an unknown format", ["list", "--format", "yaml"], "invalid choice"),
    ("clear an empty profile name", ["clear", ""], "an empty profile name"),
    ("clear two profiles", ["clear", "dev", "prod"], "unrecognized arguments"),
    (
        "root serial with a long session",
        [
            "--profile",
            "dev",
            "--serial",
            "arn:aws:iam::123456789012:mfa/root-account-mfa-device",
            "--duration",
            "2h",
            "--code",
            "123456",
            "--no-cache",
        ],
        "900-3600",
    ),
    (
        "totp command that fails",
        ["--profile", "dev", "--totp-command", "sh -c 'exit 3'", "--no-cache"],
        "exit 3",
    ),
]


def run_captured(entry, argv, capsys):
    try:
        code = entry(argv)
    except SystemExit as exc:  # argparse reports usage errors this way
        code = exc.code
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def demo_environment(demo, demo_env, monkeypatch, tmp_path):
    for key, value in demo_env.items():
        monkeypatch.setenv(key, value)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    return blocker


@pytest.mark.parametrize(("name", "argv", "words"), WIZARD_CASES, ids=[c[0] for c in WIZARD_CASES])
def test_mfa_wizard_bad_input(name, argv, words, demo_environment, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())  # never a terminal to confirm on
    argv = [a.replace("{file}", str(demo_environment)) for a in argv]
    code, text = run_captured(cli.run, argv, capsys)
    assert code not in (0, None), text
    assert words in text
    assert "Traceback" not in text


@pytest.fixture
def session_profile(demo, demo_env, monkeypatch, tmp_path):
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text(
        f"[profile dev]\nregion = us-east-1\nmfa_serial = {demo.admin_mfa_serial}\n"
    )
    (aws / "credentials").write_text(
        f"[dev]\naws_access_key_id = {demo.admin_access_key_id}\naws_secret_access_key = {demo.admin_secret_access_key}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", demo.endpoint_url)
    return aws


@pytest.mark.parametrize(
    ("name", "argv", "words"), SESSION_CASES, ids=[c[0] for c in SESSION_CASES]
)
def test_mfa_session_bad_input(name, argv, words, session_profile, capsys):
    code, text = run_captured(session_cli.run, argv, capsys)
    assert code not in (0, None), text
    assert words in text
    assert "Traceback" not in text


def test_malformed_config_file(session_profile, capsys):
    (session_profile / "config").write_text("[profile dev\nmfa_serial = x\n")
    code, text = run_captured(session_cli.run, ["--profile", "dev", "--code", "123456"], capsys)
    assert code == 2 and "not a valid AWS config file" in text and "Traceback" not in text


def test_no_network(session_profile, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    code, text = run_captured(
        session_cli.run, ["--profile", "dev", "--code", "123456", "--no-cache"], capsys
    )
    assert code != 0 and "could not reach" in text and "Traceback" not in text


def test_missing_credentials_file(session_profile, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing"))
    code, text = run_captured(
        session_cli.run, ["--profile", "dev", "--code", "123456", "--no-cache"], capsys
    )
    assert code == 2 and "no AWS credentials found" in text


def test_unparseable_credentials_file_for_write(session_profile, capsys):
    (session_profile / "credentials").write_text("[dev\naws_access_key_id=x\n")
    code, text = run_captured(
        session_cli.run,
        ["--profile", "dev", "--code", "123456", "--no-cache", "--write-profile", "x"],
        capsys,
    )
    assert code != 0 and "Traceback" not in text


def test_every_command_has_a_bad_input_case():
    # A new subcommand without a bad-input case fails here.
    from wizard.cli.main import build_parser

    parser, handlers = build_parser()
    commands = {name for name in handlers if name is not None}
    covered = {argv[0] for _, argv, _ in WIZARD_CASES if argv and not argv[0].startswith("-")}
    assert commands - covered - {"demo-server"} == set()
    assert len({c[0] for c in WIZARD_CASES + SESSION_CASES}) == len(WIZARD_CASES + SESSION_CASES)


@pytest.mark.real_time
def test_no_code_and_no_terminal_is_a_clear_error(session_profile):
    # A new session (setsid) has no controlling terminal: /dev/tty cannot be opened, for real.
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "wizard.cli.session", "--profile", "dev", "--no-cache"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert out.returncode == 2, out.stderr
    assert "no terminal to ask for the MFA code" in out.stderr and "--code" in out.stderr
    assert out.stdout == ""
