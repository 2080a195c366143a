"""The Enroll step driven by Pilot against the moto server, with real codes from the seed."""

from __future__ import annotations

import re

import pyotp
import pytest
from textual.widgets import Button, DataTable, Input

from screens.app import roll_back_pending
from screens.dialogs import ConfirmDialog, ErrorDialog
from screens.widgets.qr import QRCode
from tests.support.aws import FAULTS, ORPHAN, good_codes, serials, unassigned
from tests.support.pilot import open_enroll, press_button, settle, start_qr, verdict
from tests.support.qrdecode import decode_half_blocks, modules_from_half_blocks, zbar_available
from wizard import clock
from wizard.qr import qr_matrix


async def type_codes(pilot, first, second):
    screen = pilot.app.screen
    screen.query_one("#code-1", Input).value = ""
    screen.query_one("#code-2", Input).value = ""
    await pilot.click("#code-1")
    await pilot.press(*first, "enter")
    await pilot.press(*second, "enter")
    await settle(pilot)


async def test_full_walk_two_users_enrol_one_skip_one(demo_app, services):
    async with demo_app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_enroll(pilot, {"alice.nakamura", "dave.sato"})
        assert "User 1 of 2: alice.nakamura" in str(screen.query_one("#intro-progress").render())
        assert screen.query_one("#device-name", Input).value == "alice.nakamura"
        enrollment = await start_qr(pilot, screen)
        assert enrollment.serial in unassigned(services)
        await type_codes(pilot, *good_codes(enrollment._seed))
        # Enabled in AWS, and on to the second user.
        assert serials(services, "alice.nakamura") == {
            "arn:aws:iam::123456789012:mfa/alice.nakamura"
        }
        assert screen.stage == "intro"
        assert "User 2 of 2: dave.sato" in str(screen.query_one("#intro-progress").render())
        await pilot.click("#enroll-skip")
        await settle(pilot)
        assert screen.stage == "done"
        table = screen.query_one("#done-table", DataTable)
        assert str(table.get_row("alice.nakamura")[1]) == "enabled"
        assert str(table.get_row("dave.sato")[1]) == "skipped"
        assert "1 of 2 user(s) enrolled" in str(screen.query_one("#done-title").render())
        # "Press 1 to re-run the audit": 1 works as said, with no Esc first, and the new audit
        # shows alice with MFA.
        await pilot.press("1")
        await settle(pilot)
        from screens.audit import AuditScreen

        assert isinstance(pilot.app.screen, AuditScreen)
        audit = pilot.app.screen.result
        assert audit is not None
        assert next(u for u in audit.users if u.user_name == "alice.nakamura").mfa_active
    assert unassigned(services) == {ORPHAN}
    assert serials(services, "dave.sato") == set()


WRONG_CODES = [
    (lambda s: ("12a456", good_codes(s)[1]), "letters"),
    (lambda s: ("123 45", good_codes(s)[1]), "5 digits"),
    (lambda s: (good_codes(s)[1], good_codes(s)[1]), "same code twice"),
    (lambda s: tuple(reversed(good_codes(s))), "wrong order"),
    (lambda s: ("000000", "111111"), "match"),
]


async def test_wrong_codes_are_explained_and_nothing_is_enabled(demo_app, services):
    # One app start for every case (each case is one more try on the same device, as a person
    # would make them), then the right codes work without starting over.
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"frank.ito"})
        enrollment = await start_qr(pilot, screen)
        for codes, words in WRONG_CODES:
            first, second = codes(enrollment._seed)
            screen.query_one("#code-1", Input).value = first
            screen.query_one("#code-2", Input).value = second
            await press_button(pilot, "#enroll-verify")
            assert words in verdict(screen), words
            assert screen.stage == "qr"
            assert serials(services, "frank.ito") == set()
        await type_codes(pilot, *good_codes(enrollment._seed))
        assert len(serials(services, "frank.ito")) == 1


async def test_cancel_deletes_the_device(demo_app, services):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"erin.kobayashi"})
        enrollment = await start_qr(pilot, screen)
        assert enrollment.serial in unassigned(services)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.stage == "intro"
    assert unassigned(services) == {ORPHAN}


async def test_quitting_mid_enrolment_rolls_back(demo_app, services):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"erin.kobayashi"})
        await start_qr(pilot, screen)
        assert len(unassigned(services)) == 2
    # What run_tui does after the app exits, however it exited.
    assert roll_back_pending(demo_app.ctx) == 1
    assert unassigned(services) == {ORPHAN}


@pytest.mark.parametrize("fault", ["AccessDenied", "Throttling", "dropped connection"])
async def test_failed_enable_shows_the_error_and_leaves_no_orphan(
    demo_app, services, monkeypatch, fault
):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"heidi.watanabe"})
        enrollment = await start_qr(pilot, screen)
        codes = good_codes(enrollment._seed)

        def boom(**kwargs):
            raise FAULTS[fault]("EnableMFADevice")

        monkeypatch.setattr(demo_app.ctx.services.iam, "enable_mfa_device", boom)
        await type_codes(pilot, *codes)
        assert isinstance(pilot.app.screen, ErrorDialog)
        await pilot.press("enter")
        assert screen.stage == "intro"
        assert "failed" in screen.results["heidi.watanabe"].outcome
    assert unassigned(services) == {ORPHAN}


async def test_unknown_user_typed_in_the_picker(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.stage == "pick"
        await pilot.click("#pick-user")
        await pilot.press(*"bad name", "enter")
        assert "not a valid IAM user name" in str(screen.query_one("#pick-verdict").render())
        screen.query_one("#pick-user", Input).value = "nobody"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ErrorDialog)
        assert "no IAM user named 'nobody'" in str(
            pilot.app.screen.query_one("#error-cause").render()
        )


async def test_device_name_is_validated_as_typed(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"alice.nakamura"})
        screen.query_one("#device-name", Input).value = "my phone"
        await pilot.pause()
        assert "' '" in str(screen.query_one("#device-name-verdict").render())
        assert screen.query_one("#enroll-start", Button).disabled


async def test_replace_a_lost_phone(demo_app, services):
    async with demo_app.run_test(size=(100, 30)) as pilot:
        screen = await open_enroll(pilot, {"grace.yamamoto"})
        assert "has 1 MFA device" in str(screen.query_one("#intro-devices").render())
        await pilot.click("#enroll-replace")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert screen.stage == "qr"
        old = "arn:aws:iam::123456789012:mfa/grace.yamamoto"
        # The old device keeps working until the new one is enabled.
        assert serials(services, "grace.yamamoto") == {old}
        await type_codes(pilot, *good_codes(screen.enrollment._seed))
        await settle(pilot)
        now = serials(services, "grace.yamamoto")
        assert len(now) == 1 and old not in now


async def test_cancelling_a_replacement_keeps_the_old_device(demo_app, services):
    async with demo_app.run_test(size=(100, 30)) as pilot:
        screen = await open_enroll(pilot, {"grace.yamamoto"})
        await pilot.click("#enroll-replace")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert screen.stage == "qr"
        await pilot.press("escape")
        await settle(pilot)
    assert serials(services, "grace.yamamoto") == {"arn:aws:iam::123456789012:mfa/grace.yamamoto"}
    assert unassigned(services) == {ORPHAN}


async def test_demo_authenticator_shows_the_current_code(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"alice.nakamura"})
        enrollment = await start_qr(pilot, screen)
        panel = str(screen.query_one("#demo-authenticator").render())
        shown = re.search(r"1st (\d{3}) (\d{3})\s+2nd (\d{3}) (\d{3})", panel)
        assert shown, panel
        first_shown, second_shown = shown[1] + shown[2], shown[3] + shown[4]
        # The panel was drawn at most a step ago: its pair is (previous, current) of that moment,
        # exactly the pair the Verify accepts.
        totp = pyotp.TOTP(enrollment._seed)
        moment = clock.time()
        pairs = {
            (totp.at(moment - 60), totp.at(moment - 30)),
            (totp.at(moment - 30), totp.at(moment)),
        }
        assert (first_shown, second_shown) in pairs
        assert enrollment.check(first_shown, second_shown).ok
        # The manual key stays hidden until asked for.
        assert not screen.query_one("#manual-key").display
        await pilot.press("f2")
        assert screen.query_one("#manual-key").display


async def test_qr_as_drawn_decodes_to_the_uri(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"alice.nakamura"})
        enrollment = await start_qr(pilot, screen)
        widget = screen.query_one(QRCode)
        lines = widget.lines
        # It fits: 22 rows below the identity bar and above the footer, 80 columns with the side.
        assert widget.region.height == len(lines) <= 22 and widget.region.right <= 45
        # The drawn rows rebuild exactly the module matrix of the URI...
        expected = [[int(m) for m in row] for row in qr_matrix(enrollment.uri)]
        assert modules_from_half_blocks(lines)[: len(expected)] == expected
        # ...and a QR reader reads the URI back from them.
        if zbar_available():
            assert decode_half_blocks(lines) == enrollment.uri


def test_enroll_intro_snapshot(stable_demo_app, snap_compare):
    """The intro stage (no seed on screen, so safe to snapshot)."""
    app = stable_demo_app

    async def run_before(pilot):
        await open_enroll(pilot, {"carol.suzuki", "dave.sato"})
        await pilot.press("tab")  # move focus off the blinking button for a stable picture

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_replace_and_resync_dialogs_name_the_user_and_sit_centred(demo_app):
    from screens.dialogs import ResyncDialog

    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"grace.yamamoto"})
        await pilot.click("#enroll-replace")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "for grace.yamamoto to scan" in dialog.body and "{" not in dialog.body
        await pilot.press("n")
        await pilot.pause()
        await pilot.click("#enroll-resync")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ResyncDialog)
        title = str(dialog.query_one(".dialog-title").render())
        assert title == "Resync grace.yamamoto's MFA device"
        box = dialog.query_one(".dialog").region
        # Centred, never pinned over the header at the top left.
        assert box.x > 0 and box.y > 0 and abs((80 - box.right) - box.x) <= 1
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen


async def test_a_confirmation_keeps_its_buttons_on_a_60x20_terminal(demo_app):
    from screens.dialogs import bullets

    async with demo_app.run_test(size=(60, 20)) as pilot:
        await open_enroll(pilot, {"grace.yamamoto"})
        # A long list (an undo of many changes): it scrolls, the buttons stay.
        pilot.app.push_screen(ConfirmDialog("Undo?", bullets([f"change {n}" for n in range(30)])))
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        for button in ("#confirm-yes", "#confirm-no"):
            region = dialog.query_one(button).region
            assert region.height >= 1 and region.bottom <= 20 and region.right <= 60
        await pilot.press("n")


# ----------------------------------------------------------------------------- other kinds


async def test_hardware_token_from_the_enroll_step(demo_app, services, realism):
    """Serial and two presses typed in the dialog; AWS (the layer) checks them. The dialog stays
    while AWS is asked; then the walk goes on to a user at IAM's limit of 8, where only Replace
    is left."""
    from screens.enroll_other import HardwareTokenDialog

    token = realism.hardware_token("GAHT12345678")
    for n in range(7):  # judy.kimura has one virtual device: 8 with these
        services.iam.enable_mfa_device(
            UserName="judy.kimura",
            SerialNumber=f"GAHT3000000{n}",
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    async with demo_app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_enroll(pilot, {"dave.sato", "judy.kimura"})
        await press_button(pilot, "#enroll-hardware-token")
        dialog = pilot.app.screen
        assert isinstance(dialog, HardwareTokenDialog)
        dialog.busy = True  # Esc while AWS is asked would hide its answer: it waits
        await pilot.press("escape")
        assert pilot.app.screen is dialog
        dialog.busy = False
        # A wrong pair: refused by AWS, the code fields empty for new presses.
        dialog.query_one("#token-serial", Input).value = "GAHT12345678"
        await pilot.press("enter", *"123456", "enter", *"654321", "enter")
        await settle(pilot)
        said = str(dialog.query_one("#token-verdict").render())
        assert "did not accept the two codes" in said and "Fix:" in said
        assert dialog.query_one("#token-code-1", Input).value == ""
        assert serials(services, "dave.sato") == set()
        now = clock.time()
        await pilot.press(*token.at(now - 30), "enter", *token.at(now), "enter")
        await settle(pilot)
        assert "Enabled the hardware token" in str(dialog.query_one("#token-verdict").render())
        assert serials(services, "dave.sato") == {"GAHT12345678"}
        await pilot.press("escape")
        await settle(pilot)
        assert screen.results["dave.sato"].outcome == "token enabled"
        said = str(screen.query_one("#intro-devices").render())
        assert "User 2 of 2: judy.kimura" in str(screen.query_one("#intro-progress").render())
        assert "has 8 MFA devices" in said and "and 5 more" in said
        assert "nothing can be added" in said
        for button in ("#enroll-start", "#enroll-hardware-token", "#enroll-security-key"):
            assert screen.query_one(button, Button).disabled
        assert not screen.query_one("#enroll-replace", Button).disabled


async def test_security_key_hand_off_from_the_enroll_step(demo_app, services, realism):
    """The address of the user's page, then the countdown ends when someone registers the key
    in the console (another person, meanwhile)."""
    from screens.enroll_other import SecurityKeyScreen
    from wizard.demo import fido_serial

    def register() -> None:
        services.iam.enable_mfa_device(
            UserName="erin.kobayashi",
            SerialNumber=fido_serial("erin.kobayashi", "key"),
            AuthenticationCode1="000000",
            AuthenticationCode2="000000",
        )

    async with demo_app.run_test(size=(100, 40), notifications=True) as pilot:
        screen = await open_enroll(pilot, {"erin.kobayashi"})
        # Esc stops the watch at once: nothing made, back on the intro.
        await pilot.click("#enroll-security-key")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SecurityKeyScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.stage == "intro"
        assert serials(services, "erin.kobayashi") == set()
        # The hand-off reads the devices, polls once: then the key is registered.
        realism.meanwhile("ListMFADevices", 2, register)
        await press_button(pilot, "#enroll-security-key")
        hand_off = pilot.app.screen
        assert isinstance(hand_off, SecurityKeyScreen)
        steps = str(hand_off.query_one("#key-steps").render())
        assert "users/details/erin.kobayashi?section=security_credentials" in steps
        assert hand_off.query_one(QRCode).lines  # the address as a QR, for a phone
        assert "Registered: " in str(hand_off.query_one("#key-countdown").render())
        await pilot.press("escape")
        await settle(pilot)
        row = screen.query_one("#done-table", DataTable).get_row("erin.kobayashi")
        assert str(row[1]) == "security key registered"
        assert "1 of 1 user(s) enrolled" in str(screen.query_one("#done-title").render())
