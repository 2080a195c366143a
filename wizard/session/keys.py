"""Which cached session belongs to whom: the rules both mfa-session paths share.

The cache-hit fast path (`wizard.cli.fast`) and the full path (`wizard.session.cache`,
`wizard.session.request`) import this one module, so a cache file's name, its owner hash and
the refresh margin are defined once. Standard library only, and only `os` and `sys` at that:
this is on the cache-hit path, whose start-up a test holds (no typing, json, re or hashlib).
"""

from __future__ import annotations

import os
import sys

from wizard import APP_NAME

# botocore refreshes credential_process credentials from 15 minutes before expiry (and calls the
# process again and again inside that window): a cache hit must have more than that left.
REFRESH_MARGIN_SECONDS = 15 * 60
# What a credential_process prints besides "Version": 1 (the AWS CLI's documented fields).
PROCESS_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
# Role profiles (wizard.session.roles), here because the fast path serves role sessions too.
CHAINED_MAX_DURATION = 3_600  # AWS's cap for a role assumed with another role's session
DEFAULT_ROLE_DURATION = 3_600  # the AWS CLI's default for role profiles
MAX_CHAIN = 8
# A trust policy gets fixed: after a day a role that refused the user directly is tried again.
REFUSAL_MEMORY_SECONDS = 24 * 3600
# Settings that give a profile credentials of another kind (IAM Identity Center, `aws login`, a
# credential_process, a web identity, the host's): never an MFA session of mfa-session's.
OTHER_SIGN_IN_SETTINGS = (
    "sso_session",
    "sso_start_url",
    "login_session",
    "credential_process",
    "web_identity_token_file",
    "credential_source",
)
_KEY_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def sha256_hex(text: str) -> str:
    """SHA-256 of the text, from the interpreter's built-in implementation where there is one
    (hashlib would load OpenSSL: a few milliseconds on every credential_process call)."""
    try:  # Python 3.12+ / 3.11
        from _sha2 import sha256  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
        except ImportError:
            from hashlib import sha256
    return sha256(text.encode()).hexdigest()


def section_name(profile: str) -> str:
    """The config-file section of a profile: [default] or [profile NAME]."""
    return "default" if profile == "default" else f"profile {profile}"


def identity_hash(
    key_id: str | None, serial: str | None, endpoint: str | None, region: str | None
) -> str:
    """Who and where a session belongs to, as a hash (the key id itself is not written down)."""
    if not key_id:
        return ""
    return sha256_hex("\0".join((key_id, serial or "", endpoint or "", region or "")))[:32]


def role_session_name(profile: str, configured: str | None) -> str:
    """role_session_name, else mfa-session-PROFILE (CloudTrail shows it: say who and how)."""
    if configured:
        return configured
    safe = "".join(c if c.isalnum() or c in "=,.@-_" else "-" for c in profile)
    return f"mfa-session-{safe}"[:64]


def role_owner_hash(
    source_owner: str, role_arn: str | None, external_id: str | None, session_name: str
) -> str:
    """Whose role session it is: the source session's owner plus the role and its options
    ("" when the source's owner is unknown: such a session is never cached)."""
    if not source_owner:
        return ""
    return sha256_hex("|".join([source_owner, role_arn or "", external_id or "", session_name]))[
        :32
    ]


def parse_refusals(text: str, oldest: float) -> dict[str, float]:
    """The direct-refused record (`roles.refuse_direct`: "OWNER STAMP" lines): owner hash ->
    when the role refused it, for refusals after `oldest`; lines of another form are dropped."""
    known: dict[str, float] = {}
    for line in text.splitlines():
        owner, _unused, when = line.partition(" ")
        try:
            stamp = float(when)
        except ValueError:
            continue
        if stamp > oldest:
            known[owner] = stamp
    return known


def cache_key(profile: str, owner: str) -> str:
    """A file-name-safe key: the profile (readable) and the source identity's hash."""
    safe = "".join(c if c in _KEY_SAFE else "_" for c in profile)[:40]
    return f"{safe}-{owner[:16]}"


def cache_root() -> str | None:
    """platformdirs.user_cache_dir(APP_NAME) on Linux and macOS, without importing platformdirs;
    None elsewhere (the caller asks platformdirs itself)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if sys.platform == "darwin":
        # platformdirs may honour XDG_CACHE_HOME on macOS too: then leave it to platformdirs.
        return None if xdg else os.path.expanduser(f"~/Library/Caches/{APP_NAME}")
    if sys.platform.startswith("linux"):
        # platformdirs ignores a relative XDG_CACHE_HOME (as the XDG spec says).
        base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache")
        return os.path.join(base, APP_NAME)
    return None
