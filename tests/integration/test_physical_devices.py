"""Hardware tokens and security keys against moto: AWS (the realism layer) checks a token's codes
with the seed only it knows; a security key appears in ListMFADevices when someone registers it
in the console meanwhile."""

from __future__ import annotations

import pytest

from tests.support.aws import serials
from tests.support.cli import mfa_wizard
from tests.support.realism import AWS_LIKE
from wizard import clock, journal
from wizard.demo import fido_serial
from wizard.errors import UsageError, WizardError
from wizard.physical import (
    FidoWaitTimeout,
    check_hardware_serial,
    enable_hardware,
    plan_hardware,
    plan_security_key,
    wait_for_new_key,
)
from wizard.plan import revert

pytestmark = AWS_LIKE
TOKEN = "GAHT12345678"


def pressed(token) -> tuple[str, str]:
    """Two presses of the token's button: this step's code, then the next step's."""
    now = clock.time()
    return token.at(now - 30), token.at(now)


def test_hardware_token_enabled_with_two_codes_aws_checks(services, realism):
    token = realism.hardware_token(TOKEN)
    plan = plan_hardware(services, "dave.sato", TOKEN)
    assert not plan.already and "Will enable the hardware token GAHT12345678" in plan.describe()
    # A wrong pair: AWS refuses it, nothing is enabled.
    with pytest.raises(WizardError, match="did not accept the two codes") as refused:
        enable_hardware(services, plan, "123456", "654321")
    assert refused.value.code == "InvalidAuthenticationCode"
    assert serials(services, "dave.sato") == set()
    assert "enabled" in enable_hardware(services, plan, *pressed(token)).lower()
    assert serials(services, "dave.sato") == {TOKEN}
    entry = journal.read()[-1]
    assert entry.action == "enable_hardware_token" and entry.undo == {
        "op": "deactivate_mfa_device",
        "user": "dave.sato",
        "serial": TOKEN,
    }
    # Idempotent: the second run knows the token is there.
    again = plan_hardware(services, "dave.sato", TOKEN)
    assert again.already and "nothing to do" in again.describe()
    # Undo deactivates it (a token is not IAM's to delete).
    assert revert(services, entry.undo) != ""
    assert serials(services, "dave.sato") == set()


def test_a_token_of_another_user_is_named(services, realism):
    plan = plan_hardware(services, "dave.sato", "GAHT10000042")  # mika.ono's
    with pytest.raises(WizardError, match="already assigned to another user"):
        enable_hardware(services, plan, "123456", "654321")


@pytest.mark.parametrize(
    ("serial", "says"),
    [
        ("arn:aws:iam::123456789012:mfa/dave", "ARN of a virtual MFA device"),
        ("arn:aws:iam::123456789012:u2f/user/dave/key-ABC", "ARN of a security key"),
        ("GAHT 1234", "not a hardware token's serial"),
        ("12345", "not a hardware token's serial"),
    ],
)
def test_a_serial_that_is_no_tokens_is_refused_before_any_call(serial, says):
    with pytest.raises(UsageError, match=says):
        check_hardware_serial(serial)


def test_same_code_twice_is_refused_locally(services, realism):
    realism.hardware_token(TOKEN)
    plan = plan_hardware(services, "dave.sato", TOKEN)
    with pytest.raises(UsageError, match="the two codes are the same"):
        enable_hardware(services, plan, "123456", "123456")
    assert realism.refused == {} or "InvalidAuthenticationCode" not in str(realism.refused)


def test_a_user_with_eight_devices_is_refused_first(services, realism):
    iam = services.iam
    for n in range(7):  # judy.kimura has one virtual device
        iam.enable_mfa_device(
            UserName="judy.kimura",
            SerialNumber=f"GAHT2000000{n}",
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    assert len(serials(services, "judy.kimura")) == 8
    for plan in (
        lambda: plan_hardware(services, "judy.kimura", TOKEN),
        lambda: plan_security_key(services, "judy.kimura"),
    ):
        with pytest.raises(WizardError, match="already has 8 MFA devices") as full:
            plan()
        assert full.value.code == "LimitExceeded"
    # And AWS (the layer) refuses a ninth anyway.
    with pytest.raises(Exception, match="MFADevicesPerUser"):
        iam.enable_mfa_device(
            UserName="judy.kimura",
            SerialNumber=TOKEN,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )


def register_key(services, user: str, name: str) -> str:
    """What the console does when a person registers a security key for `user`."""
    serial = fido_serial(user, name)
    services.iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1="000000",
        AuthenticationCode2="000000",
    )
    return serial


def test_security_key_hand_off_ends_when_the_key_appears(services, realism):
    handoff = plan_security_key(services, "dave.sato")
    assert handoff.address == (
        "https://console.aws.amazon.com/iam/home#/users/details/dave.sato"
        "?section=security_credentials"
    )
    assert not handoff.self_enrol and "signin.aws.amazon.com/console" in handoff.sign_in
    # Someone registers the key in the console while the wizard polls.
    realism.meanwhile("ListMFADevices", 2, lambda: register_key(services, "dave.sato", "yubikey"))
    ticks: list[float] = []
    serial = wait_for_new_key(services, handoff, timeout=120, on_tick=ticks.append)
    assert serial == fido_serial("dave.sato", "yubikey")
    assert len(ticks) >= 1 and ticks[0] <= 120
    entry = journal.read()[-1]
    assert entry.action == "register_security_key" and serial in entry.resource


def test_security_key_wait_times_out_with_what_to_check(services):
    handoff = plan_security_key(services, "dave.sato")
    with pytest.raises(FidoWaitTimeout, match="no new security key or passkey") as late:
        wait_for_new_key(services, handoff, timeout=30)
    assert "mfa-wizard devices dave.sato" in late.value.fix
    assert serials(services, "dave.sato") == set()
    # Esc (stop) ends it with nothing made.
    assert wait_for_new_key(services, handoff, timeout=30, stop=lambda: True) is None


def test_self_enrolment_gets_its_own_page(services):
    handoff = plan_security_key(services, "admin")  # the demo admin signs in as itself
    assert handoff.self_enrol
    assert handoff.address == "https://console.aws.amazon.com/iam/home#/security_credentials"


# ----------------------------------------------------------------------------- the command line


def test_cli_hardware_with_codes(demo_env, realism, services):
    token = realism.hardware_token(TOKEN)
    codes = ",".join(pressed(token))

    def enroll(user: str, serial: str, pair: str):
        return mfa_wizard(
            "enroll", user, "--hardware", serial, "--codes", pair, "--yes", env=demo_env
        )

    out = enroll("erin.kobayashi", TOKEN, codes)
    assert out.returncode == 0, out.stderr
    assert "Will enable the hardware token GAHT12345678 for erin.kobayashi" in out.stdout
    assert "Enabled the hardware token" in out.stdout
    again = enroll("erin.kobayashi", TOKEN, codes)
    assert again.returncode == 0 and "nothing to do" in again.stdout
    wrong = enroll("frank.ito", "GAHT99999999", "12345,1")
    assert wrong.returncode == 2 and "5 digits" in wrong.stderr
    # Without --yes and no terminal to ask on, nothing is enabled.
    unasked = mfa_wizard(
        "enroll", "frank.ito", "--hardware", "GAHT99999999", "--codes", codes, env=demo_env
    )
    assert unasked.returncode == 1 and "pass --yes when not on a terminal" in unasked.stderr
    assert serials(services, "frank.ito") == set()


def test_cli_security_key_waits_and_reports(demo, demo_env, realism):
    services = demo.services()
    realism.meanwhile("ListMFADevices", 3, lambda: register_key(services, "frank.ito", "key1"))
    out = mfa_wizard("enroll", "frank.ito", "--security-key", "--wait", "60", env=demo_env)
    assert out.returncode == 0, out.stderr
    assert "users/details/frank.ito?section=security_credentials" in out.stdout
    assert "Passkey or security key" in out.stdout
    assert f"Registered: {fido_serial('frank.ito', 'key1')} for frank.ito" in out.stdout
    late = mfa_wizard("enroll", "erin.kobayashi", "--security-key", "--wait", "10", env=demo_env)
    assert late.returncode == 1 and "no new security key or passkey" in late.stderr
