"""mfa-session against a moto server: formats, cache, profiles, credential_process, errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from tests.support.cli import hit_imports, mfa_session, mfa_session_process
from tests.support.realism import AWS_LIKE
from wizard.errors import CredentialsError, UsageError
from wizard.session.cache import FileCache
from wizard.session.credentials import SessionCredentials, parse_duration, render
from wizard.session.keys import cache_key, identity_hash
from wizard.session.profiles import read_profile, setup_credential_process, write_profile
from wizard.session.token import WrongMfaCodeError, ensure_long_term, get_session_token, obtain

pytestmark = AWS_LIKE

SERIAL = "arn:aws:iam::123456789012:mfa/admin"


def ADMIN_KEY(env: dict[str, str]) -> str:  # noqa: N802 - reads like the constant it stands for
    """The long-term key id of profile dev (the demo admin's), as the credentials file has it."""
    text = Path(env["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    return text.split("[dev]")[1].split("aws_access_key_id = ")[1].split("\n")[0].strip()


def session_from_json(text: str) -> dict:
    doc = json.loads(text)
    assert set(doc) >= {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    return doc


def test_env_format_sourced_by_a_real_bash(profile_env, mfa_code):
    out = mfa_session("--profile", "dev", "--code", mfa_code(), env=profile_env)
    assert out.returncode == 0, out.stderr
    script = (
        out.stdout
        + 'printf "%s\\n%s\\n%s\\n%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION"'
    )
    values = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    access, secret, token, expiration = values[:4]
    assert access.startswith("A") and secret and len(token) > 40
    assert datetime.fromisoformat(expiration.replace("Z", "+00:00")) > datetime.now(
        UTC
    ) + timedelta(hours=11)
    # The exported credentials work for a call.
    sts = boto3.client(
        "sts",
        endpoint_url=profile_env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )
    assert sts.get_caller_identity()["Account"] == "123456789012"


@pytest.mark.parametrize("fmt", ["json", "credential-process", "dotenv", "fish", "powershell"])
def test_every_format_parses_back(profile_env, fmt, mfa_code):
    out = mfa_session("--profile", "dev", "--code", mfa_code(), "--format", fmt, env=profile_env)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    if fmt in {"json", "credential-process"}:
        doc = session_from_json(text)
        if fmt == "credential-process":
            assert doc["Version"] == 1
        parsed = {"AWS_ACCESS_KEY_ID": doc["AccessKeyId"], "AWS_SESSION_TOKEN": doc["SessionToken"]}
    elif fmt == "dotenv":
        parsed = dict(line.split("=", 1) for line in text.splitlines())
    elif fmt == "fish":
        parsed = {}
        for line in text.splitlines():
            assert line.startswith("set -gx ") and line.endswith("';")
            name, value = line[len("set -gx ") : -1].split(" ", 1)
            parsed[name] = value.strip("'")
    else:
        parsed = {}
        for line in text.splitlines():
            name, value = line.split(" = ", 1)
            assert name.startswith("$Env:")
            parsed[name[len("$Env:") :]] = value.strip("'")
    assert parsed["AWS_ACCESS_KEY_ID"].startswith("A")
    assert len(parsed["AWS_SESSION_TOKEN"]) > 40
    assert "mfa-session" not in text  # nothing but the output on stdout


def test_cache_hit_needs_no_code_and_is_0600(profile_env, mfa_code):
    first = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--format", "json", env=profile_env
    )
    assert first.returncode == 0
    second = mfa_session("--profile", "dev", "--format", "json", env=profile_env)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
    cache = Path(profile_env["XDG_CACHE_HOME"]) / "mfa-wizard" / "sessions"
    files = sorted(cache.glob("*.json"))
    # The profile's session, and the device's copy for another profile on the same keys.
    assert [f.name.split("-")[0] for f in files] == ["_device", "dev"]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    # Never in the project tree.
    assert not str(files[0]).startswith(str(Path.cwd()))


@pytest.mark.real_time
def test_cache_hit_imports_neither_boto3_nor_keyring_nor_textual(profile_env, mfa_code):
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=profile_env).returncode == 0
    status, heavy, stdout = hit_imports("dev", profile_env)
    assert (status, heavy) == (0, [])
    assert json.loads(stdout)["Version"] == 1


def test_cache_hit_needs_more_than_fifteen_minutes(tmp_path):
    # botocore refreshes credential_process credentials 15 minutes before expiry.
    cache = FileCache(tmp_path / "c")
    owner = identity_hash("AKIAEXAMPLE", SERIAL, None, None)
    key = cache_key("dev", owner)
    soon = SessionCredentials("ASIA1", "s", "t", datetime.now(UTC) + timedelta(minutes=14), owner)
    cache.save(key, soon)
    assert cache.load(key) is not None and not cache.load(key).serves(owner, None)
    later = SessionCredentials("ASIA2", "s", "t", datetime.now(UTC) + timedelta(minutes=16), owner)
    cache.save(key, later)
    assert cache.load(key).serves(owner, None)
    assert not cache.load(key).serves(identity_hash("AKIAOTHER", SERIAL, None, None), None)
    assert not cache.load(key).serves("", None)
    # A cache file others can read is not trusted.
    os.chmod(cache.path(key), 0o644)
    assert cache.load(key) is None and not cache.path(key).exists()
    # A damaged file is a miss, not an error.
    cache.path(key).write_text("{not json")
    os.chmod(cache.path(key), 0o600)
    assert cache.load(key) is None


def test_expired_cache_entry_is_refreshed(profile_env, mfa_code):
    cache = FileCache(Path(profile_env["XDG_CACHE_HOME"]) / "mfa-wizard" / "sessions")
    owner = identity_hash(ADMIN_KEY(profile_env), SERIAL, profile_env["AWS_ENDPOINT_URL"], None)
    key = cache_key("dev", owner)
    cache.save(
        key,
        SessionCredentials(
            "ASIAOLDOLD", "s", "t", datetime.now(UTC) + timedelta(minutes=10), owner
        ),
    )
    # No code available and the entry is about to expire: it must ask (and fail: no terminal).
    out = mfa_session("--profile", "dev", "--format", "json", env=profile_env)
    assert out.returncode == 2 and "no terminal to ask for the MFA code" in out.stderr
    out = mfa_session("--profile", "dev", "--format", "json", "--code", mfa_code(), env=profile_env)
    assert json.loads(out.stdout)["AccessKeyId"] != "ASIAOLDOLD"


def test_write_profile_keeps_comments_and_other_profiles(profile_env, monkeypatch, mfa_code):
    creds_file = Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"])
    before = creds_file.read_text()
    out = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--write-profile", "dev-mfa", env=profile_env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""  # nothing on stdout unless a --format was asked for
    after = creds_file.read_text()
    assert after.startswith(before.rstrip("\n"))  # every earlier line kept, byte for byte
    assert "# keep this comment" in after and "[other]  # another profile" in after
    assert "[dev-mfa]" in after and "aws_session_token = " in after
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    # boto3 reads the new profile.
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds_file))
    monkeypatch.setenv("AWS_CONFIG_FILE", profile_env["AWS_CONFIG_FILE"])
    session = boto3.Session(profile_name="dev-mfa")
    assert session.get_credentials().token
    # A second write replaces the session in place (no duplicate section).
    mfa_session("--profile", "dev", "--write-profile", "dev-mfa", env=profile_env)
    assert creds_file.read_text().count("[dev-mfa]") == 1


def test_write_profile_refuses_long_term_keys_without_force(profile_env, mfa_code):
    out = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--write-profile", "other", env=profile_env
    )
    assert out.returncode == 2 and "holds long-term access keys" in out.stderr
    assert "AKIAOTHEROTHEROTHER1" in Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    forced = mfa_session("--profile", "dev", "--write-profile", "other", "--force", env=profile_env)
    assert forced.returncode == 0
    assert (
        "AKIAOTHEROTHEROTHER1" not in Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"]).read_text()
    )


def test_write_profile_where_no_file_can_be_is_a_clear_error(tmp_path):
    # A parent that is a file, not a directory: fails for root too (CI runs as root).
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    target = blocker / "credentials"
    with pytest.raises(UsageError, match="cannot write"):
        write_profile("y", SessionCredentials("A", "s", "t", datetime.now(UTC)), path=target)
    assert blocker.read_text() == "x"


@pytest.mark.real_time
def test_setup_credential_process_used_by_botocore(profile_env, monkeypatch, mfa_code):
    """A real boto3 Session through botocore's own credential_process provider."""
    for key, value in profile_env.items():
        monkeypatch.setenv(key, value)
    config = Path(profile_env["AWS_CONFIG_FILE"])
    # The command must run with the test's environment and this interpreter.
    monkeypatch.setattr(
        "wizard.session.profiles.command_for_credential_process",
        lambda profile: (
            f"{sys.executable} -c 'from wizard.cli.session import main; main()' --profile {profile} --format credential-process"
        ),
    )
    name, changed = setup_credential_process("dev")
    assert (name, changed) == ("dev-mfa", True)
    assert setup_credential_process("dev") == ("dev-mfa", False)  # idempotent
    text = config.read_text()
    assert text.startswith("# my config\n[profile dev]") and "[profile dev-mfa]" in text
    assert "region = us-east-1" in text.split("[profile dev-mfa]")[1]
    # Fill the cache once (as a person would at the terminal), then botocore takes over.
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=profile_env).returncode == 0
    session = boto3.Session(profile_name="dev-mfa")
    creds = session.get_credentials().get_frozen_credentials()
    assert creds.token and creds.access_key.startswith("A")
    sts = session.client("sts", endpoint_url=profile_env["AWS_ENDPOINT_URL"])
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_setup_command_line(profile_env):
    run = lambda *a: mfa_session(*a, env=profile_env)  # noqa: E731
    first = run("setup", "dev")
    assert first.returncode == 0 and "Added profile dev-mfa" in first.stdout
    second = run("setup", "dev")
    assert "nothing to do" in second.stdout
    bad = run("setup", "bad name")
    assert bad.returncode == 2 and "not a usable profile name" in bad.stderr


def test_reads_profile_settings_like_the_cli(tmp_path):
    config = tmp_path / "config"
    config.write_text(
        "[default]\nregion = eu-west-1\n"
        "[profile base]\nmfa_serial = arn:aws:iam::1:mfa/base\n"
        "[profile work]\nsource_profile = base\nduration_seconds = 3600\nregion = ap-northeast-1\n"
    )
    work = read_profile("work", config)
    assert work.source_profile == "base" and work.mfa_serial == "arn:aws:iam::1:mfa/base"
    assert work.duration_seconds == 3600 and work.region == "ap-northeast-1"
    assert read_profile("default", config).region == "eu-west-1"
    assert read_profile("missing", config).mfa_serial is None
    config.write_text("[profile broken\nx")
    with pytest.raises(UsageError, match="not a valid AWS config file"):
        read_profile("x", config)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("900", 900), ("12h", 43200), ("90m", 5400), ("36h", 129600), ("1d", 86400)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["899", "37h", "0", "2d", "soon", "-5", "1.5h"])
def test_durations_out_of_range_are_refused_with_the_range(text):
    with pytest.raises(UsageError) as info:
        parse_duration(text)
    assert "900-129600" in info.value.fix or "12h" in info.value.fix


def test_bad_duration_refused_before_any_aws_call(profile_env):
    out = mfa_session(
        "--profile",
        "dev",
        "--duration",
        "48h",
        env={**profile_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
    )
    assert out.returncode == 2 and "900-129600" in out.stderr


# ------------------------------------------------------------------ STS errors moto cannot produce


def stubbed_sts():
    client = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIAX", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def token_response():
    return {
        "Credentials": {
            "AccessKeyId": "ASIASTUBBEDSTUBBED12",
            "SecretAccessKey": "stubbedsecret",
            "SessionToken": "stubbedtoken" * 10,
            "Expiration": datetime.now(UTC) + timedelta(hours=12),
        }
    }


def test_wrong_code_is_asked_again_up_to_three_times():
    client, stub = stubbed_sts()
    for _ in range(2):
        stub.add_client_error(
            "get_session_token", service_error_code="AccessDenied", http_status_code=403
        )
    said: list[str] = []
    codes = iter(["12345", "111111", "222222", "333333"])
    with stub, pytest.raises(WrongMfaCodeError, match="3 times of asking"):
        obtain(client, SERIAL, 3600, lambda serial: next(codes), on_retry=said.append)
    # A bad format is refused without calling STS, and it counts as one of the three tries
    # (a --totp-command printing garbage must end, never loop).
    assert "5 digits" in said[0] and "2 tries left" in said[0]
    assert sum("refused the MFA code" in s for s in said) == 1
    assert next(codes) == "333333"  # asked three times in all


def test_wrong_then_right_code():
    client, stub = stubbed_sts()
    stub.add_client_error(
        "get_session_token", service_error_code="AccessDenied", http_status_code=403
    )
    stub.add_response(
        "get_session_token",
        token_response(),
        {"SerialNumber": SERIAL, "TokenCode": "222222", "DurationSeconds": 3600},
    )
    codes = iter(["111111", "222222"])
    with stub:
        creds = obtain(client, SERIAL, 3600, lambda serial: next(codes))
    assert creds.access_key_id == "ASIASTUBBEDSTUBBED12"
    assert "stubbedsecret" not in repr(creds) and "stubbedtoken" not in repr(creds)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("ExpiredToken", "expired"),
        ("InvalidClientTokenId", "not valid"),
        ("SignatureDoesNotMatch", "secret access key"),
    ],
)
def test_expired_or_revoked_keys_are_named(code, words):
    client, stub = stubbed_sts()
    stub.add_client_error("get_session_token", service_error_code=code, http_status_code=403)
    with stub, pytest.raises(CredentialsError) as info:
        get_session_token(client, SERIAL, "123456", 3600)
    assert words in info.value.message


def test_session_credentials_are_refused_early():
    session = boto3.Session(
        aws_access_key_id="ASIAX",
        aws_secret_access_key="s",
        aws_session_token="t",
        region_name="us-east-1",
    )
    with pytest.raises(CredentialsError, match="already session"):
        ensure_long_term(session, "dev")


def test_session_token_in_env_is_refused_on_the_command_line(profile_env, mfa_code):
    env = {
        **profile_env,
        "AWS_ACCESS_KEY_ID": "ASIAXXXX",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_SESSION_TOKEN": "t",
    }
    out = mfa_session("--code", mfa_code(), "--no-cache", "--serial", SERIAL, env=env)
    assert out.returncode == 2 and "already session" in out.stderr and "long-term" in out.stderr


def test_no_credentials_at_all(profile_env, tmp_path, mfa_code):
    env = {**profile_env, "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    out = mfa_session("--profile", "dev", "--code", mfa_code(), "--no-cache", env=env)
    assert (
        out.returncode == 2
        and "no AWS credentials found" in out.stderr
        and "Traceback" not in out.stderr
    )


def test_unknown_profile(profile_env, mfa_code):
    out = mfa_session("--profile", "nosuch", "--code", mfa_code(), env=profile_env)
    assert out.returncode == 2 and "'nosuch'" in out.stderr and "Traceback" not in out.stderr


def test_device_discovered_without_mfa_serial(profile_env, mfa_code):
    config = Path(profile_env["AWS_CONFIG_FILE"])
    config.write_text("[profile dev]\nregion = us-east-1\n")
    out = mfa_session("--profile", "dev", "--code", mfa_code(), "--format", "json", env=profile_env)
    assert out.returncode == 0, out.stderr
    assert f"Using MFA device {SERIAL}" in out.stderr
    # Cached under the same key: a second call needs no code.
    again = mfa_session("--profile", "dev", "--format", "json", env=profile_env)
    assert again.returncode == 0


@pytest.mark.real_time
def test_keyring_backend_opt_in(profile_env, tmp_path, mfa_code):
    """With a keyring module present, the keyring holds the session and no cache file is written."""
    fake = tmp_path / "fakekeyring"
    fake.mkdir()
    (fake / "keyring.py").write_text(
        "import json, os\nP=os.environ['FAKE_KEYRING']\n"
        "def _l():\n    return json.load(open(P)) if os.path.exists(P) else {}\n"
        "def get_password(s, k):\n    return _l().get(s + k)\n"
        "def set_password(s, k, v):\n    d = _l(); d[s + k] = v; json.dump(d, open(P, 'w'))\n"
        "def delete_password(s, k):\n    pass\n"
        "class SecretServiceKeyring:\n    priority = 5\n"
        "def get_keyring():\n    return SecretServiceKeyring()\n"
    )
    env = {
        **profile_env,
        "PYTHONPATH": f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "FAKE_KEYRING": str(tmp_path / "ring.json"),
    }
    # A subprocess: the product finds the keyring module on its PYTHONPATH, as a user's would.
    out = mfa_session_process(
        "--profile", "dev", "--code", mfa_code(), "--cache", "keyring", env=env
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "ring.json").exists()
    cache_root = Path(profile_env["XDG_CACHE_HOME"]) / "mfa-wizard"
    assert not list(cache_root.rglob("*.json"))  # only the miss lock, never a session file
    hit = mfa_session_process("--profile", "dev", "--cache", "keyring", "--format", "json", env=env)
    assert hit.returncode == 0


def test_keyring_missing_is_a_clear_error(profile_env, mfa_code):
    out = mfa_session(
        "--profile",
        "dev",
        "--code",
        mfa_code(),
        "--cache",
        "keyring",
        env={**profile_env, "PYTHONPATH": ""},
    )
    if out.returncode == 0:
        pytest.skip("a real keyring package is installed here")
    assert out.returncode == 2 and "needs the keyring package" in out.stderr


def test_render_formats_quote_safely():
    creds = SessionCredentials("AKIA'X", "se'cret\\", "tok en", datetime(2030, 1, 1, tzinfo=UTC))
    bash = render(creds, "env")
    out = subprocess.run(
        ["bash", "-c", bash + 'printf "%s|%s" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"'],
        capture_output=True,
        text=True,
    )
    assert out.stdout == "se'cret\\|tok en"
    assert "$Env:AWS_ACCESS_KEY_ID = 'AKIA''X'" in render(creds, "powershell")
    assert "2030-01-01T00:00:00Z" in render(creds, "credential-process")


def test_nothing_secret_in_error_output(profile_env, mfa_code):
    out = mfa_session("--profile", "dev", "--code", mfa_code(), env=profile_env)
    secret = next(line for line in out.stdout.splitlines() if "SECRET" in line).split("=", 1)[1]
    bad = mfa_session("--profile", "dev", "--write-profile", "other", env=profile_env)
    assert secret not in bad.stderr and "aws_session_token" not in bad.stderr
    assert time.time()  # keep the import used


# ------------------------------------------------------------------ the safety pass (cache)


def test_another_identity_never_gets_the_cached_session(profile_env, demo, services, mfa_code):
    first = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--format", "json", env=profile_env
    )
    assert first.returncode == 0, first.stderr
    admin_session = json.loads(first.stdout)["AccessKeyId"]
    # Same profile name, another user's long-term keys: a miss (asks, and there is no terminal).
    other = services.iam.create_access_key(UserName="dave.sato")["AccessKey"]
    creds = Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"])
    creds.write_text(creds.read_text().replace(demo.admin_access_key_id, other["AccessKeyId"]))
    swapped = mfa_session("--profile", "dev", "--format", "json", env=profile_env)
    assert admin_session not in swapped.stdout
    assert swapped.returncode == 2 and "no terminal" in swapped.stderr
    # No keys at all: nothing served either.
    creds.write_text("")
    none = mfa_session("--profile", "dev", "--format", "json", env=profile_env)
    assert admin_session not in none.stdout and none.returncode != 0


def test_a_different_duration_is_a_miss(profile_env, mfa_code):
    long = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--format", "json", env=profile_env
    )
    assert long.returncode == 0
    short = mfa_session(
        "--profile", "dev", "--duration", "15m", "--format", "json", env=profile_env
    )
    assert short.returncode == 2 and "no terminal" in short.stderr  # not the 12 h session
    same = mfa_session("--profile", "dev", "--format", "json", env=profile_env)
    assert json.loads(same.stdout)["AccessKeyId"] == json.loads(long.stdout)["AccessKeyId"]


@pytest.mark.real_time
def test_two_misses_at_once_ask_once(profile_env, tmp_path, mfa_code):
    counter = tmp_path / "asked"
    script = tmp_path / "code.sh"
    script.write_text(f"#!/bin/sh\necho x >> {counter}\nsleep 1\necho {mfa_code()}\n")
    script.chmod(0o700)
    argv = [
        sys.executable,
        "-m",
        "wizard.cli.session",
        "--profile",
        "dev",
        "--format",
        "credential-process",
        "--totp-command",
        str(script),
    ]
    procs = [
        subprocess.Popen(
            argv,
            env=profile_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert counter.read_text().count("x") == 1
    assert json.loads(outs[0][0])["AccessKeyId"] == json.loads(outs[1][0])["AccessKeyId"]


def test_totp_command_is_not_a_shell_gets_no_keys_and_gives_up_on_garbage(profile_env, tmp_path):
    seen = tmp_path / "env"
    script = tmp_path / "code.sh"
    script.write_text(f"#!/bin/sh\nenv > {seen}\necho 'not a code'\necho 'token locked' >&2\n")
    script.chmod(0o700)
    env = {**profile_env, "AWS_SECRET_ACCESS_KEY": "SHOULD-NOT-LEAK", "AWS_ACCESS_KEY_ID": "AKIAX"}
    out = mfa_session(
        "--profile",
        "dev",
        "--no-cache",
        "--totp-command",
        f"{script} ; touch {tmp_path}/pwned",
        env=env,
        timeout=60,
    )
    # Split like a shell, run without one: "; touch" is two more arguments, not a command.
    assert not (tmp_path / "pwned").exists()
    assert out.returncode != 0 and "3 times of asking" in out.stderr
    assert "token locked" in out.stderr  # its stderr is shown
    assert "SHOULD-NOT-LEAK" not in seen.read_text() and "AKIAX" not in seen.read_text()


def test_write_profile_name_with_a_newline_is_refused(profile_env, mfa_code):
    out = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--write-profile", "dev\n", env=profile_env
    )
    assert out.returncode == 2 and "not a usable profile name" in out.stderr
    import configparser

    configparser.RawConfigParser().read(profile_env["AWS_SHARED_CREDENTIALS_FILE"])


def test_values_written_to_ini_files_never_hold_a_line_break_or_bracket(
    profile_env, mfa_code, tmp_path
):
    """Wherever a value comes from (--region, a profile's settings, --serial, ListMFADevices),
    a line break in it would write a section or keys of the attacker's choosing."""
    from wizard.errors import UsageError
    from wizard.session.profiles import save_mfa_serial, setup_credential_process

    creds_file = Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"])
    before = creds_file.read_text()
    evil_region = "us-east-1\n[default]\naws_access_key_id = AKIAATTACKER"
    out = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--write-profile", "dev-mfa",
        "--region", evil_region, env=profile_env,
    )  # fmt: skip
    assert out.returncode == 2 and "cannot be written" in out.stderr and "region" in out.stderr
    assert creds_file.read_text() == before  # nothing half-written
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = eu-west-1 [x]\n")
    with pytest.raises(UsageError, match="region"):
        setup_credential_process("dev", path=config)
    with pytest.raises(UsageError, match="mfa_serial"):
        save_mfa_serial("dev", "arn:aws:iam::1:mfa/a\n[profile x]", path=config)
    assert config.read_text() == "[profile dev]\nregion = eu-west-1 [x]\n"


def test_write_profile_through_a_symlink_keeps_the_link(profile_env, tmp_path, mfa_code):
    real = Path(profile_env["AWS_SHARED_CREDENTIALS_FILE"])
    moved = tmp_path / "dotfiles-credentials"
    moved.write_text(real.read_text())
    real.unlink()
    real.symlink_to(moved)
    out = mfa_session(
        "--profile", "dev", "--code", mfa_code(), "--write-profile", "dev-mfa", env=profile_env
    )
    assert out.returncode == 0, out.stderr
    assert real.is_symlink() and real.resolve() == moved.resolve()
    assert "[dev-mfa]" in moved.read_text()
    assert stat.S_IMODE(moved.stat().st_mode) == 0o600


def test_an_unsafe_keyring_backend_is_refused():
    from wizard.session.cache import check_keyring_backend

    class Keyring:  # what keyring.backends.fail / keyrings.alt's plaintext look like
        priority = 0

    Keyring.__module__ = "keyring.backends.fail"
    with pytest.raises(UsageError, match="does not keep secrets safe"):
        check_keyring_backend(Keyring())

    class PlaintextKeyring:
        priority = 0.5

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    with pytest.raises(UsageError, match="does not keep secrets safe"):
        check_keyring_backend(PlaintextKeyring())

    class Keychain:
        priority = 5

    Keychain.__module__ = "keyring.backends.macOS"
    check_keyring_backend(Keychain())
