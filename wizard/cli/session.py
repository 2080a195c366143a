"""`mfa-session`: temporary MFA credentials for the CLI and SDKs.

    eval "$(mfa-session)"                         # bash/zsh: export the session
    mfa-session --format fish | source            # fish
    mfa-session --write-profile dev-mfa           # into ~/.aws/credentials
    mfa-session setup dev                         # [profile dev-mfa] credential_process = ...

stdout carries only the output; prompts go to /dev/tty (botocore pipes both stdout and stderr of a
credential_process). The cache-hit path imports neither boto3 nor keyring, nor Textual or
questionary: keep imports here lazy.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from wizard.cli.prompts import tty_prompt, tty_say
from wizard.errors import UsageError, WizardError
from wizard.session_cache import (
    CACHE_BACKENDS,
    cache_dir,
    cache_key,
    identity_hash,
    make_cache,
    miss_lock,
    source_key_id,
)
from wizard.session_credentials import (
    DEFAULT_DURATION,
    FORMATS,
    ROOT_MAX_DURATION,
    ProfileSettings,
    SessionCredentials,
    check_duration,
    describe_left,
    is_root_serial,
    parse_duration,
    read_profile,
    render,
    resolve_profile_name,
)


def build_parser() -> argparse.ArgumentParser:
    """mfa-session's options (and the `setup` form)."""
    parser = argparse.ArgumentParser(
        prog="mfa-session",
        description="Print temporary MFA session credentials (sts get-session-token).",
        epilog="`mfa-session setup PROFILE` adds a PROFILE-mfa profile that uses mfa-session as "
        "its credential_process.",
    )
    parser.add_argument("--profile", help="profile with the long-term keys (default: AWS_PROFILE)")
    parser.add_argument("--region", help="region for STS (default: the profile's)")
    parser.add_argument("--endpoint-url", help="STS/IAM endpoint (default: AWS_ENDPOINT_URL)")
    parser.add_argument("--duration", help="12h, 90m or seconds; 900-129600 (root: 3600)")
    parser.add_argument("--serial", help="MFA device ARN (default: the profile's mfa_serial)")
    code = parser.add_mutually_exclusive_group()
    code.add_argument("--code", help="the current MFA code (default: asked on the terminal)")
    code.add_argument("--totp-command", metavar="CMD", help="a command that prints the code")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        # credential_process (as in ~/.aws/config) means credential-process.
        type=lambda text: text.replace("_", "-"),
        help="output format (default: env)",
    )
    parser.add_argument("--write-profile", metavar="NAME", help="write into the credentials file")
    parser.add_argument(
        "--force", action="store_true", help="with --write-profile: overwrite long-term keys"
    )
    parser.add_argument("--refresh", action="store_true", help="ignore cached credentials")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache", choices=CACHE_BACKENDS, help="cache backend (default: file)")
    return parser


TOTP_COMMAND_TIMEOUT = 15
# What a code generator may need from the environment; never the long-term AWS keys.
TOTP_ENV_KEEP = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    "GNUPGHOME",
    "PASSWORD_STORE_DIR",
    "SSH_AUTH_SOCK",
)


def run_totp_command(command: str) -> str:
    """Run --totp-command: split like a shell (no shell), a scrubbed environment, a timeout; its
    stderr is shown; whatever it prints is judged as a code by the caller."""
    import shlex
    import subprocess

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(
            f"the --totp-command cannot be parsed ({exc})", "check its quoting"
        ) from None
    if not argv:
        raise UsageError("the --totp-command is empty", "give the command that prints the code")
    env = {k: v for k, v in os.environ.items() if k in TOTP_ENV_KEEP}
    try:
        out = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=TOTP_COMMAND_TIMEOUT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise UsageError(
            f"the --totp-command {argv[0]!r} was not found", "check the path"
        ) from None
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"the --totp-command took over {TOTP_COMMAND_TIMEOUT} s", "check the command"
        ) from None
    if out.stderr.strip():
        tty_say(f"--totp-command said: {out.stderr.strip()[:500]}")
    if out.returncode != 0:
        raise UsageError(
            f"the --totp-command failed (exit {out.returncode})", "run it by hand to see why"
        )
    return out.stdout.strip()


def code_source(args: argparse.Namespace):  # noqa: ANN201 - a small closure factory
    """A function returning the next code: --code once, --totp-command, or the terminal."""
    if args.code:
        given = [args.code]

        def from_option(serial: str) -> str:
            from wizard.session_credentials import code_problem

            if not given:
                raise UsageError("the --code was not accepted", "run again with a new code")
            code = given.pop()
            if problem := code_problem(code):
                raise UsageError(problem.rstrip("."), "run again with the code the app shows")
            return code

        return from_option
    if args.totp_command:
        return lambda serial: run_totp_command(args.totp_command)
    return lambda serial: tty_prompt(f"MFA code for {serial.rsplit('/', 1)[-1]}: ")


def run(argv: Sequence[str] | None = None) -> int:
    """mfa-session; returns the exit status. Errors: one line on stderr, no traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["setup"]:
            return run_setup(argv[1:])
        return run_session(build_parser().parse_args(argv))
    except WizardError as exc:
        print(f"mfa-session: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mfa-session: cancelled", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("MFA_WIZARD_DEBUG"):
            raise
        from wizard.errors import translate

        error = translate(exc)
        print(f"mfa-session: {error.message}", file=sys.stderr)
        return error.exit_code


def run_session(args: argparse.Namespace) -> int:
    """The cache check first (no boto3), then STS only on a miss."""
    profile = resolve_profile_name(args.profile)
    settings = read_profile(profile)
    serial = args.serial or settings.mfa_serial
    endpoint = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    fmt = args.format or ("env" if not args.write_profile else None)
    # Bad options are refused before any cache or AWS work.
    duration = parse_duration(args.duration) if args.duration else settings.duration_seconds
    if args.write_profile:
        from wizard.session_credentials import validate_profile_name

        validate_profile_name(args.write_profile)
    backend = "none" if args.no_cache else (args.cache or settings.cache_backend or "file")
    cache = make_cache(backend)
    # Keyed by the source identity (a hash of the long-term key id, the device, the endpoint and
    # the region): another user's keys, or none at all, never get this user's session.
    creds_profile = settings.source_profile or profile
    # The same rule fetch() gives boto3: a named profile (or any but "default") wins over the
    # environment's keys, so the key hashed here is the key that will ask for the session.
    explicit = bool(args.profile or settings.source_profile or os.environ.get("AWS_PROFILE"))
    explicit = explicit or creds_profile != "default"
    owner = identity_hash(
        source_key_id(creds_profile, explicit), serial, endpoint, args.region or settings.region
    )
    key = cache_key(profile, owner)

    if not args.refresh and owner:
        cached = cache.load(key)
        if cached is not None and cached.serves(owner, duration):
            return emit(cached, fmt, args, settings.region)
    if not owner or backend == "none":
        # No way to tell whose session it would be (or no cache at all): neither served from
        # nor written to the cache, and no lock file either.
        creds = fetch(args, profile, settings, serial, duration)
        return emit(creds, fmt, args, settings.region)
    with miss_lock(cache_dir(), key):
        if not args.refresh:
            cached = cache.load(key)  # filled by a process that held the lock before us?
            if cached is not None and cached.serves(owner, duration):
                return emit(cached, fmt, args, settings.region)
        creds = fetch(args, profile, settings, serial, duration)
        creds.owner = owner
        cache.save(key, creds)
    return emit(creds, fmt, args, settings.region)


def fetch(
    args: argparse.Namespace,
    profile: str,
    settings: ProfileSettings,
    serial: str | None,
    duration: int | None,
) -> SessionCredentials:
    """The miss path: boto3, the device, the code, GetSessionToken."""
    from wizard.aws import make_services
    from wizard.session_credentials import (
        ensure_long_term,
        find_mfa_serials,
        obtain,
        save_mfa_serial,
    )

    # Credentials come from source_profile when the profile names one (AWS CLI semantics).
    creds_profile = settings.source_profile or profile
    explicit = args.profile or settings.source_profile or os.environ.get("AWS_PROFILE")
    services = make_services(
        creds_profile if explicit or creds_profile != "default" else None,
        args.region or settings.region,
        args.endpoint_url,
    )
    ensure_long_term(services.session, creds_profile)
    if not serial:
        found = find_mfa_serials(services)
        if not found:
            raise UsageError(
                "this identity has no MFA device",
                "enrol one first (`mfa-wizard enroll USER`), then run mfa-session again",
            )
        serial = found[0]
        tty_say(f"Using MFA device {serial}.")
        if sys.stdin.isatty() and not args.code and not args.totp_command:
            answer = tty_prompt(f"Save it as mfa_serial of profile {profile}? [y/N] ")
            if answer.lower().startswith("y"):
                save_mfa_serial(profile, serial)
                tty_say(f"Saved mfa_serial to profile {profile}.")
    root = is_root_serial(serial)
    # AWS's default is 12 h for IAM users; the root user is capped at 1 h.
    duration = duration or (ROOT_MAX_DURATION if root else DEFAULT_DURATION)
    check_duration(duration, root=root)
    creds = obtain(services.sts, serial, duration, code_source(args), on_retry=tty_say)
    creds.duration = duration  # what was asked: a later request for another duration is a miss
    return creds


def emit(
    creds: SessionCredentials, fmt: str | None, args: argparse.Namespace, region: str | None
) -> int:
    """Write the profile if asked, then print the chosen format on stdout (and only that)."""
    if args.write_profile:
        from wizard.session_credentials import write_profile

        path = write_profile(args.write_profile, creds, force=args.force, region=region)
        print(
            f"mfa-session: wrote profile {args.write_profile} to {path} "
            f"({describe_left(creds.seconds_left())} left). Use: export AWS_PROFILE={args.write_profile}",
            file=sys.stderr,
        )
    if fmt:
        sys.stdout.write(render(creds, fmt))
        sys.stdout.flush()
    return 0


def run_setup(argv: Sequence[str]) -> int:
    """`mfa-session setup PROFILE`: a PROFILE-mfa profile using credential_process."""
    parser = argparse.ArgumentParser(
        prog="mfa-session setup",
        description="Add [profile PROFILE-mfa] with credential_process = mfa-session ... to the config file.",
    )
    parser.add_argument("profile", metavar="PROFILE", help="the profile holding long-term keys")
    args = parser.parse_args(argv)
    from wizard.session_credentials import config_path, setup_credential_process

    new, changed = setup_credential_process(args.profile)
    if changed:
        print(f"Added profile {new} to {config_path()}; use it with: AWS_PROFILE={new} aws ...")
    else:
        print(f"Profile {new} is already set up in {config_path()}; nothing to do.")
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())


if __name__ == "__main__":
    main()
