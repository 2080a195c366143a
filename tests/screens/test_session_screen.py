"""The Session step driven by Pilot against the moto server."""

from __future__ import annotations

import stat
from pathlib import Path

import pyotp
from textual.widgets import Input, Select, Static

from screens.dialogs import ErrorDialog
from screens.session import SessionScreen
from tests.support.pilot import press_button, settle
from wizard import clock


async def open_session(pilot):
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SessionScreen)
    return screen


def text(screen, selector) -> str:
    return str(screen.query_one(selector, Static).render())


async def get_session(pilot, screen, code):
    screen.query_one("#session-code", Input).value = code
    await press_button(pilot, "#session-get")
    await settle(pilot)


async def test_get_reveal_write_and_setup(demo, demo_app, monkeypatch):
    async with demo_app.run_test(size=(100, 36), notifications=True) as pilot:
        screen = await open_session(pilot)
        assert screen.query_one("#session-serial", Select).value == demo.admin_mfa_serial
        # The demo authenticator shows the admin device's current code.
        seed = demo.seeds[demo.admin_mfa_serial]
        assert "Demo authenticator" in text(screen, "#session-demo")
        await get_session(pilot, screen, pyotp.TOTP(seed).at(clock.time()))
        creds = screen.creds
        assert creds is not None and creds.fresh()
        lines = text(screen, "#session-lines")
        assert creds.access_key_id in lines
        assert creds.secret_access_key not in lines and creds.session_token not in lines
        assert "left" in text(screen, "#session-expiry")
        await pilot.press("f3")
        assert creds.secret_access_key in text(screen, "#session-lines")
        await pilot.press("f3")
        assert creds.secret_access_key not in text(screen, "#session-lines")
        # Write a profile: 0600, boto3-readable.
        screen.query_one("#session-write-name", Input).value = "demo-mfa"
        await pilot.click("#session-write")
        await settle(pilot)
        creds_file = Path.home() / ".aws" / "credentials"
        assert "[demo-mfa]" in creds_file.read_text()
        assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
        assert "Wrote profile demo-mfa" in text(screen, "#session-verdict")
        # credential_process needs a named profile.
        await pilot.click("#session-setup")
        assert "needs a named profile" in text(screen, "#session-verdict")
        screen.query_one("#session-profile", Input).value = "work"
        await press_button(pilot, "#session-setup")
        await settle(pilot)
        assert "Added profile work-mfa" in text(screen, "#session-verdict"), text(
            screen, "#session-verdict"
        )
        assert "[profile work-mfa]" in (Path.home() / ".aws" / "config").read_text()


async def test_bad_inputs_are_refused_before_any_call(demo_app):
    async with demo_app.run_test(size=(100, 36)) as pilot:
        screen = await open_session(pilot)
        await get_session(pilot, screen, "12a456")
        assert "letters" in text(screen, "#session-verdict") and screen.creds is None
        screen.query_one("#session-duration", Input).value = "48h"
        await pilot.pause()
        assert "900-129600" in text(screen, "#duration-verdict")
        await get_session(pilot, screen, "123456")
        assert "outside what AWS allows" in text(screen, "#session-verdict")
        assert screen.creds is None


async def test_session_credentials_are_refused_with_the_reason(demo, moto_server):
    """The wizard itself running on session credentials: GetSessionToken would refuse them."""
    import boto3

    from screens.app import WizardContext, create_app
    from wizard.aws import Services

    session = boto3.Session(
        aws_access_key_id=demo.admin_access_key_id,
        aws_secret_access_key=demo.admin_secret_access_key,
        aws_session_token="FAKE-SESSION-TOKEN",
        region_name="us-east-1",
    )
    services = Services(
        session=session, region="us-east-1", endpoint_url=moto_server, max_attempts=1
    )
    app = create_app(WizardContext(services=services, identity=demo.services().identity()))
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_session(pilot)
        await get_session(pilot, screen, "123456")
        assert isinstance(app.screen, ErrorDialog)
        assert "already session" in str(app.screen.query_one("#error-cause").render())
        await pilot.press("enter")
        assert "No session" in text(screen, "#session-verdict")


def test_session_form_snapshot(stable_demo_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(stable_demo_app, terminal_size=(80, 24), run_before=run_before)


async def test_a_role_profile_gets_the_roles_session_with_one_code(demo, demo_app, moto_server):
    # dev holds the demo admin's keys; admin-role is a role profile on it (AWS CLI style).
    import json
    import os

    import boto3

    boto3.client(
        "iam",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id=demo.admin_access_key_id,
        aws_secret_access_key=demo.admin_secret_access_key,
    ).create_role(RoleName="ops", AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    config, credentials = (
        Path(os.environ["AWS_CONFIG_FILE"]),
        Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]),
    )
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f"[profile dev]\nregion = us-east-1\nmfa_serial = {demo.admin_mfa_serial}\n"
        "[profile admin-role]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = dev\n"
    )
    credentials.write_text(
        f"[dev]\naws_access_key_id = {demo.admin_access_key_id}\n"
        f"aws_secret_access_key = {demo.admin_secret_access_key}\n"
    )
    async with demo_app.run_test(size=(100, 36)) as pilot:
        screen = await open_session(pilot)
        assert "admin-role (role)" in text(screen, "#session-profiles")
        profile = screen.query_one("#session-profile", Input)
        profile.value = "admin-role"
        profile.focus()
        await pilot.press("enter")
        await settle(pilot)
        # The devices listed are the source user's (boto3 never tried to assume the role).
        assert screen.query_one("#session-serial", Select).value == demo.admin_mfa_serial
        await get_session(
            pilot, screen, pyotp.TOTP(demo.seeds[demo.admin_mfa_serial]).at(clock.time())
        )
        creds = screen.creds
        assert creds is not None
        arn = boto3.client(
            "sts",
            endpoint_url=demo.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        ).get_caller_identity()["Arn"]
        assert ":assumed-role/ops/mfa-session-admin-role" in arn
        assert creds.seconds_left() <= 3600  # a role's own default, not the form's 12 h


async def test_a_code_already_sent_is_never_sent_again(demo, demo_app, realism):
    """AWS refused the code (or took it): pressing Get again with it asks for the next one
    instead of sending it a second time."""
    async with demo_app.run_test(size=(100, 36)) as pilot:
        screen = await open_session(pilot)
        before = realism.refused.get("AccessDenied", 0)
        await get_session(pilot, screen, "000000")
        assert isinstance(pilot.app.screen, ErrorDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert realism.refused.get("AccessDenied", 0) == before + 1
        await get_session(pilot, screen, "000000")
        assert "That code was just sent" in text(screen, "#session-verdict")
        assert realism.refused.get("AccessDenied", 0) == before + 1  # not sent again
        seed = demo.seeds[demo.admin_mfa_serial]
        await get_session(pilot, screen, pyotp.TOTP(seed).at(clock.time()))
        assert screen.creds is not None


async def test_use_the_session_for_the_wizard_then_enforce_may_include_you(demo, demo_app):
    from screens.policy import PolicyScreen

    async with demo_app.run_test(size=(100, 36), notifications=True) as pilot:
        screen = await open_session(pilot)
        long_term = pilot.app.ctx.services
        await get_session(
            pilot, screen, pyotp.TOTP(demo.seeds[demo.admin_mfa_serial]).at(clock.time())
        )
        assert screen.query_one("#session-use").display
        await pilot.press("f9")
        await settle(pilot)
        ctx = pilot.app.ctx
        assert ctx.services is not long_term and ctx.session_until
        frozen = ctx.services.session.get_credentials().get_frozen_credentials()
        assert frozen.access_key == screen.creds.access_key_id and frozen.token
        assert "MFA to" in str(screen.query_one("#identity-bar").render())
        await pilot.press("3")
        await settle(pilot)
        enforce = pilot.app.screen
        assert isinstance(enforce, PolicyScreen)
        # Signed with an MFA session the wizard made: it no longer has to leave you out.
        assert "Left out: admin (you)" not in str(enforce.query_one("#enforce-plan").render())


async def test_a_named_profiles_session_is_not_offered_for_the_wizard(demo, demo_app):
    async with demo_app.run_test(size=(100, 36)) as pilot:
        screen = await open_session(pilot)
        screen.creds_profile = "someone-else"
        assert not screen.check_action("use_here", ())
