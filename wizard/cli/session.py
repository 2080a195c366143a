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

from wizard.cli.language import ArgumentParser
from wizard.cli.prompt_drivers import DRIVERS, CodeAsker
from wizard.cli.prompts import tty_prompt, tty_say
from wizard.errors import UsageError, WizardError
from wizard.i18n import _
from wizard.session.cache import CACHE_BACKENDS
from wizard.session.credentials import (
    FORMATS,
    SessionCredentials,
    describe_left,
    parse_duration,
    render,
)
from wizard.session.profiles import read_profile, resolve_profile_name
from wizard.session.request import SessionRequest, session_for


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """mfa-session's options (into `parser`, the `exec` form's, when given)."""
    parser = parser or ArgumentParser(
        prog="mfa-session",
        description=_("Print temporary MFA session credentials (sts get-session-token)."),
        epilog=_(
            "`mfa-session setup PROFILE` adds a PROFILE-mfa profile that uses mfa-session as "
            "its credential_process. `mfa-session exec PROFILE -- COMMAND` runs a command "
            "with the session. `mfa-session list` shows the cached sessions, `mfa-session "
            "clear [PROFILE]` forgets them."
        ),
    )
    from wizard.cli.completion import add_print_completion
    from wizard.cli.language import add_language_option
    from wizard.cli.version import add_version

    add_version(parser)
    add_language_option(parser)
    add_print_completion(parser, "mfa-session")
    parser.add_argument(
        "--profile", help=_("a profile with keys, or a role profile on one (default: AWS_PROFILE)")
    )
    parser.add_argument("--region", help=_("region for STS (default: the profile's)"))
    parser.add_argument("--endpoint-url", help=_("STS/IAM endpoint (default: AWS_ENDPOINT_URL)"))
    parser.add_argument("--duration", help=_("12h, 90m or seconds; 900-129600 (root: 3600)"))
    parser.add_argument("--serial", help=_("MFA device ARN (default: the profile's mfa_serial)"))
    code = parser.add_mutually_exclusive_group()
    code.add_argument("--code", help=_("the current MFA code (default: asked on the terminal)"))
    code.add_argument("--totp-command", metavar="CMD", help=_("a command that prints the code"))
    code.add_argument(
        "--prompt",
        choices=DRIVERS,
        # A metavar keeps the usage line within 80 columns; the help lists the choices.
        metavar="WHERE",
        help=_(
            "where to ask for the code: %(choices)s (default: MFA_SESSION_PROMPT, the "
            "profile's mfa_prompt, else the terminal, else a desktop dialog)"
        ),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        metavar="FORMAT",
        # credential_process (as in ~/.aws/config) means credential-process.
        type=lambda text: text.replace("_", "-"),
        help=_("output format: %(choices)s (default: env)"),
    )
    parser.add_argument(
        "--write-profile", metavar="NAME", help=_("write into the credentials file")
    )
    parser.add_argument(
        "--force", action="store_true", help=_("with --write-profile: overwrite long-term keys")
    )
    parser.add_argument("--refresh", action="store_true", help=_("ignore cached credentials"))
    parser.add_argument(
        "--no-cache", action="store_true", help=_("neither read nor write the cache")
    )
    parser.add_argument("--cache", choices=CACHE_BACKENDS, help=_("cache backend (default: file)"))
    return parser


def code_source(args: argparse.Namespace, profile: str) -> CodeAsker:
    """Where the codes come from: --code once, --totp-command, else a prompt driver (chosen
    when the first code is needed, so a cache hit never looks for a terminal or a dialog)."""
    if args.code:
        given = [args.code]

        def from_option(serial: str) -> str:
            from wizard.session.token import code_problem

            if not given:
                raise UsageError(_("the --code was not accepted"), _("run again with a new code"))
            code = given.pop()
            if problem := code_problem(code):
                raise UsageError(problem.rstrip(".。"), _("run again with the code the app shows"))
            return code

        return CodeAsker(profile, fixed=from_option)
    if args.totp_command:
        return CodeAsker(profile, option="command", command=args.totp_command)
    return CodeAsker(profile, option=args.prompt)


def run(argv: Sequence[str] | None = None) -> int:
    """mfa-session; returns the exit status. Errors: one line on stderr, no traceback."""
    from wizard.cli.language import take_language

    argv = take_language(sys.argv[1:] if argv is None else argv, "mfa-session")
    if argv is None:
        return 2
    try:
        if argv[:1] == ["setup"]:
            return run_setup(argv[1:])
        if argv[:1] == ["exec"]:
            return run_exec(argv[1:])
        if argv[:1] in (["list"], ["clear"]):
            from wizard.cli import session_cache

            command = session_cache.run_list if argv[0] == "list" else session_cache.run_clear
            return command(argv[1:])
        return run_session(build_parser().parse_args(argv))
    except WizardError as exc:
        print(f"mfa-session: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(_("mfa-session: cancelled"), file=sys.stderr)
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
    fmt = args.format or ("env" if not args.write_profile else None)
    # Bad options are refused before any cache or AWS work.
    duration = parse_duration(args.duration) if args.duration else None
    if args.write_profile:
        from wizard.session.profiles import validate_profile_name

        validate_profile_name(args.write_profile)
    if args.region:
        from wizard.session.profiles import ini_value

        ini_value("region", args.region)  # written into the profile; botocore's error is vague
    creds = session_for(request_of(args), profile, settings, duration)
    return emit(creds, fmt, args, settings.region)


def request_of(args: argparse.Namespace, profile: str | None = None) -> SessionRequest:
    """The domain's request from the command line: codes from --code, a command or a prompt."""
    interactive = sys.stdin.isatty() and not args.code and not args.totp_command
    codes = code_source(args, profile or resolve_profile_name(args.profile))

    def save_serial(profile: str, serial: str) -> bool:
        answer = tty_prompt(
            _("Save it as mfa_serial of profile {profile}? [y/N] ").format(profile=profile)
        )
        return answer.lower().startswith("y")

    return SessionRequest(
        bool(args.profile),
        codes.ask,
        region=args.region,
        endpoint_url=args.endpoint_url,
        serial=args.serial,
        cache=args.cache,
        refresh=args.refresh,
        no_cache=args.no_cache,
        say=tty_say,
        countdown=codes.countdown,
        save_serial=save_serial if interactive else None,
    )


def emit(
    creds: SessionCredentials, fmt: str | None, args: argparse.Namespace, region: str | None
) -> int:
    """Write the profile if asked, then print the chosen format on stdout (and only that)."""
    if args.write_profile:
        from wizard.session.profiles import write_profile

        path = write_profile(args.write_profile, creds, force=args.force, region=region)
        print(
            _(
                "mfa-session: wrote profile {write_profile} to {path} ({describe_left} left). "
                "Use: export AWS_PROFILE={write_profile}"
            ).format(
                write_profile=args.write_profile,
                path=path,
                describe_left=describe_left(creds.seconds_left()),
            ),
            file=sys.stderr,
        )
    if fmt:
        sys.stdout.write(render(creds, fmt))
        sys.stdout.flush()
    return 0


def exec_environment(
    creds: SessionCredentials, region: str | None, base: dict[str, str]
) -> dict[str, str]:
    """`base` with the session in it, and nothing that would make an SDK pick other keys."""
    env = {
        k: v
        for k, v in base.items()
        if k
        not in {
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SECURITY_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
        }
    }
    env.update(
        AWS_ACCESS_KEY_ID=creds.access_key_id,
        AWS_SECRET_ACCESS_KEY=creds.secret_access_key,
        AWS_SESSION_TOKEN=creds.session_token,
        AWS_CREDENTIAL_EXPIRATION=creds.expiration_iso,
    )
    if region and "AWS_REGION" not in env:
        env["AWS_REGION"] = region
        env.setdefault("AWS_DEFAULT_REGION", region)
    return env


def run_exec(argv: Sequence[str]) -> int:
    """`mfa-session exec PROFILE [options] -- COMMAND ...`: run COMMAND with the session.

    The command replaces this process (exec), so its exit status, signals and terminal are its
    own, as with aws-vault exec.
    """
    argv = list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(
            _(
                "usage: mfa-session exec PROFILE [--code CODE | --totp-command CMD] [--duration "
                "D]\n                        [--region R] [--refresh] -- COMMAND [ARG ...]\n\nRun "
                "COMMAND with PROFILE's MFA session (or role session) in its "
                "environment:\nAWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN "
                "and\nAWS_CREDENTIAL_EXPIRATION set, AWS_PROFILE removed. COMMAND replaces "
                "mfa-session,\nso its exit status is the command's own."
            )
        )
        return 0
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        raise UsageError(
            _("exec needs a command after --"), _("mfa-session exec PROFILE -- aws s3 ls")
        )
    split = argv.index("--")
    args = exec_parser().parse_args(argv[:split])
    if args.format or args.write_profile:
        raise UsageError(
            _("exec runs a command; it neither prints nor writes credentials"),
            _("drop --format / --write-profile"),
        )
    args.profile = args.exec_profile
    command = argv[split + 1 :]
    settings = read_profile(args.profile)
    duration = parse_duration(args.duration) if args.duration else None
    creds = session_for(request_of(args), args.profile, settings, duration)
    env = exec_environment(creds, args.region or settings.region, dict(os.environ))
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(command[0], command, env)
    except FileNotFoundError:
        print(
            _("mfa-session: {command}: command not found").format(command=command[0]),
            file=sys.stderr,
        )
        return 127
    except PermissionError:
        print(
            _("mfa-session: {command}: permission denied").format(command=command[0]),
            file=sys.stderr,
        )
        return 126
    return 0  # not reached: exec replaced the process


def exec_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """`mfa-session exec PROFILE [options]` (what comes before `--`)."""
    parser = build_parser(parser or ArgumentParser(prog="mfa-session exec"))
    parser.add_argument(
        "exec_profile", metavar="PROFILE", help=_("the profile whose session to use")
    )
    return parser


def setup_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """`mfa-session setup PROFILE`."""
    parser = parser or ArgumentParser(prog="mfa-session setup")
    parser.description = _(
        "Add [profile PROFILE-mfa] with credential_process = mfa-session ... to the config file."
    )
    parser.add_argument("profile", metavar="PROFILE", help=_("the profile holding long-term keys"))
    return parser


def run_setup(argv: Sequence[str]) -> int:
    """`mfa-session setup PROFILE`: a PROFILE-mfa profile using credential_process."""
    args = setup_parser().parse_args(argv)
    from wizard.session.profiles import (
        config_path,
        credentials_path,
        profile_exists,
        setup_credential_process,
        validate_profile_name,
    )
    from wizard.session.roles import role_chain

    validate_profile_name(args.profile)
    if not profile_exists(args.profile):
        raise UsageError(
            _("there is no profile {profile!r} in {config_path} or {credentials_path}").format(
                profile=args.profile, config_path=config_path(), credentials_path=credentials_path()
            ),
            _("check the name with `aws configure list-profiles`"),
        )
    # A profile mfa-session cannot serve would give a -mfa profile that fails on every use:
    # role_chain refuses it, or a chain through one (SSO, a credential_process...).
    role_chain(args.profile)

    new, changed = setup_credential_process(args.profile)
    if changed:
        print(
            _(
                "Added profile {new} to {config_path}; use it with: AWS_PROFILE={new} aws ..."
            ).format(new=new, config_path=config_path())
        )
    else:
        print(
            _("Profile {new} is already set up in {config_path}; nothing to do.").format(
                new=new, config_path=config_path()
            )
        )
    return 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())


if __name__ == "__main__":
    main()
