"""Where mfa-session keeps sessions: the 0600 file cache (or the OS keyring), keyed by the source
identity, the miss lock, and the record of which sessions this tool made with an MFA code.

Standard library only at import time: this is on the cache-hit path.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wizard import APP_NAME
from wizard import clock as timing
from wizard.errors import UsageError
from wizard.files import write_text_atomic
from wizard.i18n import _
from wizard.session.credentials import SessionCredentials
from wizard.session.keys import cache_root, section_name, sha256_hex
from wizard.session.profiles import config_path, credentials_path, read_ini_file

CACHE_BACKENDS = ("file", "keyring", "none")


KEYRING_SERVICE = APP_NAME


def cache_dir() -> Path:
    """The per-user cache directory (platformdirs' user cache dir), never the project tree: the
    same root the cache-hit fast path reads (`keys.cache_root`), platformdirs where that has
    none."""
    root = cache_root()
    if root is None:
        import platformdirs

        root = platformdirs.user_cache_dir(APP_NAME, appauthor=False)
    return Path(root) / "sessions"


def source_key_id(profile: str, explicit: bool) -> str | None:
    """The long-term access key id the session would be asked with, read with the standard
    library (no boto3 on the hit path), in botocore's order: the environment's keys unless a
    profile was named, then the credentials file, then the config file. None when unknown."""
    if not explicit and os.environ.get("AWS_ACCESS_KEY_ID"):
        return os.environ["AWS_ACCESS_KEY_ID"]
    for path, section in (
        (credentials_path(), profile),
        (config_path(), section_name(profile)),
    ):
        parser = read_ini_file(path)
        if parser is not None and parser.has_option(section, "aws_access_key_id"):
            return parser.get(section, "aws_access_key_id").strip() or None
    return None


def _mfa_sessions_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)) / "mfa-sessions.json"


def _key_digest(access_key_id: str) -> str:
    return sha256_hex(access_key_id)[:32]


def remember_mfa_session(creds: SessionCredentials) -> None:
    """Note (a hash of the key id, and the expiry) that this session was made with an MFA code,
    so the lockout guard can tell it from a session made without one. Never the key itself."""
    path = _mfa_sessions_path()
    known = _read_mfa_sessions(path)
    now = timing.time()
    known = {k: v for k, v in known.items() if v > now}
    known[_key_digest(creds.access_key_id)] = creds.expiration.timestamp()
    write_text_atomic(path, json.dumps(known), mode=0o600)


def _read_mfa_sessions(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text())
        return {str(k): float(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def is_known_mfa_session(access_key_id: str) -> bool:
    """True when this tool made the session `access_key_id` belongs to, with an MFA code."""
    expiry = _read_mfa_sessions(_mfa_sessions_path()).get(_key_digest(access_key_id))
    return expiry is not None and expiry > timing.time()


@contextlib.contextmanager
def miss_lock(directory: Path, key: str) -> Iterator[None]:
    """One miss at a time per key: two credential_process calls at once prompt once, the second
    finds what the first cached. (No lock where fcntl does not exist.)"""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_NOFOLLOW: a link planted at the lock's name is refused, never followed.
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(directory / f"{key}.lock", flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class FileCache:
    """Credentials as 0600 JSON files in a 0700 directory under the user cache dir."""

    name = "file"

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir()

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> SessionCredentials | None:
        """The cached credentials, or None when missing or damaged (never an error)."""
        path = self.path(key)
        try:
            info = path.stat()
            # POSIX mode bits only: on Windows they say nothing (every file would look open).
            if os.name == "posix" and info.st_mode & 0o077:
                # Someone loosened the mode: do not trust (or use) what others could read.
                path.unlink(missing_ok=True)
                return None
            return SessionCredentials.from_cache(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, key: str, creds: SessionCredentials) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        write_text_atomic(self.path(key), json.dumps(creds.to_cache()), mode=0o600)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def check_keyring_backend(backend: Any) -> None:
    """Refuse a keyring that would store the session in the clear, or not at all: the fail
    backend (no keyring found), a plaintext file, or one that rates itself unusable."""
    kind = f"{type(backend).__module__}.{type(backend).__name__}"
    priority = getattr(backend, "priority", 1)
    if (
        "fail" in kind.lower()
        or "plaintext" in kind.lower()
        or "null" in kind.lower()
        or (isinstance(priority, int | float) and priority < 1)
    ):
        raise UsageError(
            _("the keyring backend {kind} does not keep secrets safe (or at all)").format(
                kind=kind
            ),
            _(
                "use the OS keychain (macOS Keychain, Secret Service, Windows Credential Locker) "
                "or --cache file"
            ),
        )


class KeyringCache:
    """Credentials in the OS keyring (opt-in: importing keyring costs ~110 ms)."""

    name = "keyring"

    def __init__(self) -> None:
        try:
            import keyring
        except ImportError:
            raise UsageError(
                _("the keyring cache needs the keyring package"),
                _("install it (`pip install keyring`) or use --cache file"),
            ) from None
        self._keyring = keyring
        check_keyring_backend(keyring.get_keyring())

    def load(self, key: str) -> SessionCredentials | None:
        try:
            raw = self._keyring.get_password(KEYRING_SERVICE, key)
            return SessionCredentials.from_cache(json.loads(raw)) if raw else None
        except Exception:  # a locked or broken keyring behaves as a miss
            return None

    def save(self, key: str, creds: SessionCredentials) -> None:
        self._keyring.set_password(KEYRING_SERVICE, key, json.dumps(creds.to_cache()))
        with contextlib.suppress(OSError):  # the index serves `list`; the session is saved
            keyring_index().add(key)

    def delete(self, key: str) -> None:
        """Forget one session; UsageError when the keyring would not (locked, an unlock dialog
        dismissed): then it stays listed, for `clear` to try again."""
        try:
            self._keyring.delete_password(KEYRING_SERVICE, key)
        except Exception:
            if self.load(key) is not None:  # still there: not merely absent already
                raise UsageError(
                    _("the keyring refused to forget a session"),
                    _("unlock the keyring, then run the same `mfa-session clear` again"),
                ) from None
        with contextlib.suppress(OSError):
            keyring_index().remove(key)


class KeyringIndex:
    """The names (cache keys: a profile and a hash) of the sessions put in the keyring, one per
    line in a 0600 file, so that `mfa-session list` and `clear` can find them: a keyring has no
    way to list what it holds. Names only; the sessions stay in the keyring."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def names(self) -> list[str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        return sorted({line.strip() for line in lines if line.strip()})

    def _update(self, key: str, present: bool) -> None:
        """Add or remove one name, read and written under a lock (two processes at once)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with miss_lock(self.path.parent, "keyring-index"):
            names = set(self.names())
            if (key in names) == present:
                return
            names = names | {key} if present else names - {key}
            write_text_atomic(self.path, "".join(f"{n}\n" for n in sorted(names)), mode=0o600)

    def add(self, key: str) -> None:
        self._update(key, present=True)

    def remove(self, key: str) -> None:
        self._update(key, present=False)


def keyring_index() -> KeyringIndex:
    """The index of the sessions in the keyring, beside the file cache."""
    return KeyringIndex(cache_dir().parent / "keyring-sessions")


class NoCache:
    """--no-cache / --cache none."""

    name = "none"

    def load(self, key: str) -> SessionCredentials | None:
        return None

    def save(self, key: str, creds: SessionCredentials) -> None:
        return None

    def delete(self, key: str) -> None:
        return None


def make_cache(backend: str) -> FileCache | KeyringCache | NoCache:
    """The cache backend by name."""
    if backend == "file":
        return FileCache()
    if backend == "keyring":
        return KeyringCache()
    if backend == "none":
        return NoCache()
    raise UsageError(
        _("unknown cache backend {backend!r}").format(backend=backend),
        _("use one of {join}").format(join=", ".join(CACHE_BACKENDS)),
    )
