"""Help (F1, ?), the app's commands in Ctrl+P, the too-small notice, and keyboard reach: every
step scrolls with keys, and focus goes back where the step keys work after an action."""

from __future__ import annotations

import pyotp
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from screens.audit import AuditScreen
from screens.help import HelpScreen
from screens.notices import TooSmallScreen
from tests.support.pilot import open_enroll, settle, start_qr
from wizard import clock


def help_text(pilot) -> str:
    return str(pilot.app.screen.query_one("#help-body", Static).render())


async def test_f1_and_question_mark_open_the_steps_help_and_esc_closes_it(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        text = help_text(pilot)
        # The step's keys (shown in the footer or not), what it does, the command line.
        assert "select every user shown" in text and "reverse the sort order" in text
        assert "credential report" in text and "mfa-wizard audit --org" in text
        assert "Focus Next" not in text and "Scroll Up" not in text  # not the step's own
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AuditScreen)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Help: step 3 Enforce" in str(pilot.app.screen.query_one(".dialog-title").render())
        assert "mfa-wizard enforce --dry-run" in help_text(pilot)
        await pilot.press("escape")
        await pilot.pause()
        # In a text field, ? is a character, not help.
        await pilot.click("#enforce-search")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, HelpScreen)
        assert pilot.app.screen.query_one("#enforce-search", Input).value == "?"


async def test_help_over_a_qr_keeps_the_device(demo_app, services):
    from tests.support.aws import unassigned

    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await start_qr(pilot, screen)
        before = unassigned(services)
        await pilot.press("f1")
        await pilot.pause()
        assert "Help: step 2 Enroll" in str(pilot.app.screen.query_one(".dialog-title").render())
        await pilot.press("escape")
        await settle(pilot)
        assert screen.stage == "qr" and screen.enrollment is not None
        assert unassigned(services) == before


async def run_from_palette(pilot, typed: str, expected: str) -> None:
    """Ctrl+P, type, and Enter once the palette's first result is `expected` (its search runs
    in a worker: waited for by what it shows, not by the clock)."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*typed)
    results = pilot.app.screen.query_one(CommandList)
    for _ in range(200):
        await pilot.pause()
        if results.option_count and expected in str(results.get_option_at_index(0).prompt):
            break
    await pilot.press("enter")
    await settle(pilot)


async def test_the_palette_offers_the_apps_own_commands(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_from_palette(pilot, "step 5", "Step 5")
        assert pilot.app.screen.STEP == "monitor"
        await run_from_palette(pilot, "audit search", "Audit: search users")
        # Back on the Audit step, its action run: the search field has the keys.
        assert pilot.app.screen.STEP == "audit"
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#audit-search")


async def test_the_palette_has_no_keys_panel_nor_screenshot(sample_app):
    async with sample_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {c.title for c in pilot.app.get_system_commands(pilot.app.screen)}
        assert "Keys" not in titles and "Screenshot" not in titles and "Quit" in titles


async def test_too_small_says_the_size_needed_and_gives_way_when_it_grows(sample_app):
    async with sample_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert isinstance(pilot.app.screen, TooSmallScreen)
        notice = str(pilot.app.screen.query_one("#too-small").render())
        assert "50x15" in notice and "needs 60x20" in notice
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert isinstance(pilot.app.screen, AuditScreen)


async def test_page_down_scrolls_the_enforce_step(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        body = pilot.app.screen.query_one("#enforce-body", VerticalScroll)
        assert pilot.app.screen.focused is body and body.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0


async def test_after_an_action_the_next_digit_changes_step_and_the_bar_marks_it(demo, demo_app):
    from screens.widgets.bars import StepLabel

    def labels(pilot) -> list[str]:
        return [str(label.render()) for label in pilot.app.screen.query(StepLabel)]

    def title_line(pilot) -> str:
        return str(pilot.app.screen.query_one("#step-explanation").render())

    async with demo_app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        assert labels(pilot)[:2] == ["✓1 Audit", "2 Enroll"]
        assert "✓ done · next: 2 Enroll" in title_line(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert labels(pilot)[3] == "4 Session"
        await pilot.click("#session-code")
        code = pyotp.TOTP(demo.seeds[demo.admin_mfa_serial]).at(clock.time())
        await pilot.press(*code, "enter")
        await settle(pilot)
        assert pilot.app.screen.creds is not None
        assert labels(pilot)[3] == "✓4 Session"
        assert "✓ done · next: 5 Monitor" in title_line(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert pilot.app.screen.STEP == "monitor"  # not a 5 typed into the code field
        await pilot.click("#monitor-email")
        await pilot.press(*"sec@example.com", "f5")
        await settle(pilot)
        assert pilot.app.screen.plan is not None
        await pilot.press("1")
        await settle(pilot)
        assert pilot.app.screen.STEP == "audit"  # not a 1 typed into the email field
        assert labels(pilot)[3] == "✓4 Session"  # seen from another step, too
        # Narrow: the other steps by number only, the current one named.
        await pilot.resize_terminal(64, 20)
        await pilot.pause()
        assert labels(pilot) == ["✓1 Audit", "2", "3", "✓4", "5", "6"]


def test_help_snapshot(sample_app, snap_compare):
    async def run_before(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=run_before)


def test_too_small_snapshot(sample_app, snap_compare):
    async def run_before(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.resize_terminal(50, 15)
        await pilot.pause()

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=run_before)


async def test_ctrl_c_quits_instead_of_a_toast(sample_app):
    async with sample_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert pilot.app.return_code == 0  # exited, as on q (not "press Ctrl+Q" over the codes)


async def test_the_qr_says_a_code_is_judged_on_enter(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await start_qr(pilot, screen)
        assert "then Enter" in str(screen.query_one("#verdict").render())
        assert "Enter" in str(screen.query_one("#qr-steps").render())


async def test_the_path_column_grows_with_the_terminal_and_cuts_with_an_ellipsis(
    demo_app, services
):
    from textual.widgets import DataTable

    deep = "/engineering/platform/identity/access-reviews/2026/"
    services.iam.create_user(UserName="deep.path", Path=deep)
    services.iam.create_login_profile(UserName="deep.path", Password="Correct-Horse-9!")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one("#audit-table", DataTable)
        cell = table.get_row("deep.path")[2].plain
        assert cell.endswith("…") and len(cell) == 16
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert table.get_row("deep.path")[2].plain == deep


async def test_a_qr_on_screen_needs_its_own_size_and_keeps_its_device(demo_app, services):
    from tests.support.aws import unassigned

    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await start_qr(pilot, screen)
        pending = unassigned(services)
        # Above 60x20, but too small for this QR: it would be cut, and a cut QR cannot scan.
        await pilot.resize_terminal(70, 22)
        await pilot.pause()
        assert isinstance(pilot.app.screen, TooSmallScreen)
        assert "for this QR code" in str(pilot.app.screen.query_one("#too-small").render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert pilot.app.screen is screen and screen.stage == "qr"
        assert unassigned(services) == pending  # the device waits, as it was


async def test_keys_reach_the_fields_that_matter(demo_app):
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("c")
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#session-code")
        await pilot.press("escape", "5")
        await settle(pilot)
        await pilot.press("e")
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#monitor-email")
        await pilot.press("escape", "3")
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("slash", *"dave", "enter")
        await pilot.pause()
        assert "dave.sato" in screen.chosen
        await pilot.press("space")  # toggles at once: the only user shown is highlighted
        await pilot.pause()
        assert "dave.sato" not in screen.chosen


def test_names_fit_their_line_and_say_how_many_more():
    from screens.audit_table import names_that_fit

    names = ["alice.nakamura", "dave.sato", "erin.kobayashi", "frank.ito", "heidi.watanabe"]
    assert names_that_fit(names, 200) == ", ".join(names)
    short = names_that_fit(names, 40)
    assert len(short) <= 40 and short.endswith("more") and short.startswith("alice.nakamura")
    assert names_that_fit(names[:1], 5) == "alice.nakamura"  # one name is never cut to none


async def test_a_qr_refused_for_size_is_not_said_again_after_a_resize(demo_app):
    async with demo_app.run_test(size=(60, 20)) as pilot:
        screen = await open_enroll(pilot, {"dave.sato"})
        await pilot.click("#enroll-start")
        await settle(pilot)
        verdict = screen.query_one("#device-name-verdict")
        assert "too small for this QR" in str(verdict.render()) and screen.stage == "intro"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert str(verdict.render()) == ""
