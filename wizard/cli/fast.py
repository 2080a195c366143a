"""mfa-session's entry point: a cache hit answered with the bare standard library.

botocore starts a `credential_process` for every new client and the shell runs `mfa-session` every
morning, so a hit must cost little more than starting Python. This module imports only `os`, `sys`,
`time` and a SHA-256 implementation (not even `json` or `re`: it reads the cache file it wrote,
whose form it knows), reads the config files with a small line parser, and serves a
cached session only when every rule of the full command line holds (same identity hash, same
duration, more than 15 minutes left, a private file). That covers plain profiles and role profiles
(role_arn + source_profile, chains too, mfa_serial anywhere in the chain). Anything else (another
option, the keyring, an unusual platform, a damaged file, a miss) goes to the full command line
(`wizard.cli.session`), which decides again from scratch: this path can only say "hit" or "not
sure", never serve what the full path would not.

Whose a session is (the owner hash, the cache file's name, the refresh margin, the cache root)
comes from `wizard.session.keys`, the one stdlib-only module the full path uses too. What stays
here is the small reading of files (a line parser standing in for configparser, a flat JSON
reader standing in for json) that a test compares with the full path's.
"""

from __future__ import annotations

import os
import sys

from wizard.i18n import LANGUAGES
from wizard.session.keys import (
    CHAINED_MAX_DURATION,
    DEFAULT_ROLE_DURATION,
    MAX_CHAIN,
    OTHER_SIGN_IN_SETTINGS,
    PROCESS_FIELDS,
    REFRESH_MARGIN_SECONDS,
    REFUSAL_MEMORY_SECONDS,
    cache_key,
    cache_root,
    identity_hash,
    parse_refusals,
    role_owner_hash,
    role_session_name,
    section_name,
)

FAST_FORMATS = {"credential-process", "credential_process", "env", None}
_SHELL_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def read_ini(path: str) -> dict[str, dict[str, str]] | None:
    """The sections of an AWS config/credentials file; None when unreadable or unusual.

    Only the plain form is understood (`[section]`, `key = value`, whole-line `#`/`;` comments);
    an indented (nested) value, a `:` separator, a repeated section or anything odd gives None,
    and the caller falls back to the full parser.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None
    if any((c < " " and c not in "\t\r\n") or c > "~" for c in text):
        return None  # control or non-ASCII characters: configparser's rules differ from ours
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if raw[0] in " \t":
            return None  # a continuation or nested value: not ours to guess
        if line[0] == "[":
            end = line.rfind("]")  # configparser: from "[" to the last "]"; the rest ignored
            if end < 2:
                return None
            name = line[1:end]
            if name in sections or name != name.strip() or name == "DEFAULT":
                return None  # repeated, padded, or [DEFAULT] (copied into every section)
            current = sections[name] = {}
            continue
        key, sep, value = line.partition("=")
        name = key.strip().lower()
        if not sep or current is None or ":" in key or not name:
            return None
        if name in current:
            return None  # a repeated key: configparser refuses it too
        # No inline comments: configparser (as mfa-session and botocore use it) keeps them.
        current[name] = value.strip()
    return sections


def _settings(config: dict[str, dict[str, str]], profile: str) -> dict[str, str]:
    """A profile's values as read_profile sees them: mfa_serial from its source when missing."""
    values = dict(config.get(section_name(profile), {}))
    source = values.get("source_profile")
    if source and not values.get("mfa_serial"):
        values["mfa_serial"] = config.get(section_name(source), {}).get("mfa_serial", "")
    return values


def _duration(values: dict[str, str]) -> int | None:
    text = values.get("duration_seconds", "")
    return int(text) if text.isascii() and text.isdigit() else None


def _key_id(
    config: dict[str, dict[str, str]], profile: str, values: dict[str, str], profile_arg: bool
) -> str | None:
    """The long-term key id that signs for `profile` (a profile with keys), botocore's order:
    the environment's keys unless a profile was named, the credentials file, the config file."""
    env = os.environ
    source = values.get("source_profile") or None
    creds_profile = source or profile
    explicit = bool(profile_arg or source or env.get("AWS_PROFILE")) or creds_profile != "default"
    if not explicit and env.get("AWS_ACCESS_KEY_ID"):
        return env["AWS_ACCESS_KEY_ID"]
    creds_file = os.path.expanduser(env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")
    credentials = read_ini(creds_file)
    if credentials is None:
        return None
    for sections, name in ((credentials, creds_profile), (config, section_name(creds_profile))):
        if "aws_access_key_id" in sections.get(name, {}):
            return sections[name]["aws_access_key_id"].strip() or None
    return None


def _refused(root: str, owner: str) -> bool | None:
    """Whether the role refused this user directly in the last day (the full path's
    `roles.direct_refused`, from the same record by the same parser); None when the record
    cannot be read plainly."""
    from wizard import clock

    try:
        with open(os.path.join(root, "direct-refused"), encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):
        return None
    return owner in parse_refusals(text, clock.time() - REFUSAL_MEMORY_SECONDS)


def hit_key(profile_arg: str | None, root: str = "") -> tuple[str, str, int | None] | None:
    """(cache file key, owner hash, duration asked) of the session `profile_arg` stands for, or
    None (not sure). A plain profile's is its MFA session; a role profile's (role_arn and
    source_profile, chained or not) is its role session, whose owner is hashed from the chain
    just as `wizard.session.request.role_session` does."""
    env = os.environ
    profile = profile_arg or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"
    config_file = os.path.expanduser(env.get("AWS_CONFIG_FILE") or "~/.aws/config")
    config = read_ini(config_file)
    if config is None:
        return None
    chain = [profile]
    roles: list[tuple[str, dict[str, str]]] = []
    while True:
        values = _settings(config, chain[-1])
        if values.get("mfa_session_cache", "file") != "file":
            return None  # the keyring, or no cache, somewhere in the chain: the full path decides
        if any(values.get(other) for other in OTHER_SIGN_IN_SETTINGS):
            return None  # SSO, a credential_process...: the full path says what to use instead
        if not values.get("role_arn"):
            break
        roles.append((chain[-1], values))
        source = values.get("source_profile")
        if not source or source in chain or len(roles) > MAX_CHAIN:
            return None  # the full path explains what is wrong with the chain
        chain.append(source)
    base_name, base = chain[-1], values
    serial = next((v["mfa_serial"] for _unused, v in roles if v.get("mfa_serial")), None)
    serial = serial or base.get("mfa_serial") or None
    key_id = _key_id(config, base_name, base, bool(profile_arg))
    if not key_id:
        return None
    owner = identity_hash(key_id, serial, env.get("AWS_ENDPOINT_URL"), base.get("region"))
    if not roles:
        return cache_key(profile, owner), owner, _duration(base)
    outer = roles[0][1]
    wanted = _duration(outer) or DEFAULT_ROLE_DURATION
    if len(roles) > 1 and wanted > CHAINED_MAX_DURATION and serial:
        # The full path first tries the role directly with the code (not capped at 1 h),
        # unless the role refused that in the last day.
        direct = _role_owner(owner + "|direct", profile, outer)
        refused = _refused(root, direct) if root else None
        if refused is None:
            return None
        if not refused:
            return cache_key(profile, direct), direct, wanted
    for name, role in reversed(roles):
        owner = _role_owner(owner, name, role)
    chained = len(roles) > 1  # AWS caps a role assumed with another role's session at 1 h
    return (
        cache_key(profile, owner),
        owner,
        min(wanted, CHAINED_MAX_DURATION) if chained else wanted,
    )


def _role_owner(source_owner: str, name: str, role: dict[str, str]) -> str:
    session = role_session_name(name, role.get("role_session_name") or None)
    return role_owner_hash(
        source_owner, role.get("role_arn"), role.get("external_id") or None, session
    )


def _epoch(stamp: str) -> float | None:
    """'2026-11-27T16:43:26Z' -> seconds since the epoch (UTC), without datetime."""
    try:
        date, clock = stamp.rstrip("Z").split("T")
        year, month, day = (int(p) for p in date.split("-"))
        hour, minute, second = (int(float(p)) for p in clock.split(":"))
    except ValueError:
        return None
    # Days from civil (Howard Hinnant's algorithm).
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second


def _quote(value: str) -> str:
    """shlex.quote without importing shlex (and re)."""
    if value and all(c in _SHELL_SAFE for c in value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def read_flat_json(text: str) -> dict[str, str] | None:
    """The cache file as written by json.dumps of a flat dict of plain ASCII strings; None for
    anything else (an escape, a nested value, another spacing): then json itself decides."""
    text = text.strip()
    if not (text.startswith('{"') and text.endswith('"}')) or "\\" in text:
        return None
    data: dict[str, str] = {}
    for pair in text[2:-2].split('", "'):
        key, sep, value = pair.partition('": "')
        if not sep or '"' in key or '"' in value:
            return None
        data[key] = value
    return data


def flat_json(data: dict[str, object]) -> str:
    """json.dumps(data) for a flat dict of plain ASCII strings and ints (what we print)."""
    parts = [f'"{k}": {v}' if isinstance(v, int) else f'"{k}": "{v}"' for k, v in data.items()]
    return "{" + ", ".join(parts) + "}"


def cached_output(argv: list[str]) -> str | None:
    """What mfa-session would print for `argv` on a cache hit, or None (take the full path)."""
    profile = None
    fmt = None
    rest = list(argv)
    while rest:
        flag = rest.pop(0)
        if flag in ("--profile", "--format", "--lang") and rest and not rest[0].startswith("-"):
            value = rest.pop(0)
        elif flag.startswith(("--profile=", "--format=", "--lang=")):
            flag, _unused, value = flag.partition("=")
        else:
            return None
        if flag == "--lang":
            # A hit prints no words, so the language does not matter; an unknown one is the
            # full path's to refuse.
            if value not in LANGUAGES:
                return None
        elif flag == "--profile":
            profile = value
        else:
            fmt = value
    if fmt not in FAST_FORMATS:
        return None
    root = cache_root()
    found = hit_key(profile, root) if root else None
    if root is None or found is None:
        return None
    key, owner, duration = found
    path = os.path.join(root, "sessions", f"{key}.json")
    try:
        if os.stat(path).st_mode & 0o077:
            return None  # the full path removes a file others could read
        with open(path, encoding="utf-8") as handle:
            data = read_flat_json(handle.read())
        if data is None or data.get("Owner") != owner:
            return None
        if duration and str(data.get("Duration")) != str(duration):
            return None
        expires = _epoch(str(data["Expiration"]))
        from wizard import clock

        if expires is None or expires - clock.time() <= REFRESH_MARGIN_SECONDS:
            return None
        fields = [data[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if fmt in ("credential-process", "credential_process"):
        return flat_json({"Version": 1, **{k: data[k] for k in PROCESS_FIELDS}}) + "\n"
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    lines = [f"export {n}={_quote(str(v))}\n" for n, v in zip(names, fields, strict=True)]
    return "".join(lines) + f"export AWS_CREDENTIAL_EXPIRATION={_quote(str(data['Expiration']))}\n"


def main() -> None:
    """The `mfa-session` console script: a hit here, everything else on the full path."""
    argv = sys.argv[1:]
    if argv[:1] not in (["setup"], ["exec"], ["list"], ["clear"]):
        try:
            output = cached_output(argv)
        except Exception:  # anything unexpected here: the full path decides, and says why
            output = None
        if output is not None:
            sys.stdout.write(output)
            sys.stdout.flush()
            return
    from wizard.cli.session import main as full

    full()
