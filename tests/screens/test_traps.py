"""The TUI traps found by trying the app in tmux, each driven by Pilot against the moto server."""

from __future__ import annotations

from textual.widgets import Button, Input, SelectionList, Static

from screens.policy import PolicyScreen
from tests.support.aws import ORPHAN, good_codes, serials, unassigned
from tests.support.pilot import open_enroll, press_button, settle, verdict


async def test_digits_on_a_focused_button_in_the_qr_stage_change_nothing(demo_app, services):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await pilot.press("enter")  # Enter in the intro starts (focus is on Create)
        await settle(pilot)
        assert screen.stage == "qr"
        await press_button(pilot, "#enroll-verify")  # a failed Verify...
        await pilot.press("tab")  # ...then Tab: a button has focus
        await pilot.press("3", "4")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.stage == "qr"
        assert screen.enrollment is not None and screen.enrollment.serial in unassigned(services)


async def test_enter_in_the_device_name_field_starts(demo_app, services):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await pilot.click("#device-name")
        await pilot.press("end", "-", "x", "enter")
        await settle(pilot)
        assert screen.stage == "qr"
        assert screen.enrollment.device_name == "dave.sato-x"


async def test_a_wrong_first_code_is_refused_at_once(demo_app, services):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await press_button(pilot, "#enroll-start")
        assert screen.stage == "qr"
        current = set(good_codes(screen.enrollment._seed))
        wrong = next(c for c in ("000000", "111111", "222222") if c not in current)
        await pilot.click("#code-1")
        await pilot.press(*wrong, "enter")
        await settle(pilot)
        assert "Not that one" in verdict(screen) and "does not match" in verdict(screen)
        assert screen.focused is screen.query_one("#code-1", Input)  # not moved on to the second
        first, second = good_codes(screen.enrollment._seed)
        await pilot.press(*f"{first[:3]} {first[3:]}", "enter")  # with a space, as the app shows
        await settle(pilot)
        assert "First code is right" in verdict(screen)
        await pilot.press(*second, "enter")
        await settle(pilot)
        assert len(serials(services, "dave.sato")) == 1


async def test_a_leftover_device_is_stepped_around_then_removed(demo_app, services):
    leftover = services.iam.create_virtual_mfa_device(VirtualMFADeviceName="dave.sato")
    serial = leftover["VirtualMFADevice"]["SerialNumber"]
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        assert screen.query_one("#device-name", Input).value == "dave.sato-2"
        assert "leftover" in str(screen.query_one("#intro-devices", Static).render())
        assert screen.query_one("#enroll-remove-leftover", Button).display
        await pilot.press("r")
        await settle(pilot)
        await settle(pilot)
        assert serial not in unassigned(services)
        assert screen.query_one("#device-name", Input).value == "dave.sato"


async def test_a_window_too_small_for_the_qr_creates_nothing(demo_app, services):
    async with demo_app.run_test(size=(80, 18)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await press_button(pilot, "#enroll-start")
        assert screen.stage == "intro"
        text = str(screen.query_one("#device-name-verdict", Static).render())
        assert "too small for this QR" in text and "--show-key" in text
    assert unassigned(services) == {ORPHAN}


async def test_enforce_after_enroll_sees_the_new_device(demo_app, services):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # Enforce reads the audit: dave.sato has no MFA
        await settle(pilot)
        assert isinstance(pilot.app.screen, PolicyScreen)
        screen = await open_enroll(pilot, {"dave.sato"})
        await press_button(pilot, "#enroll-start")
        first, second = good_codes(screen.enrollment._seed)
        await pilot.click("#code-1")
        await pilot.press(*first, "enter", *second, "enter")
        await settle(pilot)
        assert len(serials(services, "dave.sato")) == 1
        await pilot.press("3")
        await settle(pilot)
        await settle(pilot)
        users = pilot.app.screen.query_one("#enforce-users", SelectionList)
        labels = {str(users.get_option_at_index(i).prompt) for i in range(users.option_count)}
        assert any(label.startswith("dave.sato") and "no MFA" not in label for label in labels)


async def test_digits_change_step_on_arrival_nothing_types_into_a_field(demo_app):
    from screens.session import SessionScreen

    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")  # Enroll with nobody selected: the name field waits, unfocused
        await settle(pilot)
        assert pilot.app.screen.focused is None
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SessionScreen)
        # The step's body has the focus (PageUp/PageDown scroll it), never a field.
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#session-body")
        assert pilot.app.screen.query_one("#session-profile", Input).value == ""
        await pilot.press("5")  # and the next digit still changes step
        await settle(pilot)
        assert pilot.app.screen.STEP == "monitor"


async def test_escape_leave_field_shows_only_while_a_field_has_focus(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert not isinstance(pilot.app.screen.focused, Input)
        assert not pilot.app.check_action("leave_field", ())
        await pilot.click("#session-profile")
        await pilot.pause()
        keys = {k for k, b in pilot.app.screen.active_bindings.items() if b.enabled}
        assert "escape" in keys
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#session-body")


async def test_orphaned_devices_are_shown_and_removed_from_the_audit(demo_app, services):
    from screens.dialogs import ConfirmDialog

    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        summary = str(pilot.app.screen.query_one("#audit-summary", Static).render())
        assert "1 orphan device(s) (o)" in summary
        await pilot.press("o")
        await pilot.pause(0.2)  # a dialog is open: its worker waits for the answer
        assert isinstance(pilot.app.screen, ConfirmDialog)
        assert ORPHAN in str(pilot.app.screen.query_one("#confirm-body").render())
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        assert unassigned(services) == set()
        assert "orphan" not in str(pilot.app.screen.query_one("#audit-summary", Static).render())


async def test_f6_before_f5_says_what_to_do(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert "press F5 to plan" in str(pilot.app.screen.query_one("#monitor-verdict").render())


async def test_checkboxes_read_without_colour(demo_app):
    from screens.widgets.marked import MarkedCheckbox

    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        box = pilot.app.screen.query_one("#monitor-kms", MarkedCheckbox)
        assert str(box._button).startswith("[x]")  # CIS-complete by default: the key is on
        # "minimal" turns the key off with it (the cheaper set), and back.
        await pilot.click("#monitor-minimal")
        await pilot.pause(0.1)
        assert str(box._button).startswith("[ ]")
        box.value = True
        assert str(box._button).startswith("[x]")


async def test_undo_dialog_speaks_in_plain_words(demo_app, services):
    from screens.dialogs import ConfirmDialog
    from wizard import audit, policies

    plan = policies.plan_enforcement(services, audit.run_audit(services), users=["dave.sato"])
    policies.apply_enforcement(services, plan)
    async with demo_app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("u")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        body = str(pilot.app.screen.query_one("#confirm-body").render())
        assert "take dave.sato out of the group MFARequired (in us-east-1)" in body
        assert "remove_user_from_group" not in body and "add_user_to_group" not in body
        await pilot.press("n")
        await settle(pilot)


async def test_enforce_user_boxes_read_without_colour(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        users = pilot.app.screen.query_one("#enforce-users", SelectionList)
        lines = [users.render_line(y).text for y in range(users.option_count)]
        assert any(line.startswith("[ ] admin") for line in lines), lines
        assert any(line.startswith("[x] dave.sato") for line in lines), lines
