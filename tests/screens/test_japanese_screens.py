"""The TUI in Japanese (issue 28), at 80x24: snapshots of the Audit, Enroll, Enforce and Monitor
steps, and Pilot checks that what a person reads there is Japanese, whole and laid out by
terminal columns (a Japanese character takes two).

The language is chosen before the app is built, as `--lang ja` does; the suite's `english`
fixture puts English back after each test.
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from tests.support.pilot import drawn, settle
from wizard import i18n


@pytest.fixture
def japanese() -> None:
    i18n.set_language("ja")


def test_audit_in_japanese_snapshot(japanese, sample_app, snap_compare):
    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=drawn)


def test_enroll_in_japanese_snapshot(japanese, stable_demo_app, snap_compare):
    app = stable_demo_app

    async def run_before(pilot):
        await settle(pilot)
        app.ctx.selected_users.update({"carol.suzuki", "dave.sato"})
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("tab")  # off the blinking button, for a stable picture

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_enforce_in_japanese_snapshot(japanese, stable_demo_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(stable_demo_app, terminal_size=(80, 24), run_before=run_before)


def test_monitor_in_japanese_snapshot(japanese, stable_demo_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("f5")  # the plan, with its notes in Japanese
        await settle(pilot)

    assert snap_compare(stable_demo_app, terminal_size=(80, 24), run_before=run_before)


async def test_the_audit_speaks_japanese_and_fits_80_columns(japanese, sample_app):
    async with sample_app.run_test(size=(80, 24)) as pilot:
        await drawn(pilot)
        screen = pilot.app.screen
        keys = {key.description for key in screen.query(FooterKey)}
        assert {"選択", "検索", "ヘルプ", "終了"} <= keys
        table = screen.query_one("#audit-table", DataTable)
        headings = [str(column.label).split(" ")[0] for column in table.columns.values()]
        assert headings[1:4] == ["ユーザー", "パス", "コンソール"]
        # Japanese headings are wider: the Path column gives the room up, so the table fits.
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 80
        summary = str(screen.query_one("#audit-summary", Static).render())
        assert "ルート MFA" in summary and "コンソールユーザー" in summary


async def test_a_japanese_paragraph_breaks_between_characters(japanese, sample_app):
    """Textual breaks lines at spaces only; Japanese has none. Without screens.widgets.cjk a
    sentence too long for the line went down whole and left half a line empty."""
    from screens.dialogs import InfoDialog

    text = i18n._(
        "Reads one IAM credential report and checks it against the MFA devices assigned now: "
        "who can sign in to the console without MFA, root's MFA, access keys and their age. "
        "Select users (space, or a for all shown) to hand them to Enroll. Enter on a user "
        "opens Enroll with that user. g lists the organization's accounts and opens one. "
        "Dev gives each user's devices: V virtual (an app), H hardware token, K security key "
        "or passkey (yellow: only keys, so no codes for mfa-session). i shows root's MFA "
        "and what to do about it."
    )
    assert text.startswith("IAM の認証情報レポート")
    async with sample_app.run_test(size=(80, 24)) as pilot:
        await drawn(pilot)
        pilot.app.push_screen(InfoDialog("ヘルプ", text))
        await pilot.pause()
        body = pilot.app.screen.query_one("#info-body", Static)
        room = body.content_region.width
        lines = [
            strip.text.rstrip()
            for strip in body.render_lines(body.content_region.reset_offset)
            if strip.text.strip()
        ]
        assert len(lines) > 3
        # Every line but the last is full to within one wide character (or a kinsoku carry).
        assert all(cell_len(line) >= room - 4 for line in lines[:-1]), lines
