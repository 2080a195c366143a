"""Text from AWS (account names, IAM paths, errors) and text a person typed are shown as text,
never parsed as markup: a member account named `[/]ops` must not crash the Accounts view."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from screens.audit import AuditScreen
from screens.dialogs import ErrorDialog
from screens.organization import AccountsScreen
from tests.support.aws import member_with_console_user
from tests.support.pilot import settle

HOSTILE = "[/]ops [b]x[/b] [@click=app.quit]y"


def _text(widget) -> str:  # noqa: ANN001
    return str(widget.render())


def _plain(cell) -> str:  # noqa: ANN001
    return getattr(cell, "plain", cell)


async def test_a_member_account_named_like_markup_is_shown_as_text(demo, services, demo_app):
    member, _ = member_with_console_user(demo, services, "[/]ops", "/[/]team/[b]x/")

    async with demo_app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AccountsScreen)
        table = screen.query_one("#accounts-table", DataTable)
        row = table.get_row(member)
        assert str(_plain(row[1])).startswith("[/]ops")
        table.move_cursor(row=table.get_row_index(member))
        await pilot.press("enter")
        await settle(pilot)
        audit = pilot.app.screen
        assert isinstance(audit, AuditScreen)
        path_cell = audit.query_one("#audit-table", DataTable).get_row("ops.person")
        assert any("[/]team" in str(_plain(c)) for c in path_cell)
        await pilot.press("space")
        await pilot.pause()
        # The Enforce step lists the user and its plan; nothing crashes, the path is literal.
        await pilot.press("3")
        await settle(pilot)
        assert pilot.app.is_running


async def test_typed_text_and_errors_are_shown_as_text(demo_app, tmp_path):
    async with demo_app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AuditScreen)
        # A search for markup is a search, not markup.
        await pilot.press("slash")
        for key in "[/]":
            await pilot.press(key)
        await pilot.pause()
        assert pilot.app.is_running
        await pilot.press("escape")
        await pilot.pause()
        # An export error that quotes the path shows the path as typed.
        missing = tmp_path / HOSTILE / "a.csv"
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#export-path", Input).value = str(missing)
        await pilot.click("#export-go")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ErrorDialog)
        assert HOSTILE in _text(pilot.app.screen.query_one("#error-cause"))
