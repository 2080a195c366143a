"""Japanese on the command line (issue 28): --help, errors, the audit, mfa-session's prompt.

The machine has no ja_JP locale installed (`locale -a`): the catalogue is the package's own, so
`LANG=ja_JP.UTF-8` alone gives Japanese. Japanese takes two columns a character, so the tests
measure what a terminal shows (wizard.i18n.width), not len().
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.support.cli import mfa_session, mfa_wizard
from tests.support.english import english_left
from tests.support.terminal import interruptible
from wizard.i18n import width

VENV_BIN = Path(sys.executable).parent


def japanese(env: dict[str, str], **more: str) -> dict[str, str]:
    """`env` as a Japanese admin's shell has it: LANG only (no LANGUAGE, LC_ALL, LC_MESSAGES)."""
    out = {k: v for k, v in env.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    return {**out, "LANG": "ja_JP.UTF-8", **more}


@pytest.mark.real_time
def test_help_is_japanese_from_lang_alone_without_the_locale_installed():
    """A real interpreter, LANG=ja_JP.UTF-8 on a machine without that locale: argparse's own words
    and ours are Japanese, and every line fits an 80-column terminal."""
    env = japanese(dict(os.environ), COLUMNS="80")
    run = subprocess.run(
        [sys.executable, "-m", "wizard", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("使い方: mfa-wizard")
    assert "オプション:" in run.stdout
    assert "AWS アカウントの MFA を監査し" in run.stdout
    assert "このヘルプを表示して終了します" in run.stdout
    assert max(width(line) for line in run.stdout.splitlines()) <= 80


@pytest.mark.parametrize(
    "argv",
    [
        ["--lang", "ja", "--help"],
        ["audit", "--help", "--lang", "ja"],
        ["--lang=ja", "enroll", "-h"],
    ],
)
def test_lang_ja_gives_japanese_help_of_every_command_within_80_columns(argv, demo_env):
    out = mfa_wizard(*argv, env=demo_env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("使い方: mfa-wizard")
    assert "このヘルプを表示して終了します" in out.stdout
    assert max(width(line) for line in out.stdout.splitlines()) <= 80


def test_mfa_session_help_is_japanese_with_lang_ja(demo_env):
    out = mfa_session("--lang", "ja", "--help", env=demo_env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("使い方: mfa-session")
    assert "一時的な MFA セッションの認証情報を表示します" in out.stdout
    assert max(width(line) for line in out.stdout.splitlines()) <= 80


def test_lang_en_wins_over_a_japanese_environment(demo_env):
    out = mfa_wizard("--lang", "en", "--help", env=japanese(demo_env))
    assert out.stdout.startswith("usage: mfa-wizard") and "使い方" not in out.stdout


def test_an_unknown_lang_is_one_line_naming_the_languages(demo_env):
    for run, prog in ((mfa_wizard, "mfa-wizard"), (mfa_session, "mfa-session")):
        out = run("--lang", "fr", env=demo_env)
        assert out.returncode == 2
        assert out.stderr == f"{prog}: unknown language 'fr' for --lang: choose one of en, ja\n"


def test_no_credentials_is_said_in_japanese_with_its_fix():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # never reached: no credentials come first
    out = mfa_wizard("audit", env=japanese(env))
    assert out.returncode == 2
    assert out.stderr == (
        "mfa-wizard: AWS の認証情報が見つかりません。`aws configure` を実行するか、"
        "AWS_PROFILE を設定するか、`mfa-wizard --demo` を試してください\n"
    )


def test_the_audit_of_the_demo_account_in_japanese_keeps_its_columns(demo_env):
    out = mfa_wizard("audit", "--lang", "ja", env=demo_env)
    assert out.returncode == 1, out.stderr  # findings
    lines = out.stdout.splitlines()
    header, rows = lines[0], lines[1 : lines.index("")]
    assert header.split() == [
        "ユーザー",
        "パス",
        "コンソール",
        "MFA",
        "デバイス",
        "PW",
        "最終使用",
        "アクセスキー",
    ]
    assert any(row.startswith("alice.nakamura") and "なし!" in row for row in rows)
    # Aligned by terminal columns: each column starts at the same column on every line.
    starts = [width(header[: header.index(title)]) for title in ("パス", "MFA", "アクセスキー")]
    for row in rows:
        cells = row.split()
        found = [row.index(cells[1]), row.index(cells[3]), row.rindex(cells[-1])]
        assert [width(row[:at]) for at in found] == starts, row
    summary = next(line for line in lines if line.startswith("アカウント 123456789012:"))
    assert "ルートユーザーの MFA が無効です" in summary and "人が MFA なし" in summary
    # JSON stays for machines: keys and values are the English ones.
    data = mfa_wizard("audit", "--lang", "ja", "--format", "json", env=demo_env)
    assert '"console_users_without_mfa"' in data.stdout and "ユーザー" not in data.stdout


@pytest.mark.real_time
def test_the_mfa_session_prompt_is_japanese_under_lang_ja(profile_env, mfa_code):
    """`eval "$(mfa-session --profile dev)"` in bash on a real terminal, LANG=ja_JP.UTF-8: the
    prompt and the complaint about a mistyped code are Japanese, and the right code still gives
    the session."""
    shell = pexpect.spawn(
        shutil.which("bash") or "/bin/bash",
        ["--norc", "--noprofile"],
        env=japanese(profile_env, PS1="$ ", TERM="xterm"),
        encoding="utf-8",
        dimensions=(24, 80),
        timeout=60,
        preexec_fn=interruptible,
    )
    shell.expect_exact("$ ")
    shell.sendline(f'eval "$({VENV_BIN / "mfa-session"} --profile dev)"')
    shell.expect_exact("admin の MFA コード: ")
    shell.sendline("12345x")
    shell.expect_exact("MFA コードに英字か記号が含まれています: 6 桁の数字だけです。")
    shell.expect_exact("admin の MFA コード: ")
    shell.sendline(mfa_code())
    shell.expect_exact("$ ")
    shell.sendline('test -n "$AWS_SESSION_TOKEN" && echo "token-set"')
    shell.expect_exact("token-set")
    shell.sendline("exit")
    shell.expect(pexpect.EOF)


def test_no_english_message_is_left_in_japanese_output(demo_env, tmp_path):
    """A message marked only for extraction (N_) and shown without _() stays English: run the
    commands an admin runs, in Japanese, and look for any English message of the catalogue."""
    env = {**demo_env, "MFA_WIZARD_JOURNAL": str(tmp_path / "journal.jsonl")}
    runs = [
        ("audit",),
        ("summary",),
        ("verify",),
        ("devices", "alice.nakamura"),
        ("enforce", "--users", "dave.sato,erin.kobayashi", "--dry-run"),
        ("enforce", "--users", "dave.sato,erin.kobayashi", "--yes"),
        ("enforce", "--users", "dave.sato,erin.kobayashi", "--yes"),
        ("monitor", "plan", "--email", "sec@example.com"),
        ("monitor", "apply", "--email", "sec@example.com", "--yes"),
        ("monitor", "apply", "--email", "sec@example.com", "--yes"),
        ("verify",),
        ("summary",),
        ("journal",),
        ("monitor", "teardown", "--yes"),
        ("enforce", "--undo", "--yes"),
        ("enroll", "nobody.here"),
        ("enroll", "dave.sato", "--hardware", "GAHT12345678", "--codes", "123456,654321", "--yes"),
        ("devices", "dave.sato"),
        ("undo", "--yes"),
        ("undo", "--yes"),
        ("scp", "--preview"),
        ("scp", "--apply", "--yes"),
        ("monitor", "plan", "--cloudtrail-groups", "--trail-admins", "bob.tanaka"),
        ("monitor", "plan", "--config-recorder", "--minimal", "--iam-users-only"),
        ("monitor", "apply", "--cloudtrail-groups", "--config-recorder", "--minimal", "--yes"),
        ("monitor", "teardown", "--purge", "--yes"),
        ("undo", "--last", "50", "--yes"),
    ]
    shown = ""
    for args in runs:
        out = mfa_wizard("--lang", "ja", *args, env=env)
        shown += out.stdout + out.stderr
    assert "使い方" not in shown and "Traceback" not in shown
    assert english_left(shown) == []
