"""The AWS config and credentials files: reading a profile's settings (standard library only,
on the cache-hit path) and writing sessions, serials and credential_process profiles into them
(configupdater, comments and order kept, atomic and 0600).
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
from pathlib import Path
from typing import Any

from wizard.errors import UsageError
from wizard.files import write_text_atomic
from wizard.i18n import N_, _
from wizard.session.credentials import SessionCredentials
from wizard.session.keys import OTHER_SIGN_IN_SETTINGS, section_name


def config_path() -> Path:
    """~/.aws/config or AWS_CONFIG_FILE."""
    return Path(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()


def credentials_path() -> Path:
    """~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE."""
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials").expanduser()


PROFILE_NAME = re.compile(r"[A-Za-z0-9_.+@-]{1,64}")


def validate_profile_name(name: str) -> str:
    """A profile name that is safe in both files (no spaces, brackets, '=' or line breaks)."""
    # fullmatch: `$` would also match before a trailing newline, and "dev\n" corrupts the file.
    if not PROFILE_NAME.fullmatch(name or ""):
        raise UsageError(
            _("{name!r} is not a usable profile name").format(name=name),
            _("use letters, digits and _.+@- (no spaces or brackets), at most 64 characters"),
        )
    return name


def ini_value(what: str, value: str, *, brackets: bool = False) -> str:
    """`value` if it is safe to write as one ini value, else a UsageError naming it.

    A line break would end the value and start a line of the attacker's choosing (a
    `[section]` or `aws_access_key_id = ...`), wherever the value came from: --region,
    --serial, AWS_REGION, a ListMFADevices answer, another profile's settings. Region, serial
    and profile names never hold a `[` either (`brackets=False`), so it is refused there too.
    """
    bad = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" + ("" if brackets else "[]")
    if any(c in bad for c in value):
        # A key or token is never quoted back (an endpoint could have sent it to get it shown).
        shown = "" if what.startswith("aws_") else f" {value!r}"
        raise UsageError(
            _(
                "the {what}{shown} cannot be written to an AWS config file (it holds a line "
                "break or a bracket)"
            ).format(what=what, shown=shown),
            _(
                "check where the {what} came from (an option, an environment variable, a profile)"
            ).format(what=what),
        )
    return value


class ProfileSettings:
    """What mfa-session reads from the config file for one profile (AWS CLI semantics)."""

    __slots__ = (
        "name",
        "mfa_serial",
        "duration_seconds",
        "region",
        "source_profile",
        "cache_backend",
        "role_arn",
        "external_id",
        "role_session_name",
        "other_sign_in",
    )

    def __init__(
        self,
        name: str,
        mfa_serial: str | None,
        duration_seconds: int | None,
        region: str | None,
        source_profile: str | None,
        cache_backend: str | None,
        role_arn: str | None = None,
        external_id: str | None = None,
        role_session_name: str | None = None,
        other_sign_in: tuple[str, str] | None = None,
    ) -> None:
        self.name = name
        self.mfa_serial = mfa_serial
        self.duration_seconds = duration_seconds
        self.region = region
        self.source_profile = source_profile
        self.cache_backend = cache_backend
        self.role_arn = role_arn
        self.external_id = external_id
        self.role_session_name = role_session_name
        # (setting, value) of a credential source mfa-session cannot stand in for, if any.
        self.other_sign_in = other_sign_in


def read_ini_file(path: Path) -> configparser.RawConfigParser | None:
    """An AWS config or credentials file as configparser reads it (a missing file is empty);
    None when it cannot be parsed (read_profile says what is wrong with it)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser


def source_chain(parser: configparser.RawConfigParser, profile: str) -> list[str]:
    """`profile`, then the profiles its source_profile links lead to, each once (at most 10)."""
    chain: list[str] = []
    while profile and profile not in chain and len(chain) < 10:
        chain.append(profile)
        profile = parser.get(section_name(profile), "source_profile", fallback="").strip()
    return chain


def read_profile(profile: str, path: Path | None = None) -> ProfileSettings:
    """Read mfa_serial, duration_seconds, region, source_profile (and our cache key) with the
    standard library only; a missing file or profile gives empty settings."""
    path = path or config_path()
    parser = read_ini_file(path)
    if parser is None:
        raise UsageError(
            _("{path} is not a valid AWS config file").format(path=path),
            _("fix the line it complains about (`aws configure list` shows the problem)"),
        ) from None
    values: dict[str, str] = {}
    section = section_name(profile)
    if parser.has_section(section):
        values = dict(parser.items(section))
    source = values.get("source_profile")
    if source and not values.get("mfa_serial"):
        # The CLI takes mfa_serial from the profile being used; fall back to the source's.
        src = section_name(source)
        if parser.has_section(src) and parser.has_option(src, "mfa_serial"):
            values["mfa_serial"] = parser.get(src, "mfa_serial")
    duration = values.get("duration_seconds")
    return ProfileSettings(
        name=profile,
        mfa_serial=values.get("mfa_serial") or None,
        duration_seconds=int(duration) if duration and duration.isdigit() else None,
        region=values.get("region") or None,
        source_profile=source or None,
        cache_backend=values.get("mfa_session_cache") or None,
        role_arn=values.get("role_arn") or None,
        external_id=values.get("external_id") or None,
        role_session_name=values.get("role_session_name") or None,
        other_sign_in=next(((k, values[k]) for k in OTHER_SIGN_IN_SETTINGS if values.get(k)), None),
    )


# What each of keys.OTHER_SIGN_IN_SETTINGS is, and the command that signs in with it: sessions
# mfa-session cannot make (and need not: the AWS CLI and SDKs get them themselves). botocore
# prefers every one of these to the profile's access keys, so a profile holding one is never
# mfa-session's.
OTHER_SIGN_INS = {
    "sso_session": (N_("signs in with IAM Identity Center (sso_session)"), "aws sso login"),
    "sso_start_url": (N_("signs in with IAM Identity Center (sso_start_url)"), "aws sso login"),
    "login_session": (N_("signs in with your console credentials (login_session)"), "aws login"),
    "credential_process": (N_("gets its credentials from a credential_process"), ""),
    "web_identity_token_file": (N_("assumes its role with a web identity token file"), ""),
    "credential_source": (N_("assumes its role with the credential_source of its host"), ""),
}


def check_servable(
    settings: ProfileSettings, role: str | None = None, asked: str | None = None
) -> None:
    """Refuse, in one line naming what the profile is and what to use instead, a profile whose
    credentials are of another kind; `role` names the role profile it is the source of, and
    `asked` the profile asked for (a role further out on the chain)."""
    if settings.other_sign_in is None:
        return
    key, value = settings.other_sign_in
    what, login = OTHER_SIGN_INS[key]
    what = _(what)
    name = settings.name
    if key == "credential_process" and "mfa-session" in value:
        if role:
            raise UsageError(
                _(
                    "profile {role} assumes its role from {name}, which already runs mfa-session "
                    "(its credential_process)"
                ).format(role=role, name=name),
                _(
                    "point {role}'s source_profile at the profile {name} names (the one with the "
                    "keys): mfa-session then makes the session and assumes the role with it"
                ).format(role=role, name=name),
            )
        raise UsageError(
            _("profile {name} already runs mfa-session (its credential_process)").format(name=name),
            _(
                "use it as it is (AWS_PROFILE={name} aws ...), or ask for the profile it names"
            ).format(name=name),
        )
    first = _("`{command}`, then ").format(command=f"{login} --profile {name}") if login else ""
    if role:
        raise UsageError(
            _(
                "profile {role} assumes its role from {name}, which {what}: mfa-session cannot "
                "make that session"
            ).format(role=role, name=name, what=what),
            _(
                "the AWS CLI and SDKs assume the role from it themselves: {first}use "
                "AWS_PROFILE={value} as it is"
            ).format(first=first, value=asked or role),
        )
    raise UsageError(
        _("profile {name} {what}: that is not an MFA session mfa-session can make").format(
            name=name, what=what
        ),
        _("{first}use AWS_PROFILE={name} as it is").format(first=first, name=name),
    )


def prompt_setting(profile: str, name: str, path: Path | None = None) -> str | None:
    """A prompt setting (mfa_prompt, mfa_prompt_command, mfa_ykman_account) of `profile`, else
    of the profiles its source_profile chain goes through: set once on the profile holding the
    keys, it serves every role on it."""
    parser = read_ini_file(path or config_path())
    if parser is None:
        return None  # read_profile has said what is wrong with the file
    for member in source_chain(parser, profile):
        value = parser.get(section_name(member), name, fallback="").strip()
        if value:
            return value
    return None


def resolve_profile_name(explicit: str | None) -> str:
    """--profile, else AWS_PROFILE / AWS_DEFAULT_PROFILE, else 'default'."""
    return (
        explicit
        or os.environ.get("AWS_PROFILE")
        or os.environ.get("AWS_DEFAULT_PROFILE")
        or "default"
    )


# ----------------------------------------------------------------------------- writing files


def _text(updater: Any) -> str:
    text = str(updater)
    return text if text.endswith("\n") else text + "\n"


def _load_updater(path: Path) -> Any:
    from configupdater import ConfigUpdater

    updater = ConfigUpdater()
    if path.exists():
        try:
            updater.read(str(path), encoding="utf-8")
        except PermissionError:
            raise UsageError(
                _("cannot read {path}").format(path=path), _("check the file's permissions")
            ) from None
        except Exception:
            raise UsageError(
                _("{path} could not be parsed").format(path=path),
                _("fix the file by hand (a section header or key=value line is malformed)"),
            ) from None
    return updater


def write_profile(
    name: str,
    creds: SessionCredentials,
    *,
    force: bool = False,
    path: Path | None = None,
    region: str | None = None,
) -> Path:
    """Write the session into the shared credentials file, keeping every other line and comment.

    Refuses to overwrite a profile that holds long-term keys (no session token) unless force.
    Atomic (temp file in the same directory, fsync, rename) and mode 0600.
    """
    validate_profile_name(name)
    path = path or credentials_path()
    updater = _load_updater(path)
    if updater.has_section(name):
        section = updater[name]
        long_term = section.get("aws_access_key_id") and not section.get("aws_session_token")
        if long_term and not force:
            raise UsageError(
                _("profile {name!r} in {path} holds long-term access keys").format(
                    name=name, path=path
                ),
                _("choose another name (e.g. NAME-mfa), or pass --force to overwrite them"),
            )
    else:
        if updater.sections():
            updater[updater.sections()[-1]].add_after.space()
        updater.add_section(name)
    if not force and _config_holds_keys(name):
        # The credentials file wins over the config file: the session would hide these keys,
        # and the next mfa-session for this profile would find only temporary ones.
        raise UsageError(
            _("profile {name!r} has long-term access keys in {config_path}").format(
                name=name, config_path=config_path()
            ),
            _(
                "choose another name (e.g. NAME-mfa), or pass --force to hide them behind the "
                "session"
            ),
        )
    section = updater[name]
    values = {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
        "aws_session_expiration": creds.expiration_iso,
    }
    if region:
        values["region"] = region
    for key, value in values.items():
        section[key] = ini_value(key, value, brackets=key != "region")
    write_text_atomic(path, _text(updater), mode=0o600)
    return path


def _config_holds_keys(name: str) -> bool:
    """True when the config file's section of profile `name` holds long-term access keys."""
    parser = read_ini_file(config_path())
    if parser is None:
        return False
    section = section_name(name)
    return parser.has_option(section, "aws_access_key_id") and not parser.has_option(
        section, "aws_session_token"
    )


def profile_exists(name: str) -> bool:
    """True when `name` is a profile of the config file or the credentials file."""
    for path, section in ((config_path(), section_name(name)), (credentials_path(), name)):
        parser = read_ini_file(path)
        if parser is not None and parser.has_section(section):
            return True
    return False


def command_for_credential_process(profile: str) -> str:
    """The credential_process command line: this mfa-session, by absolute path when we know it."""
    import shutil
    import sys

    exe = None
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 and argv0.name == "mfa-session" and argv0.exists():
        exe = str(argv0.resolve())
    if exe is None:
        beside = Path(sys.executable).parent / "mfa-session"
        exe = str(beside) if beside.exists() else shutil.which("mfa-session")
    if exe is None:
        # No mfa-session script (Windows gets none: it is a POSIX script): this interpreter
        # runs the same command line.
        return (
            f"{shlex.quote(sys.executable)} -m wizard.cli.session --profile "
            f"{shlex.quote(profile)} --format credential-process"
        )
    return f"{shlex.quote(exe)} --profile {shlex.quote(profile)} --format credential-process"


def setup_credential_process(profile: str, path: Path | None = None) -> tuple[str, bool]:
    """Add [profile PROFILE-mfa] with credential_process to the config file.

    Returns (new profile name, changed). A second run with the same command changes nothing.
    """
    validate_profile_name(profile)
    path = path or config_path()
    new = f"{profile}-mfa"
    updater = _load_updater(path)
    command = command_for_credential_process(profile)
    section_title = section_name(new)
    settings = read_profile(profile, path) if path.exists() else None
    if updater.has_section(section_title):
        current = updater[section_title].get("credential_process")
        if current is not None and current.value == command:
            return new, False
    else:
        if updater.sections():
            updater[updater.sections()[-1]].add_after.space()
        updater.add_section(section_title)
    section = updater[section_title]
    section["credential_process"] = ini_value("credential_process", command, brackets=True)
    if settings and settings.region and not section.get("region"):
        section["region"] = ini_value("region", settings.region)
    write_text_atomic(path, _text(updater), mode=0o600)
    return new, True


def save_mfa_serial(profile: str, serial: str, path: Path | None = None) -> Path:
    """Record mfa_serial in the profile's config section (comments kept)."""
    validate_profile_name(profile)
    ini_value("mfa_serial", serial)
    path = path or config_path()
    updater = _load_updater(path)
    title = section_name(profile)
    if not updater.has_section(title):
        if updater.sections():
            updater[updater.sections()[-1]].add_after.space()
        updater.add_section(title)
    updater[title]["mfa_serial"] = serial
    write_text_atomic(path, _text(updater), mode=0o600)
    return path
