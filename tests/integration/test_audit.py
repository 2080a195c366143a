"""The audit against a moto server over HTTP, as a library and as `mfa-wizard audit`."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys

import pyotp
import pytest

from tests.support.cli import mfa_wizard
from wizard import clock
from wizard.audit import run_audit
from wizard.aws import Services
from wizard.demo import DEMO_USERS, ORPHAN_DEVICE, fido_serial, seed_bulk_users
from wizard.errors import CredentialsError, EndpointError


def count_calls(services: Services) -> list[str]:
    """Record every AWS operation the clients send."""
    calls: list[str] = []
    for name in ("iam", "sts"):
        services.client(name).meta.events.register(
            "before-call", lambda **kw: calls.append(kw.get("event_name", "?"))
        )
    return calls


def test_audit_findings_match_the_seeded_account(services):
    result = run_audit(services)
    by_name = {u.user_name: u for u in result.users}
    expected_missing = {u.name for u in DEMO_USERS if u.console and not u.has_mfa}
    assert {u.user_name for u in result.console_users_without_mfa} == expected_missing
    assert by_name["carol.suzuki"].mfa_active and len(by_name["carol.suzuki"].mfa_devices) == 2
    assert (
        by_name["ci-deployer"].access_keys_active == 2 and not by_name["ci-deployer"].console_access
    )
    assert by_name["terraform"].access_keys_active == 1
    assert by_name["heidi.watanabe"].path == "/contractors/"
    assert result.orphan_virtual_mfa_devices == (f"arn:aws:iam::123456789012:mfa/{ORPHAN_DEVICE}",)
    assert result.account_id == "123456789012"
    assert result.root_mfa_active is False  # moto: AccountMFAEnabled is always 0
    assert not result.compliant


def test_user_enrolled_after_the_report_is_not_flagged(services, monkeypatch):
    """The report can be 4 h old: a device assigned since then wins over the report's 'false'."""
    import wizard.audit as audit

    stale, generated, calls = audit.fetch_credential_report(services)
    iam = services.iam
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="dave.sato")["VirtualMFADevice"]
    totp = pyotp.TOTP(
        device["Base32StringSeed"].decode()
        if isinstance(device["Base32StringSeed"], bytes)
        else device["Base32StringSeed"]
    )

    now = clock.time()
    iam.enable_mfa_device(
        UserName="dave.sato",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    # Serve the report from before the enrollment, as AWS would within its 4-hour window.
    monkeypatch.setattr(audit, "fetch_credential_report", lambda *a, **k: (stale, generated, calls))
    dave = next(u for u in run_audit(services).users if u.user_name == "dave.sato")
    assert dave.mfa_active and dave.mfa_confirmed_after_report
    assert dave.mfa_devices == (device["SerialNumber"],)


def test_audit_cost_does_not_grow_with_users(services):
    """A fixed handful of calls, plus ListMFADevices only until the hardware tokens and security
    keys GetAccountSummary counts are found (users without a virtual device first): 600 more
    users, 126 of them with virtual devices, add no call; an account of virtual devices only
    needs none."""
    run_audit(services)  # the first GenerateCredentialReport answers STARTED; count from COMPLETE

    def measured() -> tuple[list[str], list[str]]:
        # A fresh Services (fresh clients) so the recorder counts only this run.
        fresh = Services(
            session=services.session, region=services.region, endpoint_url=services.endpoint_url
        )
        calls = count_calls(fresh)
        run_audit(fresh)
        per_user = [c for c in calls if c.endswith(".ListMFADevices")]
        return sorted(c for c in calls if not c.endswith(".ListMFADevices")), per_user

    fixed_small, per_user_small = measured()
    assert len(fixed_small) <= 8
    assert len(per_user_small) == 2  # kenji.mori's key and mika.ono's token, found at once
    seed_bulk_users(600)
    assert measured() == (fixed_small, per_user_small)
    iam = services.iam
    iam.deactivate_mfa_device(UserName="mika.ono", SerialNumber="GAHT10000042")
    key = fido_serial("kenji.mori", "yubikey")
    iam.deactivate_mfa_device(UserName="kenji.mori", SerialNumber=key)
    assert measured() == (fixed_small, [])


def test_report_polling_backs_off_and_times_out(services, monkeypatch):
    from wizard import audit

    iam = services.iam
    monkeypatch.setattr(iam, "generate_credential_report", lambda: {"State": "STARTED"})
    slept: list[float] = []
    with pytest.raises(audit.ReportTimeoutError, match="still STARTED"):
        audit.fetch_credential_report(services, timeout=10, sleep=slept.append)
    assert slept[:4] == [0.5, 1.0, 2.0, 4.0]
    assert sum(slept) >= 10


def test_unreachable_endpoint_is_a_clear_error(demo):
    broken = Services(
        session=demo.services().session,
        region="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        max_attempts=1,
    )
    with pytest.raises(EndpointError, match="could not reach"):
        run_audit(broken)


def test_missing_credentials_is_a_clear_error(moto_server):
    import boto3

    session = boto3.Session(region_name="us-east-1")
    with pytest.raises(CredentialsError, match="no AWS credentials found"):
        run_audit(Services(session=session, region="us-east-1", endpoint_url=moto_server))


# ------------------------------------------------------------------- the CLI, as a subprocess


def test_cli_audit_json(demo_env):
    out = mfa_wizard("audit", "--format", "json", env=demo_env)
    assert out.returncode == 1, out.stderr  # findings exist
    doc = json.loads(out.stdout)
    assert doc["account_id"] == "123456789012"
    assert doc["root_mfa_active"] is False
    alice = next(u for u in doc["users"] if u["user_name"] == "alice.nakamura")
    for key in (
        "user_name",
        "arn",
        "path",
        "console_access",
        "mfa_active",
        "mfa_devices",
        "password_last_used",
        "access_keys_active",
    ):
        assert key in alice
    assert alice["console_access"] is True and alice["mfa_active"] is False
    assert doc["orphan_virtual_mfa_devices"] == ["arn:aws:iam::123456789012:mfa/lost-phone-frank"]


def test_cli_audit_csv_to_file(demo_env, tmp_path):
    target = tmp_path / "out" / "audit.csv"
    # A missing directory is an error (a typo must not create a tree), with nothing written.
    missing = mfa_wizard("audit", "--format", "csv", "--output", str(target), env=demo_env)
    assert missing.returncode == 2 and "no such directory" in missing.stderr
    target.parent.mkdir()
    out = mfa_wizard("audit", "--format", "csv", "--output", str(target), env=demo_env)
    assert out.returncode == 1 and out.stdout == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # names people and their weak spots
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert {r["user_name"] for r in rows if r["needs_mfa"] == "true"} == {
        u.name for u in DEMO_USERS if u.console and not u.has_mfa
    }


def test_cli_audit_table_lists_findings(demo_env):
    out = mfa_wizard("audit", env=demo_env)
    assert out.returncode == 1
    assert "alice.nakamura" in out.stdout and "bob.tanaka" not in out.stdout
    assert "5 of 12 console users without MFA" in out.stdout


def test_cli_audit_exit_2_without_credentials(moto_server):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_ACCESS") and not k.startswith("AWS_SECRET")
    }
    env.update(AWS_ENDPOINT_URL=moto_server, AWS_REGION="us-east-1")
    out = mfa_wizard("audit", env=env)
    assert out.returncode == 2
    assert "no AWS credentials found" in out.stderr and "Traceback" not in out.stderr


def test_cli_audit_exit_2_unreachable(demo_env):
    out = mfa_wizard(
        "audit", env={**demo_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
    )
    assert out.returncode == 2
    assert "could not reach" in out.stderr and "Traceback" not in out.stderr


def test_cli_audit_exit_2_unwritable_output(demo_env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = mfa_wizard("audit", "--output", str(blocker / "sub" / "a.csv"), env=demo_env)
    assert out.returncode == 2 and "cannot write" in out.stderr and "Traceback" not in out.stderr


def test_cli_audit_exit_0_when_compliant(demo, demo_env, monkeypatch, capsys):
    """Enrol every console user without MFA; with root MFA on, the audit exits 0."""

    from wizard import audit
    from wizard.cli import main as cli

    iam = demo.services().iam
    for user in [u.name for u in DEMO_USERS if u.console and not u.has_mfa]:
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        seed = device["Base32StringSeed"]
        totp = pyotp.TOTP(seed.decode() if isinstance(seed, bytes) else seed)
        iam.enable_mfa_device(
            UserName=user,
            SerialNumber=device["SerialNumber"],
            AuthenticationCode1=totp.at(clock.time() - 30),
            AuthenticationCode2=totp.at(clock.time()),
        )
    for key, value in demo_env.items():
        monkeypatch.setenv(key, value)
    # moto always reports AccountMFAEnabled=0: without root MFA the account is not compliant...
    assert cli.run(["audit"]) == 1
    assert "root MFA OFF; 0 of 12" in capsys.readouterr().out
    # ...and with it (as on an AWS account whose root has MFA) the audit exits 0.
    monkeypatch.setattr(audit, "root_mfa_enabled", lambda services, summary=None: True)
    assert cli.run(["audit"]) == 0
    out = capsys.readouterr().out
    assert "Every console user has MFA." in out and "USER  PATH" not in out  # no empty table


@pytest.mark.real_time
def test_headless_commands_never_import_textual(demo_env):
    probe = (
        "import sys, io, contextlib\n"
        "from wizard.cli import main as cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for argv in (['audit', '--format', 'json'], ['devices', 'bob.tanaka'], ['enforce', '--dry-run'], ['monitor', 'plan'], ['summary']):\n"
        "        cli.run(argv)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'screens', 'rich'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=demo_env, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.real_time
def test_demo_users_seeds_a_larger_account(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = mfa_wizard("--demo", "--demo-users", "40", "audit", "--format", "json", env=env)
    doc = json.loads(out.stdout)
    assert len(doc["users"]) == len(DEMO_USERS) + 1 + 40
    assert out.returncode == 1


@pytest.mark.realism(report_flaky_gets=2)
def test_a_report_still_in_progress_after_complete_is_waited_for(services, realism):
    # AWS may answer ReportInProgress to the download right after COMPLETE: another round.
    result = run_audit(services)
    assert realism.refused["ReportInProgress"] == 2
    assert "alice.nakamura" in {u.user_name for u in result.users}


def test_a_user_name_with_a_comma_is_audited(services):
    # Legal in IAM ([\w+=,.@-]); moto (like any unquoted CSV writer) splits it in the report.
    services.iam.create_user(UserName="tanaka,ops")
    services.iam.create_login_profile(UserName="tanaka,ops", Password="Correct-Horse-9!")
    result = run_audit(services)
    assert "tanaka,ops" in {u.user_name for u in result.console_users_without_mfa}


def _planted_link(tmp_path):
    """A sticky, world-writable directory (/tmp's kind) where another user planted a link to a
    file of ours: (the link, our file)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    mine = tmp_path / "thesis.txt"
    mine.write_text("months of work\n")
    mine.chmod(0o644)
    link = shared / "audit.csv"
    link.symlink_to(mine)
    if os.geteuid() == 0:
        os.lchown(link, 65534, 65534)  # nobody's link, as on a shared machine
    return link, mine


@pytest.mark.parametrize("command", [("audit", "--format", "csv"), ("summary",)])
def test_an_export_never_writes_through_a_planted_symlink(demo_env, tmp_path, command):
    link, mine = _planted_link(tmp_path)
    out = mfa_wizard(*command, "--output", str(link), env=demo_env)
    assert out.returncode == 2 and "is a symbolic link" in out.stderr
    assert "Traceback" not in out.stderr
    assert mine.read_text() == "months of work\n"
    assert stat.S_IMODE(mine.stat().st_mode) == 0o644
    assert link.is_symlink()  # refused, not removed: it is not ours to remove


def test_a_link_planted_after_the_check_is_replaced_never_followed(tmp_path, monkeypatch):
    """The race: the link appears between the check and the rename. The temp file is made beside
    the name and the rename replaces the name, so the file it points at is left alone."""
    from wizard import files

    link, mine = _planted_link(tmp_path)
    monkeypatch.setattr(files, "_refuse_link", lambda given, target: None)
    files.export_text(link, "audit\n")
    assert mine.read_text() == "months of work\n"
    assert not link.is_symlink() and link.read_text() == "audit\n"
    assert stat.S_IMODE(link.stat().st_mode) == 0o600


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(demo_env, services):
    for name in ("=1+2", "+cmd", "-sum", "@SUM(A1)", "plain.name"):
        services.iam.create_user(UserName=name)
        services.iam.create_login_profile(UserName=name, Password="Correct-Horse-9!")
    out = mfa_wizard("audit", "--format", "csv", env=demo_env)
    names = {r["user_name"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert {"'=1+2", "'+cmd", "'-sum", "'@SUM(A1)", "plain.name"} <= names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)
    help_text = " ".join(mfa_wizard("audit", "--help", env=demo_env).stdout.split())
    assert "no spreadsheet runs it as a formula" in help_text


# ----------------------------------------------------------------------------- device types


def test_audit_tells_device_types_apart(services):
    """ListMFADevices per MFA user: a security key and a hardware token, as AWS lists them."""
    from wizard.demo import fido_serial

    result = run_audit(services)
    by_name = {u.user_name: u for u in result.users}
    kenji, mika, carol = by_name["kenji.mori"], by_name["mika.ono"], by_name["carol.suzuki"]
    assert kenji.mfa_devices == (fido_serial("kenji.mori", "yubikey"),)
    assert kenji.device_kinds == ("fido",) and kenji.fido_only and not kenji.needs_mfa
    assert mika.mfa_devices == ("GAHT10000042",) and mika.device_kinds == ("hardware",)
    assert mika.hardware_mfa and not mika.fido_only
    assert carol.device_kinds == ("virtual", "virtual") and not carol.hardware_mfa
    assert [u.user_name for u in result.fido_only_users] == ["kenji.mori"]
    # Not the report's word: a device removed after the report is gone from the audit too.
    services.iam.deactivate_mfa_device(UserName="mika.ono", SerialNumber="GAHT10000042")
    mika_now = next(u for u in run_audit(services).users if u.user_name == "mika.ono")
    assert mika_now.needs_mfa and mika_now.mfa_devices == ()


def test_cli_audit_reports_device_types_and_root(demo_env):
    out = mfa_wizard("audit", "--all", env=demo_env)
    rows = {line.split()[0]: line for line in out.stdout.splitlines() if line[:1].isalpha()}
    assert "1 fido" in rows["kenji.mori"] and "1 hardware" in rows["mika.ono"]
    assert "2 virtual" in rows["carol.suzuki"]
    assert "1 user has only security keys/passkeys" in out.stdout
    assert "mfa-wizard enroll USER" in out.stdout  # a second, TOTP device for CLI work
    # moto: AccountMFAEnabled 0, so the root steps, with the partition's console address.
    assert "Root has no MFA" in out.stdout
    assert "https://console.aws.amazon.com/iam/home#/security_credentials" in out.stdout
    assert "iam_root_hardware_mfa_enabled FAIL" in out.stdout  # Prowler's, as information
    doc = json.loads(mfa_wizard("audit", "--format", "json", env=demo_env).stdout)
    kenji = next(u for u in doc["users"] if u["user_name"] == "kenji.mori")
    assert kenji["mfa_device_types"] == ["fido"] and kenji["fido_only"] is True
    assert doc["summary"]["fido_only_users"] == 1
    assert doc["root"] == {
        "mfa_active": False,
        "mfa_type": None,
        "hardware_mfa": False,
        "access_keys_active": None,  # moto's report has no root row: unknown, not 0
    }
    text = mfa_wizard("audit", "--format", "csv", env=demo_env).stdout
    mika = next(r for r in csv.DictReader(io.StringIO(text)) if r["user_name"] == "mika.ono")
    assert mika["mfa_device_types"] == "hardware" and mika["fido_only"] == "false"


def test_centralized_root_access_is_pointed_to(demo_env, monkeypatch):
    """Where the organization manages root credentials centrally, the audit says that no root
    credentials at all is the best state (the demo's ListOrganizationsFeatures says this account
    is in no organization: the management account's answer is given here)."""
    from wizard import root_access

    plain = mfa_wizard("audit", env=demo_env).stdout
    assert "manages root credentials centrally" not in plain  # unknown: not said
    monkeypatch.setattr(
        root_access, "organization_features", lambda iam: {"RootCredentialsManagement"}
    )
    out = mfa_wizard("audit", env=demo_env).stdout
    assert "manages root credentials centrally" in out and "no root credentials at all" in out


def test_a_stale_report_is_not_trusted_for_a_user_without_a_virtual_device(services, monkeypatch):
    """AWS serves a report up to 4 hours old: a token removed since (and no other token or key
    left in the account) still reads as no MFA, because such users are always read."""
    from wizard import audit

    iam = services.iam
    iam.deactivate_mfa_device(
        UserName="kenji.mori", SerialNumber=fido_serial("kenji.mori", "yubikey")
    )
    stale = audit.fetch_credential_report(services)  # mika.ono: MFA yes (her token)
    iam.deactivate_mfa_device(UserName="mika.ono", SerialNumber="GAHT10000042")
    monkeypatch.setattr(audit, "fetch_credential_report", lambda *a, **k: stale)
    mika = next(u for u in run_audit(services).users if u.user_name == "mika.ono")
    assert mika.needs_mfa and mika.mfa_devices == ()
