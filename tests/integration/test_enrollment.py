"""Enrolment against a moto server: real codes from the seed the domain holds, and rollback."""

from __future__ import annotations

import os

import pytest
from botocore.stub import Stubber

from tests.support.aws import FAULTS, ORPHAN, good_codes, serials, unassigned
from tests.support.cli import mfa_wizard
from tests.support.realism import AWS_LIKE
from wizard import clock
from wizard.demo import ORPHAN_DEVICE
from wizard.enrollment import (
    MAX_DEVICES_PER_USER,
    Enrollment,
    WrongCodesError,
    deactivate_device,
    list_devices,
    resync_device,
)
from wizard.errors import AlreadyExistsError, NotFoundError, UsageError, WizardError

pytestmark = AWS_LIKE


def test_full_enrollment_with_real_codes(services):
    with Enrollment(services, "alice.nakamura") as enrollment:
        serial = enrollment.create()
        assert serial == "arn:aws:iam::123456789012:mfa/alice.nakamura"
        assert enrollment.uri.startswith("otpauth://totp/alice.nakamura@acme-demo?secret=")
        device = enrollment.enable(*good_codes(enrollment._seed))
    assert device.serial == serial
    assert serials(services, "alice.nakamura") == {serial}
    assert unassigned(services) == {ORPHAN}
    # The seed is gone from memory once the device is enabled.
    assert enrollment._seed is None


def test_second_device_gets_a_distinct_default_name(services):
    with Enrollment(services, "bob.tanaka") as enrollment:
        enrollment.create()
        assert enrollment.device_name == "bob.tanaka-2"
        enrollment.enable(*good_codes(enrollment._seed))
    assert len(serials(services, "bob.tanaka")) == 2


def test_wrong_codes_keep_the_device_for_another_try_then_roll_back(services):
    with Enrollment(services, "dave.sato") as enrollment:
        enrollment.create()
        first, second = good_codes(enrollment._seed)
        with pytest.raises(WrongCodesError) as info:
            enrollment.enable(second, first)
        assert info.value.verdict.kind == "order"
        # moto would have accepted these codes: our check is what refused them.
        assert enrollment.serial in unassigned(services)
        # The admin gives up: leaving the block deletes the device.
    assert unassigned(services) == {ORPHAN}
    assert serials(services, "dave.sato") == set()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_failure_at_enable_leaves_no_orphan(services, monkeypatch, fault):
    enrollment = Enrollment(services, "erin.kobayashi")
    with pytest.raises((WizardError, KeyboardInterrupt)), enrollment:
        enrollment.create()
        codes = good_codes(enrollment._seed)

        def boom(**kwargs):
            raise FAULTS[fault]("EnableMFADevice")

        monkeypatch.setattr(services.iam, "enable_mfa_device", boom)
        enrollment.enable(*codes)
    assert unassigned(services) == {ORPHAN}
    assert serials(services, "erin.kobayashi") == set()


def error_code_of(exc: BaseException) -> str:
    from wizard.errors import error_code

    return error_code(exc) or type(exc).__name__


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_failure_after_create_before_enable_leaves_no_orphan(services, monkeypatch, fault):
    """A failure while drawing the QR (or anything between create and enable)."""
    import wizard.qr as module  # where the QR is drawn

    def boom(uri):
        raise FAULTS[fault]("qr")

    monkeypatch.setattr(module, "qr_matrix", boom)
    expected = KeyboardInterrupt if fault == "Ctrl-C" else type(FAULTS[fault]("qr"))
    with pytest.raises(expected) as raised:
        with Enrollment(services, "frank.ito") as enrollment:
            enrollment.create()
            enrollment.qr()
    # The very failure reaches the caller (not a rollback error in its place), and nothing is left.
    if fault != "Ctrl-C":
        assert error_code_of(raised.value) == error_code_of(FAULTS[fault]("qr"))
    assert unassigned(services) == {ORPHAN}


def test_cancel_deletes_the_device(services):
    with Enrollment(services, "heidi.watanabe") as enrollment:
        serial = enrollment.create()
        assert serial in unassigned(services)
    assert enrollment.rolled_back
    assert unassigned(services) == {ORPHAN}
    assert enrollment.rollback() is False  # a second rollback is a no-op


def test_unknown_user_creates_nothing(services):
    with pytest.raises(NotFoundError, match="no IAM user named 'nobody'"):
        with Enrollment(services, "nobody") as enrollment:
            enrollment.create()
    assert unassigned(services) == {ORPHAN}


def test_invalid_names_are_refused_before_any_call(services):
    with pytest.raises(UsageError):
        Enrollment(services, "alice nakamura")
    with pytest.raises(UsageError, match="'/'"):
        Enrollment(services, "alice.nakamura", "bad/name")


def test_duplicate_device_name_is_a_clear_error(services):
    with pytest.raises(AlreadyExistsError, match="already exists") as info:
        with Enrollment(services, "alice.nakamura", ORPHAN_DEVICE) as enrollment:
            enrollment.create()
    assert "choose another device name" in info.value.fix
    assert unassigned(services) == {ORPHAN}


def test_eight_devices_is_the_limit(services):
    for n in range(MAX_DEVICES_PER_USER - 1):
        with Enrollment(services, "judy.kimura", f"judy-extra-{n}") as enrollment:
            enrollment.create()
            enrollment.enable(*good_codes(enrollment._seed))
    assert len(list_devices(services, "judy.kimura")) == MAX_DEVICES_PER_USER
    with pytest.raises(WizardError, match="already has 8 MFA devices"):
        with Enrollment(services, "judy.kimura", "judy-ninth") as enrollment:
            enrollment.create()
    assert unassigned(services) == {ORPHAN}


def test_replace_lost_phone(services):
    old = "arn:aws:iam::123456789012:mfa/grace.yamamoto"
    assert deactivate_device(services, "grace.yamamoto", old, delete=True).startswith(
        "deactivated and deleted"
    )
    assert serials(services, "grace.yamamoto") == set()
    with Enrollment(services, "grace.yamamoto") as enrollment:
        enrollment.create()
        enrollment.enable(*good_codes(enrollment._seed))
    assert serials(services, "grace.yamamoto") == {old}  # the freed name is reused


def test_resync_sends_two_codes(services):
    """moto has no ResyncMFADevice: botocore's Stubber checks the exact request instead."""
    serial = "arn:aws:iam::123456789012:mfa/bob.tanaka"
    with Stubber(services.iam) as stub:
        stub.add_response(
            "resync_mfa_device",
            {},
            {
                "UserName": "bob.tanaka",
                "SerialNumber": serial,
                "AuthenticationCode1": "123456",
                "AuthenticationCode2": "234567",
            },
        )
        resync_device(services, "bob.tanaka", serial, "123456", " 234567 ")
        stub.assert_no_pending_responses()
        stub.add_client_error(
            "resync_mfa_device",
            service_error_code="InvalidAuthenticationCode",
            http_status_code=403,
        )
        with pytest.raises(UsageError, match="rejected the MFA codes"):
            resync_device(services, "bob.tanaka", serial, "123456", "234567")
    with pytest.raises(UsageError, match="same"):
        resync_device(services, "bob.tanaka", serial, "123456", "123456")


# The retry below types codes "a minute later" by moving the app's clock, which the realism
# layer (on the real clock) would rightly refuse: AWS's own check is what this test stubs out.
@pytest.mark.realism(propagation=3.0, throttle=0.05, report_seconds=1.0, check_codes=False)
def test_aws_rejecting_checked_codes_keeps_the_device_for_a_retry(services, monkeypatch):
    from botocore.exceptions import ClientError

    with Enrollment(services, "alice.nakamura") as enrollment:
        enrollment.create()
        codes = good_codes(enrollment._seed)
        real = services.iam.enable_mfa_device

        def reject(**kwargs):
            raise ClientError(
                {"Error": {"Code": "InvalidAuthenticationCode", "Message": "x"}}, "EnableMFADevice"
            )

        monkeypatch.setattr(services.iam, "enable_mfa_device", reject)
        with pytest.raises(WrongCodesError) as info:
            enrollment.enable(*codes)
        assert info.value.verdict.kind == "aws_rejected"
        assert enrollment.serial in unassigned(services)
        # The same codes are now "used": asking again with them is refused locally.
        assert enrollment.check(*codes).kind == "reused"
        monkeypatch.setattr(services.iam, "enable_mfa_device", real)
        # A minute later the app shows two new codes, and they go through.
        moment = clock.time() + 60
        enrollment.enable(*good_codes(enrollment._seed, moment), now=moment)
    assert serials(services, "alice.nakamura") == {enrollment.serial}


def test_seed_never_in_repr_or_errors(services):
    with Enrollment(services, "alice.nakamura") as enrollment:
        enrollment.create()
        seed = enrollment._seed
        assert seed not in repr(enrollment)
        with pytest.raises(WrongCodesError) as info:
            enrollment.enable("000000", "000000")
        assert seed not in str(info.value)


# ------------------------------------------------------------------ headless `mfa-wizard enroll`


def test_headless_devices_and_deactivate(services, demo_env):
    def run(*a):
        return mfa_wizard(*a, env=demo_env)

    listed = run("devices", "carol.suzuki")
    assert listed.returncode == 0 and "carol.suzuki-2" in listed.stdout
    refused = run("deactivate", "carol.suzuki", "arn:aws:iam::123456789012:mfa/carol.suzuki-2")
    assert refused.returncode == 1 and "Nothing changed" in refused.stdout
    assert len(serials(services, "carol.suzuki")) == 2
    done = run(
        "deactivate",
        "carol.suzuki",
        "arn:aws:iam::123456789012:mfa/carol.suzuki-2",
        "--delete",
        "--yes",
    )
    assert done.returncode == 0 and "deactivated and deleted" in done.stdout
    assert serials(services, "carol.suzuki") == {"arn:aws:iam::123456789012:mfa/carol.suzuki"}
    missing = run("deactivate", "carol.suzuki", "arn:aws:iam::123456789012:mfa/nope", "--yes")
    assert missing.returncode == 2 and "has no MFA device" in missing.stderr
    assert os.environ.get("AWS_ACCESS_KEY_ID") is None  # the test's own env stays clean


def test_a_lost_enable_answer_is_read_again_not_rolled_back(services, monkeypatch):
    # AWS enabled the device but the answer never arrived: the device is the user's MFA now.
    from botocore.exceptions import EndpointConnectionError

    with Enrollment(services, "dave.sato") as enrollment:
        enrollment.create()
        real = services.iam.enable_mfa_device

        def enabled_then_lost(**kwargs):
            real(**kwargs)
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

        monkeypatch.setattr(services.iam, "enable_mfa_device", enabled_then_lost)
        device = enrollment.enable(*good_codes(enrollment._seed))
    assert device.serial == enrollment.serial
    assert serials(services, "dave.sato") == {enrollment.serial}
    assert unassigned(services) == {ORPHAN}


def test_ctrl_c_after_aws_enabled_keeps_the_device(services, monkeypatch):
    # Interrupted while AWS answered, after it enabled the device: it is the user's MFA now.
    with pytest.raises(KeyboardInterrupt):
        with Enrollment(services, "dave.sato") as enrollment:
            enrollment.create()
            real = services.iam.enable_mfa_device

            def enabled_then_interrupted(**kwargs):
                real(**kwargs)
                raise KeyboardInterrupt

            monkeypatch.setattr(services.iam, "enable_mfa_device", enabled_then_interrupted)
            enrollment.enable(*good_codes(enrollment._seed))
    assert enrollment.enabled
    assert serials(services, "dave.sato") == {enrollment.serial}
    assert unassigned(services) == {ORPHAN}


def test_the_qr_fits_the_columns_too():
    from wizard.qr import SEED_LENGTH, fit_qr, qr_rows

    seed = "A" * SEED_LENGTH
    uri, matrix = fit_qr(seed, "x" * 64, "acme-demo", max_rows=40, max_columns=44)
    assert len(matrix[0]) <= 44 and qr_rows(matrix) <= 40
    from wizard.qr import QrTooBigError

    with pytest.raises(QrTooBigError):
        fit_qr(seed, "x" * 64, "acme-demo", max_rows=40, max_columns=30)
