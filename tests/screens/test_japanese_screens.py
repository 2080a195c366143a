"""The TUI in Japanese (issue 28), at 80x24: snapshots of the Audit, Enroll, Enforce and Monitor
steps, and Pilot checks that what a person reads there is Japanese, whole and laid out by
terminal columns (a Japanese character takes two).

The language is chosen before the app is built, as `--lang ja` does; the suite's `english`
fixture puts English back after each test.
"""

from __future__ import annotations

import html
import re

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from tests.support.pilot import drawn, open_enroll, settle
from wizard import i18n


@pytest.fixture
def japanese() -> None:
    i18n.set_language("ja")


def test_audit_in_japanese_snapshot(japanese, sample_app, snap_compare):
    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=drawn)


def test_enroll_in_japanese_snapshot(japanese, stable_demo_app, snap_compare):
    app = stable_demo_app

    async def run_before(pilot):
        await open_enroll(pilot, {"carol.suzuki", "dave.sato"})
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
    from screens.help import STEP_HELP

    text = i18n._(STEP_HELP["audit"].does)  # the Audit help, a long paragraph
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
        # Kinsoku: no line starts with 、。ー or a small kana (ッ of ポリシー, ー of キー...).
        assert not [line for line in lines if line.lstrip()[:1] in i18n.NO_LINE_START], lines


def _shown(app) -> str:
    """The words on every screen of the stack and in the notifications: each widget's own
    render, a table's headings and cells, the footer's keys (whitespace collapsed, so a message
    wrapped over lines is still found whole)."""
    from textual.widgets import Button, Input

    parts: list[str] = []
    for screen in app.screen_stack:
        for widget in screen.walk_children():
            if isinstance(widget, DataTable):
                parts += [str(c.label) for c in widget.columns.values()]
                parts += [str(cell) for key in widget.rows for cell in widget.get_row(key)]
            elif isinstance(widget, FooterKey):
                parts.append(widget.description)
            elif isinstance(widget, Button):
                parts.append(str(widget.label))
            elif isinstance(widget, Input):
                parts.append(widget.placeholder)
            elif isinstance(widget, Static):
                parts.append(str(widget.render()))
    parts += [str(n.message) for n in app._notifications]
    return " ".join(" ".join(parts).split())


async def test_the_whole_walk_in_japanese_leaves_no_english_message(japanese, demo, demo_app):
    """Every step in Japanese, dialogs included: no English message of the catalogue on any
    screen (a message marked for extraction only, N_, and shown without _() stays English)."""
    import pyotp
    from textual.widgets import Input

    from tests.support.aws import good_codes
    from tests.support.english import english_left
    from tests.support.pilot import press_button
    from wizard import clock

    seen: list[str] = []
    async with demo_app.run_test(size=(80, 24), notifications=True) as pilot:
        app = pilot.app

        async def look(*keys: str, asks: bool = False) -> None:
            """Press `keys`, then read the screen; a key that `asks` waits on its dialog."""
            await pilot.press(*keys)
            await (pilot.pause() if asks else settle(pilot))
            seen.append(_shown(app))

        await drawn(pilot)
        seen.append(_shown(app))
        await look("i")
        await look("escape", "f1")
        await look("escape")
        await look("o", asks=True)
        await look("escape", "space", "2")
        await press_button(pilot, "#enroll-start")
        screen = app.screen
        seen.append(_shown(app))
        first, second = good_codes(screen.enrollment._seed)
        screen.query_one("#code-1", Input).value = first
        screen.query_one("#code-2", Input).value = first  # the same code twice: refused
        await press_button(pilot, "#enroll-verify")
        seen.append(_shown(app))
        screen.query_one("#code-2", Input).value = second
        await press_button(pilot, "#enroll-verify")
        seen.append(_shown(app))
        await look("escape", "3")
        await look("p")
        await look("a", asks=True)
        await look("y")
        await look("escape", "4")
        screen = app.screen
        screen.query_one("#session-code", Input).value = "000000"
        await press_button(pilot, "#session-get")
        seen.append(_shown(app))
        await look("escape")
        screen.query_one("#session-code", Input).value = pyotp.TOTP(
            demo.seeds[demo.admin_mfa_serial]
        ).at(clock.time())
        await press_button(pilot, "#session-get")
        seen.append(_shown(app))
        await look("escape", "5")
        app.screen.query_one("#monitor-email", Input).value = "sec@example.com"
        await look("f5")
        # The plan's table fits 80 columns, and its Resource column holds every kind whole.
        table = app.screen.query_one("#monitor-plan", DataTable)
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 80
        kinds = [str(table.get_row(key)[1]) for key in table.rows]
        assert "メトリクスフィルター" in kinds
        assert list(table.columns.values())[1].width >= max(cell_len(k) for k in kinds)
        await look("f6", asks=True)
        await look("y")
        await look("escape", "6")
        await look("e", asks=True)
    shown = " ".join(seen)
    assert "監査" in shown and "サマリー" in shown
    assert english_left(shown) == []


@pytest.mark.parametrize("columns", range(8, 40))
def test_textual_breaks_japanese_lines_by_kinsoku(columns):
    """Textual's own wrapping, with screens.widgets.cjk: between any two Japanese characters,
    never before 、。ー or a small kana (a line began with "って" and "ックだけ")."""
    from textual.content import Content

    from screens.widgets.cjk import break_between_cjk

    break_between_cjk()
    text = "ルートユーザーが自分の MFA デバイスを使って CLI/API でしか有効にできません。ロックアウトしないでください。"
    lines = [line.plain for line in Content(text).wrap(columns)]
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(cell_len(line) <= columns for line in lines)
    assert not [line for line in lines if line.lstrip()[:1] in i18n.NO_LINE_START], lines


async def test_help_and_quit_stay_whole_in_a_japanese_footer_at_60_columns(japanese, sample_app):
    """At 60 columns the Audit's keys do not all fit: they are clipped before Help and Quit.
    (Help and Quit docked over them showed "f1 ヘ  プ q   了": a Japanese word cut under
    them blanked their characters.)"""
    async with sample_app.run_test(size=(60, 20)) as pilot:
        await drawn(pilot)
        screen = pilot.app.export_screenshot()
    last = "".join(re.findall(r'line-19\)">([^<]*)<', screen))  # the footer's row, as drawn
    last = html.unescape(last).replace("\xa0", " ")
    assert "f1 ヘルプ" in last and "q 終了" in last
