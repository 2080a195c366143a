"""The credential report parser: every value the report can hold."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from wizard import asset
from wizard.audit import (
    humanize_age,
    parse_credential_report,
    parse_report_bool,
    parse_report_time,
    path_from_arn,
    reconcile,
    to_csv,
    to_json,
)
from wizard.errors import WizardError
from wizard.models import AuditResult

SAMPLE = asset("samples", "credential_report.csv").read_text()


@pytest.mark.parametrize(
    "value", ["N/A", "no_information", "not_supported", "", "  ", None, "garbage"]
)
def test_empty_timestamps_are_none(value):
    assert parse_report_time(value) is None


def test_timestamps_are_aware_utc():
    assert parse_report_time("2026-11-19T23:40:00+00:00") == datetime(
        2026, 11, 19, 23, 40, tzinfo=UTC
    )
    assert parse_report_time("2026-11-19T23:40:00Z") == datetime(2026, 11, 19, 23, 40, tzinfo=UTC)
    # A naive timestamp is taken as UTC, as the report means.
    assert parse_report_time("2026-11-19T23:40:00").tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("false", False),
        ("not_supported", False),
        ("N/A", False),
        (None, False),
    ],
)
def test_booleans(value, expected):
    assert parse_report_bool(value) is expected


@pytest.mark.parametrize(
    ("arn", "path"),
    [
        ("arn:aws:iam::1:user/alice", "/"),
        ("arn:aws:iam::1:user/engineering/alice", "/engineering/"),
        ("arn:aws:iam::1:user/a/b/c/alice", "/a/b/c/"),
        ("arn:aws:iam::1:root", "/"),
        ("arn:aws-cn:iam::1:user/x/bob", "/x/"),
    ],
)
def test_path_from_arn(arn, path):
    assert path_from_arn(arn) == path


def test_root_row_is_separate():
    root, users = parse_credential_report(SAMPLE)
    assert root is not None
    assert root.mfa_active is False
    assert root.access_keys_active == 0
    assert root.password_last_used == datetime(2026, 10, 30, 8, 12, tzinfo=UTC)
    assert "<root_account>" not in {u.user_name for u in users}


def test_user_rows():
    _, users = parse_credential_report(SAMPLE)
    by_name = {u.user_name: u for u in users}
    alice = by_name["alice.nakamura"]
    assert alice.console_access and not alice.mfa_active and alice.needs_mfa
    assert alice.path == "/engineering/"
    assert alice.access_keys_active == 1
    assert alice.access_keys[0].last_used == datetime(2026, 11, 19, 22, tzinfo=UTC)
    # no_information and N/A for password_last_used mean "unknown / never".
    assert by_name["dave.sato"].password_last_used is None
    assert by_name["erin.kobayashi"].password_last_used is None
    # Programmatic-only users have no console access and are not findings.
    ci = by_name["ci-deployer"]
    assert not ci.console_access and not ci.needs_mfa and ci.access_keys_active == 2
    # An inactive key that was once rotated is kept, but does not count as active.
    terraform = by_name["terraform"]
    assert terraform.access_keys_active == 1
    assert [k.active for k in terraform.access_keys] == [True, False]
    assert terraform.oldest_active_key_rotated() == datetime(2024, 7, 7, 1, tzinfo=UTC)
    # A user with no credentials at all.
    ivan = by_name["ivan.kato"]
    assert (ivan.console_access, ivan.mfa_active, ivan.access_keys) == (False, False, ())
    assert by_name["bob.tanaka"].mfa_active and not by_name["bob.tanaka"].needs_mfa


def test_header_only_and_missing_header():
    header = SAMPLE.splitlines()[0] + "\n"
    assert parse_credential_report(header) == (None, [])
    with pytest.raises(WizardError, match="no header"):
        parse_credential_report("")


def test_reconcile_trusts_devices_assigned_after_the_report():
    _, users = parse_credential_report(SAMPLE)
    serial = "arn:aws:iam::111122223333:mfa/alice.nakamura"
    fixed = {u.user_name: u for u in reconcile(users, {"alice.nakamura": [serial]})}
    assert fixed["alice.nakamura"].mfa_active
    assert fixed["alice.nakamura"].mfa_confirmed_after_report
    assert fixed["alice.nakamura"].mfa_devices == (serial,)
    assert fixed["dave.sato"].needs_mfa
    # A user the report already knew had MFA is not marked as "confirmed after".
    both = {u.user_name: u for u in reconcile(users, {"bob.tanaka": ["s1"]})}
    assert not both["bob.tanaka"].mfa_confirmed_after_report


def _result(users):
    return AuditResult(
        account_id="111122223333",
        generated_at=datetime(2026, 11, 20, 12, tzinfo=UTC),
        report_generated_at=datetime(2026, 11, 20, 11, tzinfo=UTC),
        root_mfa_active=False,
        users=tuple(users),
        orphan_virtual_mfa_devices=("arn:aws:iam::111122223333:mfa/lost",),
    )


def test_json_export_shape():
    _, users = parse_credential_report(SAMPLE)
    doc = json.loads(to_json(_result(users)))
    assert set(doc) >= {
        "account_id",
        "generated_at",
        "report_generated_at",
        "root_mfa_active",
        "users",
        "orphan_virtual_mfa_devices",
    }
    assert doc["root_mfa_active"] is False
    user = next(u for u in doc["users"] if u["user_name"] == "alice.nakamura")
    assert user["console_access"] is True and user["mfa_active"] is False
    assert isinstance(user["mfa_devices"], list)
    assert user["access_keys_active"] == 1
    assert user["password_last_used"] == "2026-11-19T23:40:00+00:00"
    assert doc["summary"]["console_users_without_mfa"] == 4


def test_csv_export_round_trips():
    _, users = parse_credential_report(SAMPLE)
    rows = list(csv.DictReader(io.StringIO(to_csv(users))))
    assert [r["user_name"] for r in rows] == [u.user_name for u in users]
    alice = next(r for r in rows if r["user_name"] == "alice.nakamura")
    assert alice["needs_mfa"] == "true" and alice["path"] == "/engineering/"


def test_result_compliance():
    _, users = parse_credential_report(SAMPLE)
    assert not _result(users).compliant
    with_mfa = [u for u in users if not u.needs_mfa]
    compliant = AuditResult(**{**_result(with_mfa).__dict__, "root_mfa_active": True})
    assert compliant.compliant


def test_humanize_age():
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert humanize_age(None, now) == "never"
    assert humanize_age(datetime(2026, 11, 20, 11, 59, 30, tzinfo=UTC), now) == "now"
    assert humanize_age(datetime(2026, 11, 20, 11, 48, tzinfo=UTC), now) == "12m"
    assert humanize_age(datetime(2026, 11, 19, 9, tzinfo=UTC), now) == "27h"
    assert humanize_age(datetime(2026, 11, 8, 12, tzinfo=UTC), now) == "12d"
    assert humanize_age(datetime(2020, 11, 8, 12, tzinfo=UTC), now) == "6y"


def test_a_user_name_with_commas_survives_an_unquoted_report():
    from wizard.audit import parse_credential_report

    header = (
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
        "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
        "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
        "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
        "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
        "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
    )
    tail = (
        ",2026-01-01T00:00:00+00:00,true,N/A,N/A,N/A,false,"
        + ",".join(["false", "N/A", "N/A", "N/A", "N/A"] * 2)
        + ",false,N/A,false,N/A"
    )
    row = "tanaka,ops,arn:aws:iam::123456789012:user/tanaka,ops" + tail
    plain = "bob,arn:aws:iam::123456789012:user/bob" + tail
    _, users = parse_credential_report("\n".join([header, row, plain]) + "\n")
    by_name = {u.user_name: u for u in users}
    assert set(by_name) == {"tanaka,ops", "bob"}
    assert by_name["tanaka,ops"].arn == "arn:aws:iam::123456789012:user/tanaka,ops"
    assert by_name["tanaka,ops"].console_access and not by_name["tanaka,ops"].mfa_active


def test_device_kinds_and_root_type():
    from wizard.devices import ROOT_HARDWARE_OR_FIDO, root_mfa_type
    from wizard.models import device_kind

    assert device_kind("arn:aws:iam::123456789012:mfa/alice") == "virtual"
    assert device_kind("arn:aws-cn:iam::123456789012:mfa/path/alice") == "virtual"
    assert device_kind("arn:aws:iam::123456789012:u2f/user/alice/key-ABC") == "fido"
    assert device_kind("GAHT12345678") == "hardware"
    root_device = {
        "SerialNumber": "arn:aws:iam::123456789012:mfa/root-account-mfa-device",
        "User": {"Arn": "arn:aws:iam::123456789012:root", "UserId": "123456789012"},
    }
    user_device = {"User": {"Arn": "arn:aws:iam::123456789012:user/alice", "UserName": "alice"}}
    assert root_mfa_type(True, [user_device, root_device]) == "virtual"
    assert root_mfa_type(True, [user_device]) == ROOT_HARDWARE_OR_FIDO
    assert root_mfa_type(False, [user_device]) == ""


def test_root_advice_names_the_steps_and_the_keys():
    from datetime import UTC, datetime

    from wizard.devices import root_advice
    from wizard.models import AuditResult, RootFinding

    def result(mfa: bool, kind: str, keys: int) -> AuditResult:
        return AuditResult(
            account_id="123456789012",
            generated_at=datetime.now(UTC),
            report_generated_at=None,
            root_mfa_active=mfa,
            users=(),
            root=RootFinding(mfa_active=mfa, access_keys_active=keys, password_last_used=None),
            root_mfa_type=kind,
        )

    off = "\n".join(root_advice(result(False, "", 1), "aws-us-gov"))
    assert "https://console.amazonaws-us-gov.com/iam/home#/security_credentials" in off
    assert "Passkey or security key" in off and "1 active access key" in off
    virtual = "\n".join(root_advice(result(True, "virtual", 0), "aws"))
    assert "virtual device" in virtual and "access key" not in virtual
    assert root_advice(result(True, "hardware or fido", 0), "aws") == []
    central = "\n".join(root_advice(result(False, "", 0), "aws", management="enabled"))
    assert "no root credentials at all" in central


def test_root_without_credentials_is_the_best_state_not_a_finding():
    from datetime import UTC, datetime

    from wizard.devices import root_advice
    from wizard.models import AuditResult, RootFinding

    def result(password: bool | None, keys: int = 0) -> AuditResult:
        return AuditResult(
            account_id="123456789012",
            generated_at=datetime.now(UTC),
            report_generated_at=None,
            root_mfa_active=False,
            users=(),
            root=RootFinding(mfa_active=False, access_keys_active=keys, password_last_used=None),
            root_password_present=password,
        )

    removed = result(False)
    assert removed.root_without_credentials and removed.compliant
    assert "nobody can sign in as root" in "\n".join(root_advice(removed, "aws"))
    for still in (result(True), result(None), result(False, keys=1)):
        assert not still.root_without_credentials and not still.compliant
        assert "Root has no MFA" in "\n".join(root_advice(still, "aws"))
