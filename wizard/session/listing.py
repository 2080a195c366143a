"""What mfa-session holds: every cached session (whose, signing as whom, for which role, until
when) for `mfa-session list`, and forgetting them for `mfa-session clear`.

Names and times only: no key id, secret or token ever leaves this module. Sessions in the file
cache are read from their folder; sessions in the OS keyring from the index of their names the
keyring cache keeps (a keyring cannot list what it holds).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from wizard import clock as timing
from wizard.errors import UsageError
from wizard.i18n import _
from wizard.session.cache import cache_dir, keyring_index, make_cache
from wizard.session.credentials import SessionCredentials
from wizard.session.request import DEVICE_PROFILE, DeviceShare

# The Profile a hand-over entry records (request.DeviceShare): the marker, then whose keys.
DEVICE_MARK = DEVICE_PROFILE + ":"


class CachedSession:
    """One cached session, as `list` shows it."""

    __slots__ = ("key", "backend", "profile", "identity", "role_arn", "expiration")

    def __init__(
        self,
        key: str,
        backend: str,
        profile: str,
        identity: str,
        role_arn: str,
        expiration: datetime,
    ) -> None:
        self.key = key
        self.backend = backend
        self.profile = profile
        self.identity = identity
        self.role_arn = role_arn
        self.expiration = expiration

    @property
    def seconds_left(self) -> float:
        return self.expiration.timestamp() - timing.time()

    @property
    def is_device_share(self) -> bool:
        """A hand-over at a device, not a session of a profile of yours: marked in the entry
        (a profile really named `@device` is not one), or by its file name in an entry of an
        older form."""
        return self.profile.startswith(DEVICE_MARK) or self.profile == "_device"

    def as_dict(self) -> dict[str, Any]:
        """For `list --format json`: names and times, never a key."""
        return {
            "profile": self.profile,
            "identity": self.identity or None,
            "role": self.role_arn or None,
            "expiration": self.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds_left": max(0, int(self.seconds_left)),
            "cache": self.backend,
        }


def _profile_of(key: str, creds: SessionCredentials) -> str:
    """The profile an entry is for: recorded in it, else (an entry of an older form) the name
    its file was given, cut at the owner hash (`keys.cache_key`)."""
    return creds.profile or key.rsplit("-", 1)[0]


def _entry(key: str, backend: str, creds: SessionCredentials) -> CachedSession:
    return CachedSession(
        key, backend, _profile_of(key, creds), creds.identity, creds.role_arn, creds.expiration
    )


def _file_entries(directory: Path) -> list[CachedSession]:
    found = []
    for path in sorted(directory.glob("*.json")):
        try:
            creds = SessionCredentials.from_cache(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # damaged: never served (the cache treats it as a miss); `clear` removes it
        found.append(_entry(path.stem, "file", creds))
    return found


def _keyring_entries() -> list[CachedSession]:
    keys = keyring_index().names()
    if not keys:
        return []
    try:
        cache = make_cache("keyring")
    except UsageError:
        return []  # keyring uninstalled since, or no safe backend: nothing there can be read
    found = []
    for key in keys:
        creds = cache.load(key)
        if creds is not None:
            found.append(_entry(key, "keyring", creds))
    return found


def cached_sessions(device_shares: bool = False) -> list[CachedSession]:
    """Every cached session, by profile then expiry; the hand-overs at a device only if asked."""
    found = _file_entries(cache_dir()) + _keyring_entries()
    if not device_shares:
        found = [s for s in found if not s.is_device_share]
    return sorted(found, key=lambda s: (s.profile, s.expiration))


def _sourced_from(profile: str) -> set[str]:
    """The profiles whose source_profile chain goes through `profile`: role profiles, and
    profiles that take its keys (`source_profile` without `role_arn`)."""
    from wizard.session.profiles import config_path, read_ini_file, source_chain
    from wizard.session.roles import list_profiles

    parser = read_ini_file(config_path())
    if parser is None:
        return set()
    return {name for name, _unused in list_profiles() if profile in source_chain(parser, name)[1:]}


def _device_key(profile: str) -> str | None:
    """The cache key of the hand-over session at `profile`'s device, when it can be told (the
    profile's keys and mfa_serial are known)."""
    import os

    from wizard.session.cache import source_key_id
    from wizard.session.profiles import read_profile

    settings = read_profile(profile)
    key_id = source_key_id(settings.source_profile or profile, True)
    if not key_id or not settings.mfa_serial:
        return None
    return DeviceShare.key_of(key_id, settings.mfa_serial, os.environ.get("AWS_ENDPOINT_URL"))


def clear_sessions(profile: str | None = None) -> list[CachedSession]:
    """Forget every cached session, or `profile`'s: its own, those of the profiles whose
    source_profile chain goes through it, and the hand-over at its device. Returns what was
    forgotten; a keyring that refuses to forget one is an error, after the rest are gone."""
    everything = cached_sessions(device_shares=True)
    if profile is None:
        chosen = everything
    else:
        if not profile.strip():
            raise UsageError(
                _("an empty profile name"),
                _("name a profile, or give none to forget every session"),
            )
        names = {profile} | _sourced_from(profile)
        device = _device_key(profile)
        chosen = [
            s
            for s in everything
            if (not s.is_device_share and s.profile in names)
            or (s.is_device_share and (s.profile == DEVICE_MARK + profile or s.key == device))
        ]
    forgotten, refused = [], []
    caches: dict[str, Any] = {}  # one per backend, made when first needed (keyring: an import)
    for session in chosen:
        try:
            if session.backend not in caches:
                caches[session.backend] = make_cache(session.backend)
            caches[session.backend].delete(session.key)
        except UsageError:
            refused.append(session)
            continue
        forgotten.append(session)
    if profile is None:
        for damaged in cache_dir().glob("*.json"):  # unreadable entries too: all means all
            damaged.unlink(missing_ok=True)
    if refused:
        own = sorted({s.profile for s in refused if not s.is_device_share})
        names = ", ".join(own) or _("the hand-over at the MFA device")
        rest = (
            _(" (the others were forgotten)")
            if any(not s.is_device_share for s in forgotten)
            else ""
        )
        raise UsageError(
            _("the keyring refused to forget the cached session of {names}{rest}").format(
                names=names, rest=rest
            ),
            _("unlock the keyring, then run the same `mfa-session clear` again"),
        )
    return forgotten
