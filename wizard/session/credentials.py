"""MFA session credentials: the temporary keys, their lifetimes and the formats they print in.

Import-light on purpose: `mfa-session` on a cache hit must not import boto3 (about 250 ms),
keyring (about 110 ms) or anything of Textual/questionary.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from typing import Any

from wizard import clock as timing
from wizard.errors import UsageError
from wizard.i18n import _
from wizard.session.keys import PROCESS_FIELDS, REFRESH_MARGIN_SECONDS

MIN_DURATION = 900
MAX_DURATION = 129_600
ROOT_MAX_DURATION = 3_600
DEFAULT_DURATION = 43_200
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
        "profile",
        "identity",
        "role_arn",
    )

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str,
        expiration: datetime,
        owner: str = "",
        duration: int = 0,
        profile: str = "",
        identity: str = "",
        role_arn: str = "",
    ) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token
        self.expiration = expiration
        # In the cache only: whose long-term key obtained it (a hash), and the duration asked.
        self.owner = owner
        self.duration = duration
        # For `mfa-session list` and `clear`: the profile it was made for, who it signs as (an
        # ARN), the role assumed. Names only, never a key.
        self.profile = profile
        self.identity = identity
        self.role_arn = role_arn

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
        """The dict stored in the cache (0600 file or keyring); the names only when known."""
        data = {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration_iso,
            "Owner": self.owner,
            "Duration": str(self.duration),
        }
        for key, value in (
            ("Profile", self.profile),
            ("Arn", self.identity),
            ("RoleArn", self.role_arn),
        ):
            if value:
                data[key] = value
        return data

    def process_output(self) -> dict[str, object]:
        """What a credential_process prints: the documented fields, nothing of the cache's."""
        data = self.to_cache()
        return {"Version": 1, **{k: data[k] for k in PROCESS_FIELDS}}

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
            profile=str(data.get("Profile", "")),
            identity=str(data.get("Arn", "")),
            role_arn=str(data.get("RoleArn", "")),
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
            _("{text!r} is not a duration").format(text=text),
            _("use seconds (3600) or a number with s, m, h or d (12h, 90m)"),
        )
    value = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return check_duration(value)


def check_duration(seconds: int, root: bool = False) -> int:
    """Refuse a duration outside what GetSessionToken accepts, naming the range."""
    upper = ROOT_MAX_DURATION if root else MAX_DURATION
    if not MIN_DURATION <= seconds <= upper:
        raise UsageError(
            (
                _("a session of {seconds} s is outside what AWS allows for the root user")
                if root
                else _("a session of {seconds} s is outside what AWS allows for IAM users")
            ).format(seconds=seconds),
            _("choose {min_duration}-{upper} seconds (15 min to {value} h)").format(
                min_duration=MIN_DURATION, upper=upper, value=upper // 3600
            ),
        )
    return seconds


def is_root_serial(serial: str) -> bool:
    """Root's virtual device is arn:PARTITION:iam::ACCOUNT:mfa/root-account-mfa-device (or :root)."""
    return serial.endswith(":root") or serial.endswith("/root-account-mfa-device")


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
        return json.dumps(creds.process_output()) + "\n"
    raise UsageError(
        _("unknown format {fmt!r}").format(fmt=fmt),
        _("use one of {join}").format(join=", ".join(FORMATS)),
    )


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


def describe_left(seconds: float) -> str:
    """'11 h 58 min', '4 min 10 s' or 'expired'."""
    if seconds <= 0:
        return _("expired")
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("{hours} h {minutes:02d} min").format(hours=hours, minutes=minutes)
    return _("{minutes} min {seconds:02d} s").format(minutes=minutes, seconds=secs)
