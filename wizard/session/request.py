"""What `mfa-session` and the TUI's Session step both do: the credentials a profile stands for.

A plain profile (long-term keys): its MFA session from GetSessionToken, cached. A role profile:
the MFA session of its source (one code, shared by every role on that source), then AssumeRole
with it, each role's session cached on its own. The cache is checked before boto3 is imported;
only a miss pays for it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any

from wizard.errors import UsageError
from wizard.i18n import _
from wizard.session.cache import cache_dir, make_cache, miss_lock, source_key_id
from wizard.session.credentials import (
    DEFAULT_DURATION,
    ROOT_MAX_DURATION,
    SessionCredentials,
    check_duration,
    is_root_serial,
)
from wizard.session.keys import cache_key, identity_hash
from wizard.session.profiles import ProfileSettings, check_servable


def _quiet(_: str) -> None:
    return None


class SessionRequest:
    """Everything one request needs besides the profile's own settings.

    `ask_code(serial)` returns the code (a prompt, a command, a typed field); `say` hears the
    one-line notes (device found, role chaining, retries); `countdown(seconds)` hears the wait
    for an unused code (None: do not wait, the code was given); `save_serial(profile, serial)`
    says whether to store a discovered device as the profile's mfa_serial.
    A plain class, not a dataclass: it is built on the cache-hit path, where start-up counts.
    """

    def __init__(
        self,
        profile_given: bool,
        ask_code: Callable[[str], str],
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        serial: str | None = None,
        cache: str | None = None,
        refresh: bool = False,
        no_cache: bool = False,
        say: Callable[[str], None] = _quiet,
        countdown: Callable[[int], None] | None = None,
        save_serial: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.profile_given = profile_given
        self.ask_code = ask_code
        self.region = region
        self.endpoint_url = endpoint_url
        self.serial = serial
        self.cache = cache
        self.refresh = refresh
        self.no_cache = no_cache
        self.say = say
        self.countdown = countdown
        self.save_serial = save_serial


def session_for(
    req: SessionRequest, profile: str, settings: ProfileSettings, duration: int | None
) -> SessionCredentials:
    """The credentials `profile` stands for: its MFA session, or its role's session."""
    if settings.role_arn:
        return role_session(req, profile, settings, duration)
    check_servable(settings)
    serial = req.serial or settings.mfa_serial
    return base_session(req, profile, settings, serial, duration or settings.duration_seconds)


def cached_or(
    req: SessionRequest,
    profile: str,
    settings: ProfileSettings,
    owner: str,
    duration: int | None,
    miss: Callable[[], SessionCredentials],
) -> SessionCredentials:
    """The cached session of `profile` for `owner`, else `miss()` (run once under a lock)."""
    backend = backend_of(req, settings)
    cache = make_cache(backend)
    key = cache_key(profile, owner)
    if not req.refresh and owner:
        cached = cache.load(key)
        if cached is not None and cached.serves(owner, duration):
            return cached
    if not owner or backend == "none":
        # No way to tell whose session it would be (or no cache at all): neither served from
        # nor written to the cache, and no lock file either.
        return miss()
    with miss_lock(cache_dir(), key):
        if not req.refresh:
            cached = cache.load(key)  # filled by a process that held the lock before us?
            if cached is not None and cached.serves(owner, duration):
                return cached
        creds = miss()
        creds.owner = owner
        creds.profile, creds.role_arn = profile, settings.role_arn or ""
        cache.save(key, creds)
    return creds


def backend_of(req: SessionRequest, settings: ProfileSettings) -> str:
    """The cache backend of this request: --no-cache, --cache, the profile's, else the file."""
    return "none" if req.no_cache else (req.cache or settings.cache_backend or "file")


# The hand-over's name in the cache, and the start of the Profile it records ("@device:dev").
DEVICE_PROFILE = "@device"


class DeviceShare:
    """The MFA session the last turn at a device made for one user's keys, whichever profile or
    region asked for it: a process that waited for its turn at the device takes it instead of
    asking a code (`token.obtain`). A GetSessionToken session is not bound to a region.

    Kept in the same cache backend as the request's own sessions, under its own key.
    """

    def __init__(
        self,
        cache: Any,
        key_id: str,
        serial: str,
        endpoint: str | None,
        duration: int,
        profile: str = "",
    ):
        self.cache = cache
        # Whose keys made it: `mfa-session clear PROFILE` forgets it too, `list` leaves it out.
        self.profile = f"{DEVICE_PROFILE}:{profile}"
        self.owner = identity_hash(key_id, serial, endpoint, DEVICE_PROFILE)
        self.key = cache_key(DEVICE_PROFILE, self.owner)
        self.duration = duration

    @staticmethod
    def key_of(key_id: str, serial: str, endpoint: str | None) -> str:
        """The cache key of the hand-over for these keys and this device."""
        return cache_key(DEVICE_PROFILE, identity_hash(key_id, serial, endpoint, DEVICE_PROFILE))

    def load(self) -> SessionCredentials | None:
        found = self.cache.load(self.key)
        return found if found is not None and found.serves(self.owner, self.duration) else None

    def save(self, creds: SessionCredentials) -> None:
        copy = SessionCredentials.from_cache(creds.to_cache())
        copy.owner, copy.duration, copy.profile = self.owner, self.duration, self.profile
        self.cache.save(self.key, copy)


def keys_profile(req: SessionRequest, profile: str, settings: ProfileSettings) -> tuple[str, bool]:
    """(the profile holding the long-term keys, whether it was named): credentials come from
    source_profile when the profile names one (AWS CLI semantics), and a named profile (or any
    but "default") wins over the environment's keys."""
    creds_profile = settings.source_profile or profile
    explicit = bool(req.profile_given or settings.source_profile or os.environ.get("AWS_PROFILE"))
    return creds_profile, explicit or creds_profile != "default"


def base_owner(
    req: SessionRequest, profile: str, settings: ProfileSettings, serial: str | None
) -> str:
    """Whose MFA session it is: a hash of the long-term key id, the device, endpoint, region."""
    endpoint = req.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    # The same profile fetch() gives boto3, so the key hashed here is the key that asks.
    creds_profile, explicit = keys_profile(req, profile, settings)
    return identity_hash(
        source_key_id(creds_profile, explicit), serial, endpoint, req.region or settings.region
    )


def base_session(
    req: SessionRequest,
    profile: str,
    settings: ProfileSettings,
    serial: str | None,
    duration: int | None,
) -> SessionCredentials:
    """The MFA session (GetSessionToken) of the profile holding long-term keys, cached."""
    owner = base_owner(req, profile, settings, serial)
    return cached_or(
        req,
        profile,
        settings,
        owner,
        duration,
        lambda: fetch(req, profile, settings, serial, duration),
    )


def role_session(
    req: SessionRequest, profile: str, settings: ProfileSettings, duration: int | None
) -> SessionCredentials:
    """A role profile: the source's MFA session (one code, shared), then AssumeRole with it.

    The role's own cached session is looked at first: its owner is a hash of the chain's
    identities, known without the source's session, so a fresh role session is served even
    when the source's (say 12 h) session has run out. The fast path (`wizard.cli.fast`) serves
    the same hit by the same rule.
    """
    from wizard.session.roles import chain_serial, role_chain, role_duration, role_owner

    roles, base = role_chain(profile)
    serial = req.serial or chain_serial(roles, base)
    endpoint = req.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    outer_asked, capped = role_duration(settings, chained=len(roles) > 1, asked=duration)
    wanted = role_duration(settings, chained=False, asked=duration)[0]  # as asked, uncapped
    if capped and serial:
        # Chained, the session would stop at 1 h; assumed directly from the user with the MFA
        # code it can last as long as asked, if the role trusts the user itself.
        direct = direct_role_session(req, settings, base, serial, wanted, endpoint)
        if direct is not None:
            return direct
    key, owner, _unused = chain_entry(req, roles, base, serial, outer_asked)
    if not req.refresh and owner:
        cached = make_cache(backend_of(req, settings)).load(key)
        if cached is not None and cached.serves(owner, outer_asked):
            return cached
    # The innermost role is assumed with the base user's MFA session (not chained); every
    # role after it with the previous role's session (chained: AWS caps those at 1 h).
    source = base_session(req, base.name, base, serial, base.duration_seconds)
    for depth, role in enumerate(reversed(roles)):
        outermost = depth == len(roles) - 1
        asked, note = role_duration(role, chained=depth > 0, asked=duration if outermost else None)
        if note:
            req.say(f"{note}.")
        owner = role_owner(source.owner, role)
        source = cached_or(
            req,
            role.name,
            role,
            owner,
            asked,
            lambda role=role, source=source, asked=asked: assume(
                role, source, asked, endpoint, req
            ),
        )
    return source


def served_from(
    req: SessionRequest, profile: str, settings: ProfileSettings, duration: int | None
) -> tuple[str, str, int | None]:
    """(cache key, owner, duration) of the entry a fresh session of `profile` is served from:
    a plain profile's MFA session; a role's session assumed directly with the code (a chained
    role asked for more than AWS's 1 h chaining cap, unless it refused that lately); else the
    role's session through its chain. The fast path (`wizard.cli.fast.hit_key`) finds the same."""
    from wizard.session.roles import chain_serial, direct_refused, role_chain, role_duration

    if not settings.role_arn:
        serial = req.serial or settings.mfa_serial
        owner = base_owner(req, profile, settings, serial)
        return cache_key(profile, owner), owner, duration or settings.duration_seconds
    roles, base = role_chain(profile)
    serial = req.serial or chain_serial(roles, base)
    outer_asked, capped = role_duration(settings, chained=len(roles) > 1, asked=duration)
    if capped and serial:
        direct = direct_owner(req, settings, base, serial)
        if not (direct and direct_refused(direct)):
            wanted = role_duration(settings, chained=False, asked=duration)[0]
            return cache_key(profile, direct), direct, wanted
    return chain_entry(req, roles, base, serial, outer_asked)


def chain_entry(
    req: SessionRequest,
    roles: list[ProfileSettings],
    base: ProfileSettings,
    serial: str | None,
    asked: int,
) -> tuple[str, str, int]:
    """(cache key, owner, duration) of the outermost role's session through its chain."""
    owner = chain_owners(req, roles, base, serial)[-1]
    return cache_key(roles[0].name, owner), owner, asked


def chain_owners(
    req: SessionRequest, roles: list[ProfileSettings], base: ProfileSettings, serial: str | None
) -> list[str]:
    """The owner each session of a role chain carries, base first: what `cached_or` gives a
    session (its owner hash when cached, "" under the `none` backend, which caches nothing and
    so lets nothing after it be cached either)."""
    from wizard.session.roles import role_owner

    def carried(settings: ProfileSettings, owner: str) -> str:
        return owner if backend_of(req, settings) != "none" else ""

    owners = [carried(base, base_owner(req, base.name, base, serial))]
    for role in reversed(roles):
        owners.append(carried(role, role_owner(owners[-1], role)))
    return owners


def direct_owner(
    req: SessionRequest, role: ProfileSettings, base: ProfileSettings, serial: str
) -> str:
    """Whose session `role` assumed directly with the base user's code is; "" when the user's
    key is unknown (then nothing is cached: the same rule as every other session)."""
    from wizard.session.roles import role_owner

    source_owner = base_owner(req, base.name, base, serial)
    return role_owner(source_owner + "|direct", role) if source_owner else ""


def direct_role_session(
    req: SessionRequest,
    role: ProfileSettings,
    base: ProfileSettings,
    serial: str,
    duration: int,
    endpoint: str | None,
) -> SessionCredentials | None:
    """AssumeRole of `role` signed by the base user's long-term keys with an MFA code (not
    chained, so not capped at 1 h), cached; None when the role does not trust the user."""
    from wizard.session.roles import direct_refused, refuse_direct

    owner = direct_owner(req, role, base, serial)
    if owner and direct_refused(owner):
        return None  # this role said before that it does not trust the user directly

    assumed = []  # set by a miss: a session served from the cache says nothing

    def miss() -> SessionCredentials:
        assumed.append(True)
        from wizard.aws import make_services
        from wizard.session.codes import device_turn, remember_used, wait_for_fresh_code

        services = make_services(base.name, req.region or role.region, req.endpoint_url)
        # The device's turn: another profile's process asking at the same moment waits, then
        # waits for the next code; it never sends this one.
        with device_turn(serial):
            if req.countdown:
                wait_for_fresh_code(serial, req.countdown)
            code = req.ask_code(serial)
            try:
                return assume_role_with_code(services, role, duration, serial, code)
            finally:
                remember_used(serial)  # accepted or not, AWS may count the code as used

    try:
        creds = cached_or(req, role.name, role, owner, duration, miss)
    except UsageError as exc:
        if exc.code != "AccessDenied":
            raise
        if owner:
            refuse_direct(owner)  # next time straight through the chain, no code asked for this
        if req.countdown is None:
            # The one code given (--code) went on the direct try: no second one to ask for.
            raise UsageError(
                _(
                    "{name} does not trust your user directly (its trust policy), and the --code was "
                    "spent on trying that (remembered for a day)"
                ).format(name=role.name),
                _(
                    "run again with the next code: it goes through the role's chain, which AWS caps "
                    "at 1 h"
                ),
            ) from None
        req.say(
            _(
                "{name}: the role does not trust your user directly, so it is assumed through "
                "its chain, and AWS caps that at 1 h."
            ).format(name=role.name)
        )
        return None
    if assumed:
        req.say(
            _(
                "{name}: assumed directly with your MFA code, for {hours} h (through its chain "
                "of roles AWS would stop it at 1 h)."
            ).format(name=role.name, hours=duration // 3600)
        )
    return creds


def assume_role_with_code(
    services: Any, role: ProfileSettings, duration: int, serial: str, code: str
) -> SessionCredentials:
    """AssumeRole with SerialNumber and TokenCode, signed by long-term keys."""
    import re

    from wizard.session.roles import assume_role_call

    return assume_role_call(
        services.sts,
        role,
        duration,
        {"SerialNumber": serial, "TokenCode": re.sub(r"\s+", "", code)},
    )


def assume(
    role: ProfileSettings,
    source: SessionCredentials,
    duration: int,
    endpoint: str | None,
    req: SessionRequest,
) -> SessionCredentials:
    """AssumeRole for `role`, signed with `source`."""
    from wizard.session.roles import assume_role

    return assume_role(source, role, duration, req.region or role.region, endpoint)


def fetch(
    req: SessionRequest,
    profile: str,
    settings: ProfileSettings,
    serial: str | None,
    duration: int | None,
) -> SessionCredentials:
    """The miss path: boto3, the device, the code, GetSessionToken."""
    from wizard.aws import make_services
    from wizard.session.profiles import save_mfa_serial
    from wizard.session.token import ensure_long_term, obtain, totp_serial

    creds_profile, explicit = keys_profile(req, profile, settings)
    services = make_services(
        creds_profile if explicit else None,
        req.region or settings.region,
        req.endpoint_url,
    )
    ensure_long_term(services.session, creds_profile)
    if not serial:
        serial = totp_serial(services, req.say)
        req.say(_("Using MFA device {serial}.").format(serial=serial))
        if req.save_serial and req.save_serial(profile, serial):
            save_mfa_serial(profile, serial)
            req.say(_("Saved mfa_serial to profile {profile}.").format(profile=profile))
    root = is_root_serial(serial)
    # AWS's default is 12 h for IAM users; the root user is capped at 1 h.
    duration = duration or (ROOT_MAX_DURATION if root else DEFAULT_DURATION)
    check_duration(duration, root=root)
    key_id = source_key_id(creds_profile, explicit)
    backend = backend_of(req, settings)
    shared = (
        DeviceShare(
            make_cache(backend),
            key_id,
            serial,
            req.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"),
            duration,
            creds_profile,
        )
        if key_id and backend != "none" and not req.refresh
        else None
    )
    creds = obtain(
        services.sts,
        serial,
        duration,
        req.ask_code,
        on_retry=req.say,
        # A code given up front is what it is; asking (terminal or command) waits for an
        # unused one.
        countdown=req.countdown,
        shared=shared,
    )
    creds.duration = duration  # what was asked: a later request for another duration is a miss
    if not creds.identity:
        # Who the session signs as, for `mfa-session list` (GetCallerIdentity needs no
        # permission). Only a name: a failure here costs the list its ARN, never the session.
        with contextlib.suppress(Exception):
            creds.identity = services.identity().arn
    return creds
