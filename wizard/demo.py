"""The embedded demo account: moto's server on 127.0.0.1 in a background thread, seeded in-process.

Everything the wizard does in --demo goes through real HTTP to this server with the same boto3
code used against AWS. Only the seeding reaches into moto's in-process backend, never the wizard's
own code path: it is ~60 calls that would each cost an HTTP round trip, plus what AWS records and
moto cannot simulate (`password_last_used`, access-key last use).
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from wizard.aws import Services
from wizard.demo_iam import DEMO_ACCOUNT_ID, fido_serial, load_managed_policies
from wizard.demo_server import start_server, stop_server

DEMO_REGION = "us-east-1"
DEMO_ALIAS = "acme-demo"
ADMIN_USER = "admin"


@dataclass(frozen=True)
class DemoUser:
    """One seeded user: what it has, so tests and docs can rely on it."""

    name: str
    path: str = "/"
    console: bool = False
    mfa_devices: int = 0  # virtual devices
    hardware_serial: str = ""  # a hardware TOTP token
    security_key: str = ""  # the name of a FIDO security key registered in the console
    access_keys: int = 0
    inactive_keys: int = 0
    groups: tuple[str, ...] = ()
    days_since_sign_in: int | None = None
    days_since_key_used: int | None = None

    @property
    def has_mfa(self) -> bool:
        """Any MFA device, of any kind."""
        return bool(self.mfa_devices or self.hardware_serial or self.security_key)


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
    # A security key only (console MFA, no codes for mfa-session), and a hardware token.
    DemoUser(
        "kenji.mori", "/operations/", console=True, security_key="yubikey", days_since_sign_in=1
    ),
    DemoUser(
        "mika.ono",
        "/operations/",
        console=True,
        hardware_serial="GAHT10000042",
        days_since_sign_in=6,
    ),
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
    # The demo's own journal and AWS config files (see start_demo), and the values they replaced.
    files: Any = field(default=None, repr=False)
    saved_env: dict[str, str | None] = field(default_factory=dict, repr=False)
    # With --demo-accounts: the organization's member accounts (seed_organization).
    members: list[DemoMember] = field(default_factory=list)
    # The current code of a demo device, on a socket in `files` (wizard.demo_codes.CodeServer).
    codes: Any = field(default=None, repr=False)

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
            # The AWS CLI v1 and older SDKs read only AWS_DEFAULT_REGION.
            f"export AWS_DEFAULT_REGION={DEMO_REGION}",
            # What the helpers write goes with the demo, not into ~/.aws or the real journal.
            *(
                f"export {variable}={os.environ[variable]}"
                for variable in DEMO_FILES
                if variable in self.saved_env
            ),
        ]

    def totp_command(self) -> str | None:
        """A --totp-command that prints the demo admin's current code (None: no code server)."""
        if self.codes is None:
            return None
        import shlex
        import shutil
        import sys

        found = shutil.which("mfa-wizard") or os.path.join(
            os.path.dirname(sys.executable), "mfa-wizard"
        )
        program = (
            shlex.quote(found)
            if os.path.exists(found)
            else f"{shlex.quote(sys.executable)} -m wizard"
        )
        return f"{program} demo-code --socket {shlex.quote(self.codes.path)}"

    def stop(self) -> None:
        """Stop the embedded server without waiting for it; put the real files back in place."""
        if self.server is not None:
            stop_server(self.server)
            self.server = None
        if self.codes is not None:
            self.codes.close()
            self.codes = None
        for variable, value in self.saved_env.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value
        self.saved_env.clear()
        if self.files is not None:
            self.files.cleanup()
            self.files = None


def _enable_virtual_device(backend: Any, user: str, device_name: str, seeds: dict[str, str]) -> str:
    import pyotp

    device = backend.create_virtual_mfa_device(device_name, "/")
    serial = device.serial_number
    totp = pyotp.TOTP(device.base32_string_seed)
    now = datetime.now(UTC).timestamp()
    backend.enable_mfa_device(user, serial, totp.at(now - 30), totp.at(now))
    seeds[serial] = device.base32_string_seed
    return serial


def seed_account(endpoint_url: str, extra_users: int = 0, rng_seed: int = 7) -> DemoAccount:
    """Seed a realistic account straight into the server's backend; return the admin's keys.

    The server runs in this process, so seeding skips ~60 HTTP round trips (the wizard itself
    only ever talks HTTP). The credential report is generated here, as on a lived-in account
    where one exists already: the first audit does not wait for IAM to build it.
    """
    backend = _iam_backend()
    load_managed_policies(backend)
    backend.create_account_alias(DEMO_ALIAS)
    for group in DEMO_GROUPS:
        backend.create_group(group, "/")
    seeds: dict[str, str] = {}

    backend.create_user(DEMO_REGION, ADMIN_USER, path="/admins/")
    backend.create_login_profile(ADMIN_USER, "Demo-Admin-Passw0rd!")
    backend.add_user_to_group("Admins", ADMIN_USER)
    # moto does not load AWS managed policies by default, so an inline equivalent.
    backend.put_group_policy(
        "Admins",
        "AdministratorAccess",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    key = backend.create_access_key(ADMIN_USER)
    admin_serial = _enable_virtual_device(backend, ADMIN_USER, ADMIN_USER, seeds)

    for user in DEMO_USERS:
        backend.create_user(DEMO_REGION, user.name, path=user.path)
        if user.console:
            backend.create_login_profile(user.name, "Demo-Passw0rd-" + user.name)
        for index in range(user.mfa_devices):
            suffix = "" if index == 0 else f"-{index + 1}"
            _enable_virtual_device(backend, user.name, user.name + suffix, seeds)
        if user.hardware_serial:
            # moto takes any code for a serial it does not know, as AWS does for a real token.
            backend.enable_mfa_device(user.name, user.hardware_serial, "123456", "654321")
        if user.security_key:
            backend.enable_mfa_device(user.name, fido_serial(user.name, user.security_key), "", "")
        for _unused in range(user.access_keys):
            backend.create_access_key(user.name)
        for _unused in range(user.inactive_keys):
            inactive = backend.create_access_key(user.name)
            backend.update_access_key(user.name, inactive.access_key_id, "Inactive")
        for group in user.groups:
            backend.add_user_to_group(group, user.name)
    backend.create_virtual_mfa_device(ORPHAN_DEVICE, "/")

    _set_sign_in_times(
        {u.name: u.days_since_sign_in for u in DEMO_USERS},
        {u.name: u.days_since_key_used for u in DEMO_USERS},
    )
    if extra_users:
        seed_bulk_users(extra_users, rng_seed=rng_seed)
    backend.generate_report()
    return DemoAccount(
        endpoint_url=endpoint_url,
        admin_access_key_id=key.access_key_id,
        admin_secret_access_key=key.secret_access_key,
        admin_mfa_serial=admin_serial,
        seeds=seeds,
    )


def _iam_backend() -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[DEMO_ACCOUNT_ID]["global"]


def _set_sign_in_times(days: dict[str, int | None], key_days: dict[str, int | None]) -> None:
    """Give users a plausible password_last_used and access-key last use (AWS records both on
    use, which moto cannot simulate)."""
    from moto.iam.models import AccessKeyLastUsed

    backend = _iam_backend()
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


# `--demo-accounts N`: the demo account becomes an organization's management account with N
# ACTIVE member accounts (and one closed one), for `--demo audit --org`. The command line hands
# the number down in this variable, so every way into start_demo (the CLI, the TUI, demo-server)
# sees it without each passing it along.
DEMO_ACCOUNTS_ENV = "MFA_WIZARD_DEMO_ACCOUNTS"
MEMBER_NAMES = (
    "workloads-prod",
    "workloads-staging",
    "data-platform",
    "security-tooling",
    "log-archive",
    "shared-services",
    "payments",
    "analytics",
    "identity",
    "networking",
    "ml-research",
    "marketing-site",
)
CLOSED_MEMBER = "sandbox-retired"


@dataclass(frozen=True)
class DemoMember:
    """One seeded member account: what it has, so tests and docs can rely on it."""

    account_id: str
    name: str
    state: str  # ACTIVE | SUSPENDED
    users_without_mfa: tuple[str, ...] = ()


def member_users(index: int, name: str) -> tuple[DemoUser, ...]:
    """The IAM users of member account number `index` (pure): an on-call admin with MFA and a
    CI user with a key everywhere; a console user without MFA in two accounts of three, and a
    second one in every fourth, so the organization has clean accounts and findings."""
    users = [
        DemoUser("oncall.admin", "/admins/", console=True, mfa_devices=1, days_since_sign_in=2),
        DemoUser(f"{name}-ci", "/service/", access_keys=1, days_since_key_used=0),
    ]
    if index % 3 != 2:
        users.append(DemoUser("new.hire", "/engineering/", console=True, days_since_sign_in=1))
    if index % 4 == 1:
        users.append(DemoUser("contractor.kim", "/contractors/", console=True))
    return tuple(users)


def seed_organization(members: int) -> list[DemoMember]:
    """Make the demo account an organization's management account with `members` ACTIVE member
    accounts, each with a few IAM users, plus one closed (SUSPENDED) account.

    Straight into moto's in-process backends, like seed_account: moto's CreateAccount makes each
    member's OrganizationAccountAccessRole, and each member's IAM is its own backend, which the
    wizard then reaches through that role over HTTP. Each member's credential report is
    generated here, as on lived-in accounts (the demo account's own is too).
    """
    from moto.iam.models import iam_backends
    from moto.organizations.models import organizations_backends

    org = organizations_backends[DEMO_ACCOUNT_ID]["aws"]
    org.create_organization(region=DEMO_REGION, FeatureSet="ALL")
    seeded: list[DemoMember] = []
    for index in range(members):
        name = MEMBER_NAMES[index] if index < len(MEMBER_NAMES) else f"member-{index + 1:03d}"
        account_id = org.create_account(AccountName=name, Email=f"aws+{name}@acme-demo.example")[
            "CreateAccountStatus"
        ]["AccountId"]
        backend = iam_backends[account_id]["global"]
        users = member_users(index, name)
        for user in users:
            backend.create_user(DEMO_REGION, user.name, path=user.path)
            if user.console:
                backend.create_login_profile(user.name, "Demo-Passw0rd-" + user.name)
            for _unused in range(user.mfa_devices):
                device = backend.create_virtual_mfa_device(f"{name}-{user.name}", "/")
                backend.enable_mfa_device(user.name, device.serial_number, "123456", "654321")
            for _unused in range(user.access_keys):
                backend.create_access_key(user.name)
        backend.generate_report()
        missing = tuple(u.name for u in users if u.console and not u.has_mfa)
        seeded.append(DemoMember(account_id, name, "ACTIVE", missing))
    closed = org.create_account(
        AccountName=CLOSED_MEMBER, Email=f"aws+{CLOSED_MEMBER}@acme-demo.example"
    )["CreateAccountStatus"]["AccountId"]
    org.close_account(AccountId=closed)  # moto goes straight to SUSPENDED
    seeded.append(DemoMember(closed, CLOSED_MEMBER, "SUSPENDED"))
    return seeded


def demo_accounts_requested() -> int:
    """N of `--demo-accounts N` (the DEMO_ACCOUNTS_ENV variable), 0 when not asked for."""
    text = os.environ.get(DEMO_ACCOUNTS_ENV, "").strip()
    return int(text) if text.isdigit() else 0


# Where a --demo process keeps what it would otherwise write beside the user's real files: the
# journal, ~/.aws/config and ~/.aws/credentials (the Session step's "Write profile", `mfa-session
# setup`). The demo account is new every run, so they go with it.
DEMO_FILES = {
    "MFA_WIZARD_JOURNAL": "journal.jsonl",
    "AWS_CONFIG_FILE": "aws/config",
    "AWS_SHARED_CREDENTIALS_FILE": "aws/credentials",
    # The session cache, its lock files and the record of MFA sessions (platformdirs).
    "XDG_CACHE_HOME": "cache",
    "XDG_STATE_HOME": "state",
}


def start_demo(
    port: int = 0, extra_users: int = 0, member_accounts: int | None = None
) -> DemoAccount:
    """Start the embedded server and seed it: the whole of `--demo` before the TUI opens.

    `member_accounts` (default: `--demo-accounts`, see DEMO_ACCOUNTS_ENV) seeds an organization
    with that many member accounts; 0 leaves the demo a standalone account. The process's journal
    and AWS config files move to a private temporary directory until stop(): nothing a demo does
    lands in ~/.aws or in the real journal.
    """
    import tempfile

    members = demo_accounts_requested() if member_accounts is None else member_accounts
    server, url = start_server(port)
    try:
        account = seed_account(url, extra_users=extra_users)
        if members:
            account.members = seed_organization(members)
    except BaseException:
        stop_server(server)
        raise
    account.server = server
    account.files = tempfile.TemporaryDirectory(prefix="mfa-wizard-demo-")
    from wizard.demo_codes import CodeServer, check_codes

    check_codes()  # a wrong or reused MFA code is refused, as on AWS
    account.codes = CodeServer(
        os.path.join(account.files.name, "codes.sock"), ADMIN_USER, DEMO_ACCOUNT_ID
    )
    for variable, name in DEMO_FILES.items():
        account.saved_env[variable] = os.environ.get(variable)
        os.environ[variable] = os.path.join(account.files.name, name)
    return account
