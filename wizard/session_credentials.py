"""MFA session credentials: sts get-session-token, output formats, cache, profile writing.

Import-light on purpose: `mfa-session` on a cache hit must not import boto3 (about 250 ms),
keyring (about 110 ms) or anything of Textual/questionary. boto3 is imported inside the functions
that call AWS, keyring only inside the keyring backend, configupdater only when writing files.

Needs: sts:GetSessionToken (no policy can deny it), iam:ListMFADevices to find the device.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import shlex
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard import clock as timing
from wizard.errors import CredentialsError, UsageError
from wizard.files import write_text_atomic

MIN_DURATION = 900
MAX_DURATION = 129_600
ROOT_MAX_DURATION = 3_600
DEFAULT_DURATION = 43_200
# botocore refreshes credential_process credentials from 15 minutes before expiry (and calls the
# process again and again inside that window): a cache hit must have more than that left.
REFRESH_MARGIN_SECONDS = 15 * 60
FORMATS = ("env", "fish", "powershell", "json", "credential-process", "dotenv")
CODE_ATTEMPTS = 3


class SessionCredentials:
    """Temporary credentials from GetSessionToken. repr() never shows the secret or the token.

    A plain class, not a dataclass: building dataclasses costs start-up time on the cache hit.
    """

    __slots__ = (
        "access_key_id",
        "secret_access_key",
        "session_token",
        "expiration",
        "owner",
        "duration",
    )

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str,
        expiration: datetime,
        owner: str = "",
        duration: int = 0,
    ) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token
        self.expiration = expiration
        # In the cache only: whose long-term key obtained it (a hash), and the duration asked.
        self.owner = owner
        self.duration = duration

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SessionCredentials) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__[:4]
        )

    def __hash__(self) -> int:
        return hash(self.access_key_id)

    def __repr__(self) -> str:
        return f"SessionCredentials(access_key_id={self.access_key_id!r}, expiration={self.expiration.isoformat()!r})"

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds until expiry."""
        moment = timing.time() if now is None else now
        return self.expiration.timestamp() - moment

    def fresh(self, now: float | None = None) -> bool:
        """Still usable: more than the refresh margin (5 minutes) before expiry."""
        return self.seconds_left(now) > REFRESH_MARGIN_SECONDS

    @property
    def expiration_iso(self) -> str:
        """Expiration as ISO 8601 UTC with a Z, the form credential_process documents."""
        return self.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_cache(self) -> dict[str, str]:
        """The dict stored in the cache (0600 file or keyring)."""
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration_iso,
            "Owner": self.owner,
            "Duration": str(self.duration),
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> SessionCredentials:
        """Back from the cache dict; raises KeyError/ValueError on a damaged entry."""
        return cls(
            access_key_id=data["AccessKeyId"],
            secret_access_key=data["SecretAccessKey"],
            session_token=data["SessionToken"],
            expiration=parse_expiration(data["Expiration"]),
            owner=str(data.get("Owner", "")),
            duration=int(data.get("Duration") or 0),
        )

    def serves(self, owner: str, duration: int | None, now: float | None = None) -> bool:
        """A cache hit for this request: same source identity, the duration asked for (when one
        was), and more than the refresh margin left."""
        if not owner or self.owner != owner:
            return False
        if duration and self.duration != duration:
            return False
        return self.fresh(now)


def parse_expiration(value: Any) -> datetime:
    """A datetime or an ISO string (with Z or offset) as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ----------------------------------------------------------------------------- durations


def parse_duration(text: str | int) -> int:
    """'12h', '90m', '3600s', '1d' or plain seconds -> seconds, within 900-129600."""
    raw = str(text).strip().lower()
    match = re.fullmatch(r"(\d+)\s*([smhd]?)", raw)
    if not match:
        raise UsageError(
            f"{text!r} is not a duration",
            "use seconds (3600) or a number with s, m, h or d (12h, 90m)",
        )
    value = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return check_duration(value)


def check_duration(seconds: int, root: bool = False) -> int:
    """Refuse a duration outside what GetSessionToken accepts, naming the range."""
    upper = ROOT_MAX_DURATION if root else MAX_DURATION
    if not MIN_DURATION <= seconds <= upper:
        who = "the root user" if root else "IAM users"
        raise UsageError(
            f"a session of {seconds} s is outside what AWS allows for {who}",
            f"choose {MIN_DURATION}-{upper} seconds (15 min to {upper // 3600} h)",
        )
    return seconds


def is_root_serial(serial: str) -> bool:
    """Root's virtual device is arn:PARTITION:iam::ACCOUNT:mfa/root-account-mfa-device (or :root)."""
    return serial.endswith(":root") or serial.endswith("/root-account-mfa-device")


# ----------------------------------------------------------------------------- config files


def config_path() -> Path:
    """~/.aws/config or AWS_CONFIG_FILE."""
    return Path(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()


def credentials_path() -> Path:
    """~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE."""
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials").expanduser()


def section_name(profile: str) -> str:
    """The config-file section of a profile: [default] or [profile NAME]."""
    return "default" if profile == "default" else f"profile {profile}"


PROFILE_NAME = re.compile(r"[A-Za-z0-9_.+@-]{1,64}")


def validate_profile_name(name: str) -> str:
    """A profile name that is safe in both files (no spaces, brackets, '=' or line breaks)."""
    # fullmatch: `$` would also match before a trailing newline, and "dev\n" corrupts the file.
    if not PROFILE_NAME.fullmatch(name or ""):
        raise UsageError(
            f"{name!r} is not a usable profile name",
            "use letters, digits and _.+@- (no spaces or brackets), at most 64 characters",
        )
    return name


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


def read_profile(profile: str, path: Path | None = None) -> ProfileSettings:
    """Read mfa_serial, duration_seconds, region, source_profile (and our cache key) with the
    standard library only; a missing file or profile gives empty settings."""
    path = path or config_path()
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        raise UsageError(
            f"{path} is not a valid AWS config file",
            "fix the line it complains about (`aws configure list` shows the problem)",
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
    )


def resolve_profile_name(explicit: str | None) -> str:
    """--profile, else AWS_PROFILE / AWS_DEFAULT_PROFILE, else 'default'."""
    return (
        explicit
        or os.environ.get("AWS_PROFILE")
        or os.environ.get("AWS_DEFAULT_PROFILE")
        or "default"
    )


# ----------------------------------------------------------------------------- cache


# ----------------------------------------------------------------------------- output formats


def render(creds: SessionCredentials, fmt: str) -> str:
    """The credentials in one of FORMATS, ending with a newline."""
    values = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
        "AWS_CREDENTIAL_EXPIRATION": creds.expiration_iso,
    }
    if fmt == "env":
        return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in values.items())
    if fmt == "dotenv":
        return "".join(f"{k}={v}\n" for k, v in values.items())
    if fmt == "fish":
        return "".join(f"set -gx {k} {_single_quote(v)};\n" for k, v in values.items())
    if fmt == "powershell":
        return "".join(f"$Env:{k} = {_ps_quote(v)}\n" for k, v in values.items())
    if fmt == "json":
        return json.dumps(creds.to_cache(), indent=2) + "\n"
    if fmt == "credential-process":
        return json.dumps({"Version": 1, **creds.to_cache()}) + "\n"
    raise UsageError(f"unknown format {fmt!r}", f"use one of {', '.join(FORMATS)}")


def _single_quote(value: str) -> str:
    # fish: inside single quotes only \\ and \' are special.
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ps_quote(value: str) -> str:
    # PowerShell: single-quoted strings double their quotes.
    return "'" + value.replace("'", "''") + "'"


def masked(creds: SessionCredentials, fmt: str = "env") -> str:
    """The lines with the secret and the token fully masked (for showing before 'reveal')."""
    shown = SessionCredentials(
        access_key_id=creds.access_key_id,
        secret_access_key="*" * 16,
        session_token="*" * 16,
        expiration=creds.expiration,
    )
    return render(shown, fmt)


# ----------------------------------------------------------------------------- AWS


def code_problem(code: str) -> str:
    """'' for six ASCII digits, else what is wrong (asked again)."""
    from wizard.enrollment import normalize_code

    return normalize_code(code, "MFA code")[1]


def find_mfa_serials(services: Any) -> list[str]:
    """The caller's MFA devices. AWS lists the caller's own without UserName; naming the user
    (from get-caller-identity) works the same and also on emulators that require it."""
    from wizard.aws import paginate

    identity = services.identity()
    kwargs = {"UserName": identity.name} if identity.is_iam_user else {}
    items = paginate(services.iam, "list_mfa_devices", "MFADevices", **kwargs)
    return [d["SerialNumber"] for d in items]


def is_fido(serial: str) -> bool:
    """A FIDO/U2F security key (arn:...:u2f/...): GetSessionToken cannot take a code from it."""
    return ":u2f/" in serial


def ensure_long_term(session: Any, profile: str) -> None:
    """GetSessionToken refuses session credentials: say so before calling it."""
    from wizard.errors import aws_errors

    with aws_errors("loading credentials"):
        creds = session.get_credentials()
    if creds is None:
        raise CredentialsError(
            f"no AWS credentials found for profile {profile!r}",
            "run `aws configure --profile NAME`, or pass --profile for a profile with access keys",
        )
    frozen = creds.get_frozen_credentials()
    if frozen.token:
        raise CredentialsError(
            "these are already session (temporary) credentials, and GetSessionToken needs an IAM user's long-term access keys",
            "unset AWS_SESSION_TOKEN / AWS_ACCESS_KEY_ID, or pass --profile for the profile holding the long-term keys",
        )


def get_session_token(sts: Any, serial: str, code: str, duration: int) -> SessionCredentials:
    """One GetSessionToken call; errors translated (AccessDenied = wrong code here)."""
    from wizard.errors import aws_errors, error_code

    try:
        answer = sts.get_session_token(
            SerialNumber=serial, TokenCode=code, DurationSeconds=duration
        )
    except Exception as exc:
        if error_code(exc) == "AccessDenied":
            raise WrongMfaCodeError(
                "AWS refused the MFA code (wrong, already used, or for another device)",
                "wait for the next code in the app and type it",
                code="AccessDenied",
            ) from None
        with aws_errors("GetSessionToken"):
            raise
    c = answer["Credentials"]
    creds = SessionCredentials(
        access_key_id=c["AccessKeyId"],
        secret_access_key=c["SecretAccessKey"],
        session_token=c["SessionToken"],
        expiration=parse_expiration(c["Expiration"]),
    )
    # Best effort: the lockout guard is stricter without it, never looser.
    from wizard.session_cache import remember_mfa_session

    with contextlib.suppress(UsageError, OSError):
        remember_mfa_session(creds)
    return creds


class WrongMfaCodeError(UsageError):
    """STS answered AccessDenied to the code."""


def obtain(
    sts: Any,
    serial: str,
    duration: int,
    ask_code: Callable[[str], str],
    on_retry: Callable[[str], None] | None = None,
    attempts: int = CODE_ATTEMPTS,
    countdown: Callable[[int], None] | None = None,
) -> SessionCredentials:
    """Ask for a code (again on a bad format), call STS, ask again on a wrong code (3 tries).

    A code is used once: when the device's current code was already accepted, wait for the next
    one first (`countdown` hears the seconds left), and remember each accepted code's time step.
    """
    from wizard.session.codes import remember_used, wait_for_fresh_code

    # A malformed code counts as a failed attempt like a wrong one: a --totp-command that prints
    # garbage must end after a few tries, never loop (under credential_process nobody sees it).
    last_cause = ""
    for attempt in range(1, attempts + 1):
        if countdown:
            wait_for_fresh_code(serial, countdown)
        code = re.sub(r"\s+", "", ask_code(serial))
        problem = code_problem(code)
        if problem:
            last_cause = problem.rstrip(".")
            if on_retry and attempt < attempts:
                on_retry(f"{problem} {attempts - attempt} tries left.")
            continue
        try:
            creds = get_session_token(sts, serial, code, duration)
        except WrongMfaCodeError as exc:
            last_cause = exc.cause
            if on_retry and attempt < attempts:
                on_retry(f"{exc.cause}; {attempts - attempt} tries left")
            continue
        remember_used(serial)
        return creds
    raise WrongMfaCodeError(
        f"{last_cause}, {attempts} times", "check the device and the phone's clock, then run again"
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
            raise UsageError(f"cannot read {path}", "check the file's permissions") from None
        except Exception:
            raise UsageError(
                f"{path} could not be parsed",
                "fix the file by hand (a section header or key=value line is malformed)",
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
                f"profile {name!r} in {path} holds long-term access keys",
                "choose another name (e.g. NAME-mfa), or pass --force to overwrite them",
            )
    else:
        if updater.sections():
            updater[updater.sections()[-1]].add_after.space()
        updater.add_section(name)
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
        section[key] = value
    write_text_atomic(path, _text(updater), mode=0o600)
    return path


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
        exe = "mfa-session"
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
    section["credential_process"] = command
    if settings and settings.region and not section.get("region"):
        section["region"] = settings.region
    write_text_atomic(path, _text(updater), mode=0o600)
    return new, True


def save_mfa_serial(profile: str, serial: str, path: Path | None = None) -> Path:
    """Record mfa_serial in the profile's config section (comments kept)."""
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


def describe_left(seconds: float) -> str:
    """'11 h 58 min', '4 min 10 s' or 'expired'."""
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"
