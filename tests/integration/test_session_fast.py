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
    """The key the full command line computes (wizard.session.request)."""
    from wizard.cli.session import build_parser, request_of
    from wizard.session.keys import cache_key
    from wizard.session.profiles import read_profile, resolve_profile_name
    from wizard.session.request import base_owner

    args = build_parser().parse_args(["--profile", profile_arg] if profile_arg else [])
    profile = resolve_profile_name(args.profile)
    settings = read_profile(profile)
    owner = base_owner(request_of(args), profile, settings, settings.mfa_serial)
    return cache_key(profile, owner), owner


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
    ],
)
def test_the_fast_key_is_the_full_key(as_user, monkeypatch, config, env, profile_arg):
    path = Path(as_user["AWS_CONFIG_FILE"])
    if "[profile dev]" in config:
        path.write_text(config + "mfa_serial = arn:aws:iam::123456789012:mfa/admin\n")
    else:
        path.write_text(path.read_text() + config)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    key, owner, _ = fast.hit_key(profile_arg)
    assert (key, owner) == full_key(profile_arg)


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


def test_a_role_profile_is_left_to_the_full_path(as_user):
    config = Path(as_user["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text()
        + "\n[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev\n"
    )
    assert fast.hit_key("r") is None


def test_the_stamp_parser_agrees_with_datetime():
    from datetime import datetime

    for stamp in ("2026-11-27T16:43:26Z", "2028-02-29T00:00:00Z", "2031-12-31T23:59:59Z"):
        expected = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        assert fast._epoch(stamp) == expected


def test_the_console_script_is_the_fast_entry():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "mfa-session"]
    assert script.value == "wizard.cli.fast:main"


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
