"""The Audit screen driven by Pilot against the moto server, plus a snapshot on fixed data."""

from __future__ import annotations

import contextlib
import csv
import io
import json

from textual.widgets import DataTable, Input
from textual.worker import WorkerFailed

from screens.audit import AuditScreen
from screens.dialogs import ErrorDialog, ExportDialog
from wizard.demo import DEMO_USERS

NEEDS_MFA = {u.name for u in DEMO_USERS if u.console and not u.has_mfa}


async def loaded(pilot):
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AuditScreen)
    return screen, screen.query_one("#audit-table", DataTable)


def row_names(table: DataTable) -> list[str]:
    return [str(key.value) for key in table.rows]


async def test_filter_shows_findings_then_everyone(demo_app):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen, table = await loaded(pilot)
        assert set(row_names(table)) == NEEDS_MFA
        summary = str(screen.query_one("#audit-summary").render())
        assert "5 of 12 console users without MFA" in summary and "Root MFA OFF" in summary
        await pilot.press("f")
        assert len(row_names(table)) == len(DEMO_USERS) + 1  # + the admin
        await pilot.press("f")
        assert set(row_names(table)) == NEEDS_MFA


async def test_search_narrows_by_name_and_path(demo_app):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        _, table = await loaded(pilot)
        await pilot.press("slash")
        await pilot.press(*"finance")
        assert set(row_names(table)) == {"dave.sato", "erin.kobayashi"}
        await pilot.press("enter")  # back to the table
        assert isinstance(pilot.app.focused, DataTable)
        await pilot.press("escape")
        assert set(row_names(table)) == NEEDS_MFA


async def test_sort_by_header_and_key(demo_app):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen, table = await loaded(pilot)
        await pilot.press("f")
        screen.sort_column = "path"
        await pilot.pause()
        paths = [str(table.get_row(k)[2]) for k in table.rows]
        assert paths == sorted(paths)
        await pilot.press("s")  # path -> mfa
        assert screen.sort_column == "mfa"
        first = row_names(table)[: len(NEEDS_MFA)]
        assert set(first) == NEEDS_MFA  # findings first


async def test_space_selects_users_for_enroll(demo_app):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        _, table = await loaded(pilot)
        first, second = row_names(table)[:2]
        await pilot.press("space")  # selects and moves down
        await pilot.press("space")
        assert demo_app.ctx.selected_users == {first, second}
        assert str(table.get_row(first)[0]) == "✓"
        await pilot.press("up", "space")  # unselect the second
        assert demo_app.ctx.selected_users == {first}
        await pilot.press("a")
        assert demo_app.ctx.selected_users == NEEDS_MFA
        label = str(pilot.app.screen.query_one("#audit-selection").render())
        assert "5 selected" in label


async def test_export_csv_and_json(demo_app, tmp_path):
    async with demo_app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        target = tmp_path / "audit.csv"
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ExportDialog)
        pilot.app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export-go")
        await pilot.pause()
        rows = list(csv.DictReader(io.StringIO(target.read_text())))
        assert {r["user_name"] for r in rows} == NEEDS_MFA

        await pilot.press("f", "e")
        await pilot.pause()
        dialog = pilot.app.screen
        await pilot.click("#format-json")
        await pilot.pause()
        assert dialog.query_one("#export-path", Input).value.endswith(".json")
        json_target = tmp_path / "audit.json"
        dialog.query_one("#export-path", Input).value = str(json_target)
        await pilot.click("#export-go")
        await pilot.pause()
        doc = json.loads(json_target.read_text())
        assert len(doc["users"]) == len(DEMO_USERS) + 1
        assert doc["account_id"] == "123456789012"


async def test_export_to_unwritable_path_shows_the_error_dialog(demo_app, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    async with demo_app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#export-path", Input).value = str(blocker / "x.csv")
        await pilot.click("#export-go")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ErrorDialog)
        assert "cannot write" in str(pilot.app.screen.query_one("#error-cause").render())


async def test_audit_failure_lands_in_the_error_dialog(demo):
    """An unreachable endpoint: a dialog with cause and fix, no traceback, the app still runs."""
    from screens.app import WizardContext, create_app
    from wizard.aws import Services

    ctx = WizardContext(
        services=Services(
            session=demo.services().session,
            region="us-east-1",
            endpoint_url="http://127.0.0.1:9",
            max_attempts=1,
        ),
        identity=demo.services().identity(),
    )
    app = create_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        with contextlib.suppress(WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)
        assert "could not reach" in str(app.screen.query_one("#error-cause").render())
        await pilot.press("enter")
        assert isinstance(app.screen, AuditScreen)
        assert "did not run" in str(app.screen.query_one("#audit-summary").render())


async def test_number_keys_switch_steps(demo_app):
    from screens.steps import STEPS

    async with demo_app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        for step in STEPS:
            await pilot.press("escape", str(step.number))
            await pilot.pause()
            assert step.key == pilot.app.screen.STEP
            current = pilot.app.screen.query_one(f"#step-{step.key}")
            assert current.has_class("-current")
        await pilot.press("ctrl+n")  # from the last step back to the first
        assert pilot.app.screen.STEP == "audit"
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()


def test_audit_screen_snapshot(sample_app, snap_compare):
    async def run_before(pilot):
        from tests.support.pilot import drawn

        await drawn(pilot)

    assert snap_compare(sample_app, terminal_size=(80, 24), run_before=run_before)


def test_audit_screen_all_users_snapshot(sample_app, snap_compare):
    async def run_before(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f", "space", "space")
        await pilot.pause()

    assert snap_compare(sample_app, terminal_size=(120, 40), run_before=run_before)


async def test_export_refuses_a_symlink_at_the_path(demo_app, tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text("keep me\n")
    link = tmp_path / "audit.csv"
    link.symlink_to(mine)
    async with demo_app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("e")
        await pilot.pause()
        pilot.app.screen.query_one("#export-path", Input).value = str(link)
        await pilot.click("#export-go")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ErrorDialog)
        assert "symbolic link" in str(pilot.app.screen.query_one("#error-cause").render())
    assert mine.read_text() == "keep me\n"


async def test_sort_marks_its_column_and_reverses(sample_app):
    async with sample_app.run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        table = screen.query_one("#audit-table", DataTable)
        await pilot.press("f", "s", "s")  # all users, sorted by path... then by user
        await pilot.press("s")
        await pilot.pause()
        column = screen.sort_column
        label = {str(k.value): c.label.plain for k, c in table.columns.items()}
        assert label[column].endswith("▲") and "▲" in str(
            screen.query_one("#audit-filter").render()
        )
        names = [str(k.value) for k in table.rows]
        await pilot.press("S")
        await pilot.pause()
        label = {str(k.value): c.label.plain for k, c in table.columns.items()}
        assert label[column].endswith("▼")
        assert "reversed" in str(screen.query_one("#audit-filter").render())
        assert [str(k.value) for k in table.rows] == list(reversed(names))


async def test_an_empty_search_says_so_and_enter_enrols_the_user(sample_app):
    from screens.enrollment import EnrollmentScreen

    async with sample_app.run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        empty = screen.query_one("#audit-empty")
        assert not empty.display
        await pilot.press("slash", *"nobody-like-this")
        await pilot.pause()
        assert empty.display
        assert "No user matches 'nobody-like-this'" in str(empty.render())
        await pilot.press("escape")
        await pilot.pause()
        assert not empty.display
        table = screen.query_one("#audit-table", DataTable)
        first = str(next(iter(table.rows)).value)
        await pilot.press("enter")
        await pilot.pause()
        # (The sample has no AWS behind it: Enroll's lookup fails in a dialog over the step.)
        assert any(isinstance(s, EnrollmentScreen) for s in pilot.app.screen_stack)
        assert pilot.app.ctx.selected_users == {first}


async def test_device_kinds_and_root_notes(demo_app):
    """Dev gives each user's device kinds (K: a security key only, in yellow); i explains root
    and the key-only users."""
    from screens.dialogs import InfoDialog

    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen, table = await loaded(pilot)
        summary = str(screen.query_one("#audit-summary").render())
        assert "Root MFA OFF (i)" in summary and "1 key-only (i)" in summary
        await pilot.press("f")
        dev = {name: str(table.get_cell(name, "devices")) for name in row_names(table)}
        assert dev["kenji.mori"] == "K" and dev["mika.ono"] == "H"
        assert dev["carol.suzuki"] == "2V" and dev["dave.sato"] == "-"
        await pilot.press("i")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, InfoDialog)
        body = str(dialog.query_one("#info-body").render())
        assert "kenji.mori" in body and "no codes for `mfa-session`" in body
        assert "Root has no MFA" in body and "/iam/home#/security_credentials" in body
        await pilot.press("escape")
        assert pilot.app.screen is screen
