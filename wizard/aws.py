"""The one place that builds boto3 Sessions and clients.

boto3 already honours AWS_PROFILE, AWS_REGION/AWS_DEFAULT_REGION, AWS_ENDPOINT_URL (and the
per-service AWS_ENDPOINT_URL_<SERVICE>), AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE; we only
add the --profile/--region/--endpoint options on top and never override what the environment says
unless the user asked for it. Retries use botocore's `standard` mode.
"""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from wizard import APP_NAME
from wizard.errors import aws_errors
from wizard.i18n import _
from wizard.models import CallerIdentity

# IAM is global and STS has a global endpoint; when nothing configures a region we still need one
# for the SDK. us-east-1 is what the AWS CLI docs use for IAM and what the console shows.
FALLBACK_REGION = "us-east-1"
DEFAULT_MAX_ATTEMPTS = 5


def botocore_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Any:
    """The botocore Config used by every client: standard retries, modest timeouts."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=5,
        read_timeout=30,
        user_agent_extra=APP_NAME,
    )


_loader_lock = threading.Lock()
_shared_loader: Any = None
_session_locks: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()


def session_lock(session: Any) -> threading.Lock:
    """The one lock for making clients from `session` (a boto3 Session is not thread-safe; its
    clients are). Every place that calls session.client() takes it."""
    with _loader_lock:
        lock = _session_locks.get(session)
        if lock is None:
            lock = _session_locks[session] = threading.Lock()
        return lock


def new_boto3_session(**kwargs: Any) -> Any:
    """boto3.Session(**kwargs) sharing one botocore data loader per process.

    Loading the service models is most of the ~100 ms a new Session's first client costs; the
    loader only reads AWS's JSON models, so sharing it between sessions is safe (credentials and
    config stay per session).
    """
    global _shared_loader
    import boto3
    import botocore.loaders
    import botocore.session

    with _loader_lock:
        if _shared_loader is None:
            _shared_loader = botocore.loaders.create_loader()
        core = botocore.session.get_session()
        core.register_component("data_loader", _shared_loader)
    return boto3.Session(botocore_session=core, **kwargs)


def build_session(profile: str | None = None, region: str | None = None) -> Any:
    """A boto3 Session for --profile/--region, falling back to the environment and config."""
    with aws_errors(_("loading the AWS profile")):
        session = new_boto3_session(profile_name=profile or None, region_name=region or None)
        # Resolving the region reads the profile: an unknown profile fails here, translated.
        _unused = session.region_name
    return session


@dataclass
class Services:
    """The boto3 Session plus a cache of clients, shared by every domain module.

    Clients are created lazily (creating one costs ~50 ms) and are thread-safe, so a Textual
    worker thread can use them. `endpoint_url` is only set for the embedded demo or an explicit
    --endpoint-url; otherwise botocore resolves AWS_ENDPOINT_URL itself.
    """

    session: Any
    region: str
    endpoint_url: str | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    demo: bool = False
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _identity: CallerIdentity | None = field(default=None, repr=False)

    def in_region(self, region: str) -> Services:
        """The same identity and endpoint in another region (this one when it is the same)."""
        if region == self.region or not region:
            return self
        other = Services(
            session=self.session,
            region=region,
            endpoint_url=self.endpoint_url,
            max_attempts=self.max_attempts,
            demo=self.demo,
        )
        other._identity = self._identity
        return other

    def client(self, name: str) -> Any:
        """A cached boto3 client for service `name`."""
        return self._client(name, self.max_attempts)

    def client_with_attempts(self, name: str, attempts: int) -> Any:
        """A client for `name` that tries each call `attempts` times (for a probe whose failure
        is an answer, not something to retry: an emulator without the operation)."""
        return self._client(name, attempts)

    def _client(self, name: str, attempts: int) -> Any:
        key = name if attempts == self.max_attempts else f"{name}#{attempts}"
        with self._lock:
            if key not in self._clients:
                kwargs: dict[str, Any] = {
                    "region_name": self.region,
                    "config": botocore_config(attempts),
                }
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                with (
                    aws_errors(_("creating the {name} client").format(name=name)),
                    session_lock(self.session),
                ):
                    client = self.session.client(name, **kwargs)
                if name == "s3":
                    self._expect_own_buckets(client)
                self._clients[key] = client
            return self._clients[key]

    def _expect_own_buckets(self, s3: Any) -> None:
        """Every S3 call that can carry ExpectedBucketOwner carries this account's id, so a bucket
        name taken by another account (sniped or left over) is refused by S3, never written to."""

        def add_owner(params: dict[str, Any], model: Any, **_: Any) -> None:
            members = getattr(model.input_shape, "members", {}) if model.input_shape else {}
            if "ExpectedBucketOwner" in members and "ExpectedBucketOwner" not in params:
                params["ExpectedBucketOwner"] = self.identity().account_id

        s3.meta.events.register("provide-client-params.s3.*", add_owner)

    @property
    def iam(self) -> Any:
        """The IAM client."""
        return self.client("iam")

    @property
    def sts(self) -> Any:
        """The STS client."""
        return self.client("sts")

    @property
    def effective_endpoint(self) -> str | None:
        """The endpoint every client talks to when it is not AWS's own, else None."""
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    def identity(self, refresh: bool = False) -> CallerIdentity:
        """sts get-caller-identity, called once and remembered."""
        if self._identity is None or refresh:
            with aws_errors("GetCallerIdentity"):
                answer = self.sts.get_caller_identity()
            self._identity = CallerIdentity(
                account_id=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"]
            )
        return self._identity


def make_services(
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    demo: bool = False,
) -> Services:
    """Build the Services bundle from options, environment and config files, in that order."""
    session = build_session(profile, region)
    resolved_region = region or session.region_name or FALLBACK_REGION
    return Services(
        session=session,
        region=resolved_region,
        endpoint_url=endpoint_url or None,
        max_attempts=max_attempts,
        demo=demo,
    )


def with_session_credentials(
    services: Services, access_key_id: str, secret_access_key: str, session_token: str
) -> Services:
    """The same region and endpoint, signed with temporary credentials (an MFA session the TUI
    just made): every later call carries MFA, as `eval "$(mfa-session)"` would give."""
    session = new_boto3_session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        region_name=services.region,
    )
    return Services(
        session=session,
        region=services.region,
        endpoint_url=services.endpoint_url,
        max_attempts=services.max_attempts,
        demo=services.demo,
    )


def paginate(
    client: Any, operation: str, result_key: str, page_size: int | None = None, **kwargs: Any
) -> list[Any]:
    """Every item of a paginated list call, translated errors included."""
    items: list[Any] = []
    if page_size:
        kwargs["PaginationConfig"] = {"PageSize": page_size}
    with aws_errors(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(result_key, []))
    return items


class RoleSession:
    """A boto3 Session for AssumeRole's (or AssumeRoot's) credentials that makes its clients
    from the caller's.

    A new boto3 Session costs ~17 ms of CPU (botocore registers ~1 500 event handlers in each);
    an organization audit needs one per member account, and that CPU, not the network, was
    what the accounts waited for each other on. Clients are made from the caller's session
    with these credentials on each, one at a time (a boto3 Session is not thread-safe; a client
    is). What the wizard asks of a Session, and no more: client(), get_credentials(),
    region_name, profile_name.
    """

    def __init__(self, parent: Any, credentials: dict[str, Any], region: str) -> None:
        self._parent = parent
        self._keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
        self.region_name = region
        self.profile_name = None

    def client(self, name: str, **kwargs: Any) -> Any:
        """A client for `name` signed with the role's credentials."""
        with session_lock(self._parent):
            return self._parent.client(name, **{**kwargs, **self._keys})

    def get_credentials(self) -> Any:
        """The role's credentials, as botocore gives them."""
        from botocore.credentials import Credentials

        return Credentials(
            self._keys["aws_access_key_id"],
            self._keys["aws_secret_access_key"],
            self._keys["aws_session_token"],
            method="assume-role",
        )
