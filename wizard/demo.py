"""The embedded demo account: moto's server on 127.0.0.1 in a background thread, seeded over HTTP.

Everything the wizard does in --demo goes through real HTTP to this server with the same boto3
code used against AWS. Only two things reach into moto's in-process backend, both to make the
demo look like a lived-in account and never on the wizard's own code path: `password_last_used`
(AWS sets it on sign-in, which moto cannot simulate) and bulk seeding for --demo-users/benchmarks
(10 000 users over HTTP would take minutes).
"""

from __future__ import annotations

import json
import logging
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.aws import Services, botocore_config

DEMO_ACCOUNT_ID = "123456789012"
DEMO_REGION = "us-east-1"
DEMO_ALIAS = "acme-demo"
ADMIN_USER = "admin"
# moto accepts any signature; these only select the default account for bootstrap calls.
_BOOTSTRAP_KEY = "testing"


@dataclass(frozen=True)
class DemoUser:
    """One seeded user: what it has, so tests and docs can rely on it."""

    name: str
    path: str = "/"
    console: bool = False
    mfa_devices: int = 0
    access_keys: int = 0
    inactive_keys: int = 0
    groups: tuple[str, ...] = ()
    days_since_sign_in: int | None = None
    days_since_key_used: int | None = None


# A realistic small company: people at varied paths, some without MFA, service users with keys.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "alice.nakamura",
        "/engineering/",
        console=True,
        access_keys=1,
        groups=("Developers",),
        days_since_sign_in=1,
        days_since_key_used=2,
    ),
    DemoUser(
        "bob.tanaka",
        "/engineering/",
        console=True,
        mfa_devices=1,
        groups=("Developers",),
        days_since_sign_in=0,
    ),
    DemoUser(
        "carol.suzuki",
        "/engineering/platform/",
        console=True,
        mfa_devices=2,
        access_keys=1,
        groups=("Developers",),
        days_since_sign_in=3,
    ),
    DemoUser("dave.sato", "/finance/", console=True, groups=("Finance",), days_since_sign_in=12),
    DemoUser("erin.kobayashi", "/finance/", console=True, groups=("Finance",)),
    DemoUser("frank.ito", "/support/", console=True, groups=("Support",), days_since_sign_in=40),
    DemoUser(
        "grace.yamamoto",
        "/support/",
        console=True,
        mfa_devices=1,
        groups=("Support",),
        days_since_sign_in=2,
    ),
    DemoUser(
        "heidi.watanabe",
        "/contractors/",
        console=True,
        access_keys=2,
        days_since_sign_in=95,
        days_since_key_used=12,
    ),
    DemoUser("judy.kimura", "/", console=True, mfa_devices=1, days_since_sign_in=5),
    DemoUser("ci-deployer", "/service/", access_keys=2, days_since_key_used=0),
    DemoUser("backup-agent", "/service/", access_keys=1),
    DemoUser("terraform", "/service/", access_keys=1, inactive_keys=1),
    DemoUser("ivan.kato", "/"),
)
DEMO_GROUPS = ("Admins", "Developers", "Finance", "Support")
ORPHAN_DEVICE = "lost-phone-frank"


@dataclass
class DemoAccount:
    """A running demo server plus the admin credentials and demo-only MFA seeds."""

    endpoint_url: str
    admin_access_key_id: str
    admin_secret_access_key: str = field(repr=False)
    admin_mfa_serial: str = ""
    # Seeds of devices the demo created, held in memory only, for the demo authenticator panel.
    seeds: dict[str, str] = field(default_factory=dict, repr=False)
    server: Any = field(default=None, repr=False)

    def services(self, region: str = DEMO_REGION, max_attempts: int = 3) -> Services:
        """A Services bundle signed as the demo admin, pointed at the demo server."""
        from wizard.aws import new_boto3_session

        session = new_boto3_session(
            aws_access_key_id=self.admin_access_key_id,
            aws_secret_access_key=self.admin_secret_access_key,
            region_name=region,
        )
        return Services(
            session=session,
            region=region,
            endpoint_url=self.endpoint_url,
            max_attempts=max_attempts,
            demo=True,
        )

    def export_lines(self) -> list[str]:
        """Shell lines that point the AWS CLI and the helpers at this server as the admin."""
        return [
            f"export AWS_ENDPOINT_URL={self.endpoint_url}",
            f"export AWS_ACCESS_KEY_ID={self.admin_access_key_id}",
            f"export AWS_SECRET_ACCESS_KEY={self.admin_secret_access_key}",
            f"export AWS_REGION={DEMO_REGION}",
        ]

    def stop(self) -> None:
        """Stop the embedded server (no-op for an external one)."""
        if self.server is not None:
            self.server.stop()
            self.server = None


def _quiet_server_logs() -> None:
    # werkzeug logs every request to stderr, which would scribble over the TUI.
    for name in ("werkzeug", "moto"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.ERROR)
        logger.propagate = False
        # werkzeug writes request lines and tracebacks itself unless the logger is disabled.
        logger.disabled = True
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def start_server(port: int = 0, host: str = "127.0.0.1") -> tuple[Any, str]:
    """Start moto's ThreadedMotoServer on host:port (0 = a free port); return (server, url)."""
    _quiet_server_logs()
    # moto reads this to decide IAM policy enforcement; keep its lenient default explicit.
    os.environ.setdefault("MOTO_ENABLE_IAM_AUTHENTICATION", "false")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


def _client(
    endpoint_url: str, service: str, key: str = _BOOTSTRAP_KEY, secret: str = _BOOTSTRAP_KEY
) -> Any:
    from wizard.aws import new_boto3_session

    return new_boto3_session().client(
        service,
        region_name=DEMO_REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=botocore_config(2),
    )


def _enable_virtual_device(iam: Any, user: str, device_name: str, seeds: dict[str, str]) -> str:
    import pyotp

    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=device_name)["VirtualMFADevice"]
    serial = device["SerialNumber"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    totp = pyotp.TOTP(seed)
    now = datetime.now(UTC).timestamp()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    seeds[serial] = seed
    return serial


def seed_account(endpoint_url: str, extra_users: int = 0, rng_seed: int = 7) -> DemoAccount:
    """Seed a realistic account through the server's HTTP API; return the admin's credentials."""
    iam = _client(endpoint_url, "iam")
    iam.create_account_alias(AccountAlias=DEMO_ALIAS)
    for group in DEMO_GROUPS:
        iam.create_group(GroupName=group)
    seeds: dict[str, str] = {}

    iam.create_user(UserName=ADMIN_USER, Path="/admins/")
    iam.create_login_profile(UserName=ADMIN_USER, Password="Demo-Admin-Passw0rd!")
    iam.add_user_to_group(GroupName="Admins", UserName=ADMIN_USER)
    # moto does not load AWS managed policies by default, so an inline equivalent.
    iam.put_group_policy(
        GroupName="Admins",
        PolicyName="AdministratorAccess",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    admin_serial = _enable_virtual_device(iam, ADMIN_USER, ADMIN_USER, seeds)

    for user in DEMO_USERS:
        iam.create_user(UserName=user.name, Path=user.path)
        if user.console:
            iam.create_login_profile(UserName=user.name, Password="Demo-Passw0rd-" + user.name)
        for index in range(user.mfa_devices):
            suffix = "" if index == 0 else f"-{index + 1}"
            _enable_virtual_device(iam, user.name, user.name + suffix, seeds)
        for _ in range(user.access_keys):
            iam.create_access_key(UserName=user.name)
        for _ in range(user.inactive_keys):
            inactive = iam.create_access_key(UserName=user.name)["AccessKey"]
            iam.update_access_key(
                UserName=user.name, AccessKeyId=inactive["AccessKeyId"], Status="Inactive"
            )
        for group in user.groups:
            iam.add_user_to_group(GroupName=group, UserName=user.name)
    iam.create_virtual_mfa_device(VirtualMFADeviceName=ORPHAN_DEVICE)

    _set_sign_in_times(
        {u.name: u.days_since_sign_in for u in DEMO_USERS},
        {u.name: u.days_since_key_used for u in DEMO_USERS},
    )
    if extra_users:
        seed_bulk_users(extra_users, rng_seed=rng_seed)
    return DemoAccount(
        endpoint_url=endpoint_url,
        admin_access_key_id=key["AccessKeyId"],
        admin_secret_access_key=key["SecretAccessKey"],
        admin_mfa_serial=admin_serial,
        seeds=seeds,
    )


def _iam_backend() -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[DEMO_ACCOUNT_ID]["global"]


def _set_sign_in_times(days: dict[str, int | None], key_days: dict[str, int | None]) -> None:
    """Give users a plausible password_last_used and access-key last use (AWS records both on
    use, which moto cannot simulate)."""
    try:
        from moto.iam.models import AccessKeyLastUsed

        backend = _iam_backend()
    except Exception:  # an external server: nothing to decorate
        return
    now = datetime.now(UTC)
    for name, ago in days.items():
        user = backend.users.get(name)
        if user is not None and ago is not None:
            user.password_last_used = now - timedelta(days=ago, hours=3)
    for name, ago in key_days.items():
        user = backend.users.get(name)
        if user is None or ago is None:
            continue
        for key in user.access_keys:
            key.last_used = AccessKeyLastUsed(
                timestamp=(now - timedelta(days=ago, hours=2)).replace(tzinfo=None),
                service="s3",
                region=DEMO_REGION,
            )


def seed_bulk_users(count: int, rng_seed: int = 7, prefix: str = "user") -> None:
    """Add `count` users straight into the in-process backend (fast; benchmarks and --demo-users).

    Mix: 60% console users (a third of them with MFA), 25% programmatic, 15% no credentials.
    """
    backend = _iam_backend()
    rng = random.Random(rng_seed)
    teams = ["/engineering/", "/sales/", "/support/", "/finance/", "/service/", "/"]
    for index in range(count):
        name = f"{prefix}-{index:05d}"
        backend.create_user(DEMO_REGION, name, path=rng.choice(teams), tags=[])
        kind = rng.random()
        if kind < 0.60:
            backend.create_login_profile(name, "Bulk-Passw0rd!")
            if rng.random() < 0.33:
                device = backend.create_virtual_mfa_device(name, "/")
                serial = device.serial_number
                backend.enable_mfa_device(name, serial, "123456", "654321")
        elif kind < 0.85:
            backend.create_access_key(name)


def start_demo(port: int = 0, extra_users: int = 0) -> DemoAccount:
    """Start the embedded server and seed it: the whole of `--demo` before the TUI opens."""
    server, url = start_server(port)
    try:
        account = seed_account(url, extra_users=extra_users)
    except BaseException:
        server.stop()
        raise
    account.server = server
    return account
