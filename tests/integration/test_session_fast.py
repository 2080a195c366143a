"""The stdlib-only hit path (wizard.cli.fast) must agree with the full command line: the
same cache key for the same identity, the same output, and "not sure" wherever the full path
would not serve the cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import mfa_session
from tests.support.realism import AWS_LIKE
from wizard.cli import fast

pytestmark = AWS_LIKE


@pytest.fixture
def as_user(profile_env, monkeypatch):
    """The test process sees exactly the environment mfa-session would."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in profile_env.items():
        monkeypatch.setenv(name, value)
    return profile_env


def full_key(profile_arg):
    """The entry the full command line serves the profile from (wizard.session.request)."""
    from wizard.cli.session import build_parser, request_of
    from wizard.session.profiles import read_profile, resolve_profile_name
    from wizard.session.request import served_from

    args = build_parser().parse_args(["--profile", profile_arg] if profile_arg else [])
    profile = resolve_profile_name(args.profile)
    return served_from(request_of(args), profile, read_profile(profile), None)


ROLE = "arn:aws:iam::123456789012:role/"


@pytest.mark.parametrize(
    ("config", "env", "profile_arg"),
    [
        ("", {}, "dev"),
        ("\n[profile dev]\nregion = eu-west-1 ; inline comment\n", {}, "dev"),
        ("", {"AWS_PROFILE": "dev"}, None),
        ("", {"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, "dev"),
        (
            "\n[profile work]\nsource_profile = dev\nregion = us-west-2\n",
            {},
            "work",
        ),
        (
            "\n[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::1:mfa/x\n",
            {"AWS_ACCESS_KEY_ID": "AKIAENVENVENVENVENV1", "AWS_SECRET_ACCESS_KEY": "s"},
            None,
        ),
        # Role profiles: on the keys' profile, with options, through AWS_PROFILE, chained.
        (f"\n[profile r]\nrole_arn = {ROLE}r\nsource_profile = dev\n", {}, "r"),
        (
            f"\n[profile r]\nrole_arn = {ROLE}r\nsource_profile = dev\nexternal_id = x-1\n"
            "role_session_name = helpdesk\nduration_seconds = 1800\nregion = eu-west-1\n",
            {"AWS_PROFILE": "r"},
            None,
        ),
        (
            f"\n[profile a]\nrole_arn = {ROLE}a\nsource_profile = dev\n"
            f"\n[profile b]\nrole_arn = {ROLE}b\nsource_profile = a\n",
            {},
            "b",
        ),
        # Chained, more than 1 h asked: the session assumed directly with the code.
        (
            f"\n[profile a]\nrole_arn = {ROLE}a\nsource_profile = dev\n"
            f"\n[profile b]\nrole_arn = {ROLE}b\nsource_profile = a\nduration_seconds = 7200\n",
            {},
            "b",
        ),
        # mfa_serial on the role only, the keys' profile without one.
        (
            f"\n[profile k]\nregion = us-east-1\n\n[profile r]\nrole_arn = {ROLE}r\n"
            "source_profile = k\nmfa_serial = arn:aws:iam::1:mfa/on-the-role\n",
            {},
            "r",
        ),
    ],
)
def test_the_fast_key_is_the_full_key(as_user, monkeypatch, config, env, profile_arg):
    path = Path(as_user["AWS_CONFIG_FILE"])
    if "[profile dev]" in config:
        path.write_text(config + "mfa_serial = arn:aws:iam::123456789012:mfa/admin\n")
    else:
        path.write_text(path.read_text() + config)
    if "[profile k]" in config:
        creds = Path(as_user["AWS_SHARED_CREDENTIALS_FILE"])
        creds.write_text(creds.read_text() + "\n[k]\naws_access_key_id = AKIAKKKKKKKKKKKKKKK1\n")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert fast.hit_key(profile_arg, fast.cache_root()) == full_key(profile_arg)


def test_a_role_refused_directly_is_served_through_its_chain_by_both_paths(as_user):
    from wizard.session.roles import refuse_direct

    path = Path(as_user["AWS_CONFIG_FILE"])
    path.write_text(
        path.read_text() + f"\n[profile a]\nrole_arn = {ROLE}a\nsource_profile = dev\n"
        f"\n[profile b]\nrole_arn = {ROLE}b\nsource_profile = a\nduration_seconds = 7200\n"
    )
    direct = full_key("b")
    assert direct[2] == 7200
    refuse_direct(direct[1])
    chained = full_key("b")
    assert chained[2] == 3600 and chained[1] != direct[1]
    assert fast.hit_key("b", fast.cache_root()) == chained
    # Without the record (no cache root given), the fast path is not sure: never a guess.
    assert fast.hit_key("b") is None


@pytest.mark.parametrize("fmt", ["credential-process", "env"])
def test_a_hit_prints_what_the_full_path_prints(as_user, mfa_code, fmt):
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=as_user).returncode == 0
    full = mfa_session("--profile", "dev", "--format", fmt, env=as_user)
    assert fast.cached_output(["--profile", "dev", "--format", fmt]) == full.stdout


@pytest.mark.real_time
def test_a_hit_imports_no_typing(as_user, mfa_code):
    """The hit path reads the clock (wizard.clock) without paying for `typing` or anything else
    it does not use: start-up is the product on a cache hit."""
    import subprocess
    import sys

    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=as_user).returncode == 0
    probe = (
        "import sys\n"
        "from wizard.cli import fast\n"
        "out = fast.cached_output(['--profile', 'dev', '--format', 'credential-process'])\n"
        "print(out is not None, sorted({'typing', 'boto3', 'botocore'} & set(sys.modules)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=as_user, timeout=60
    )
    assert run.stdout.strip() == "True []", run.stdout + run.stderr


def test_not_sure_means_the_full_path(as_user, mfa_code):
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=as_user).returncode == 0
    argv = ["--profile", "dev", "--format", "credential-process"]
    assert fast.cached_output(argv) is not None
    for other in (
        [*argv, "--refresh"],  # any option the fast path does not know
        ["--profile", "dev", "--format", "fish"],
        ["--profile", "nobody", "--format", "credential-process"],
    ):
        assert fast.cached_output(other) is None
    session_file = next(Path(as_user["XDG_CACHE_HOME"]).rglob("dev-*.json"))
    session_file.chmod(0o644)  # readable by others: never served
    assert fast.cached_output(argv) is None
    session_file.chmod(0o600)
    config = Path(as_user["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "duration_seconds = 3600\n")  # another duration
    assert fast.cached_output(argv) is None


def test_a_role_hit_prints_what_the_full_path_prints(roles_env, as_user, mfa_code):
    for profile in ("admin", "audit"):  # one code: audit uses admin's source session
        code = ["--code", mfa_code()] if profile == "admin" else []
        assert mfa_session("--profile", profile, *code, env=roles_env).returncode == 0
        for fmt in ("credential-process", "env"):
            full = mfa_session("--profile", profile, "--format", fmt, env=roles_env)
            argv = ["--profile", profile, "--format", fmt]
            assert fast.cached_output(argv) == full.stdout
    assert fast.cached_output(["--profile", "admin"]) != fast.cached_output(["--profile", "audit"])
    # A role whose chain the reader cannot follow (no source_profile): not sure.
    config = Path(roles_env["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "\n[profile lost]\nrole_arn = arn:aws:iam::1:role/x\n")
    assert fast.cached_output(["--profile", "lost"]) is None


def test_a_fresh_role_session_outlives_its_source_session(roles_env, as_user, mfa_code):
    """The role's session is looked up first, by both paths: when the source's MFA session has
    run out but the role's has not, the role's is served, no code asked (there is no terminal
    here, so asking would fail)."""
    import json as json_module

    assert mfa_session("--profile", "admin", "--code", mfa_code(), env=roles_env).returncode == 0
    sessions = next(Path(as_user["XDG_CACHE_HOME"]).rglob("sessions"))
    for name in ("dev-*.json", "_device-*.json"):
        for source in sessions.glob(name):
            data = json_module.loads(source.read_text())
            data["Expiration"] = "2020-01-01T00:00:00Z"
            source.write_text(json_module.dumps(data))
    full = mfa_session("--profile", "admin", "--format", "credential-process", env=roles_env)
    assert full.returncode == 0, full.stderr
    argv = ["--profile", "admin", "--format", "credential-process"]
    assert fast.cached_output(argv) == full.stdout
    # The source itself is a miss now: it needs a code, and there is no terminal to ask on.
    dev = mfa_session("--profile", "dev", "--format", "credential-process", env=roles_env)
    assert dev.returncode != 0 and "no terminal" in dev.stderr


def test_the_stamp_parser_agrees_with_datetime():
    from datetime import datetime

    for stamp in ("2026-11-27T16:43:26Z", "2028-02-29T00:00:00Z", "2031-12-31T23:59:59Z"):
        expected = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        assert fast._epoch(stamp) == expected


def test_the_console_script_imports_the_fast_path_alone():
    """mfa-session is our own script, not pip's entry-point wrapper (which imports `re`)."""
    import sys
    from importlib.metadata import entry_points

    assert not [e for e in entry_points(group="console_scripts") if e.name == "mfa-session"]
    script = Path(sys.executable).parent / "mfa-session"
    lines = [
        line
        for line in script.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == ["from wizard.cli.fast import main", "main()"]
    assert script.read_text().startswith(f"#!{sys.executable}") or script.read_text().startswith(
        "#!" + str(Path(sys.executable).parent)
    )


@pytest.mark.parametrize(
    "extra",
    [
        "\n[DEFAULT]\nmfa_session_cache = none\n",  # configparser copies it into every section
        "\n[ profile dev2 ]\nregion = x\n",
        "\n[profile odd]\n= nameless\n",
        "\n[profile dev3]\nregion = eu\u00a0west\n",
    ],
)
def test_config_the_small_reader_cannot_vouch_for_goes_to_the_full_path(as_user, mfa_code, extra):
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=as_user).returncode == 0
    argv = ["--profile", "dev", "--format", "credential-process"]
    assert fast.cached_output(argv) is not None
    config = Path(as_user["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + extra)
    assert fast.cached_output(argv) is None


def test_a_relative_cache_home_is_not_trusted(as_user, mfa_code, monkeypatch, tmp_path):
    assert mfa_session("--profile", "dev", "--code", mfa_code(), env=as_user).returncode == 0
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "planted")
    # platformdirs ignores a relative XDG_CACHE_HOME; so does the fast path (~/.cache instead).
    assert fast.cache_root() == os.path.join(os.path.expanduser("~/.cache"), "mfa-wizard")


def test_an_option_value_that_looks_like_a_flag_goes_to_the_full_path(as_user):
    assert fast.cached_output(["--profile", "--format", "env"]) is None
