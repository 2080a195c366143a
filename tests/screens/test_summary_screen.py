"""The Summary step: before and now, at 80×24."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.screens.conftest import FIXED_NOW
from tests.support.pilot import settle


class FixedClock(datetime):
    """datetime whose now() is the snapshot's fixed moment (the summary stamps its reads)."""

    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206
        return FIXED_NOW if tz else FIXED_NOW.replace(tzinfo=None)


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr("wizard.summary.datetime", FixedClock)


def test_summary_screen_snapshot(fixed_clock, stable_demo_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)

    assert snap_compare(stable_demo_app, terminal_size=(80, 24), run_before=run_before)


async def test_long_values_are_cut_in_the_table_and_given_whole_below(demo_app, services):
    # After monitoring exists, the filter and alarm values are longer than a column at 80x24.
    from textual.widgets import DataTable, Static

    from wizard.monitoring import MonitorOptions, apply_monitoring, plan_monitoring

    apply_monitoring(plan_monitoring(services, MonitorOptions(minimal=True))[1])
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        screen = pilot.app.screen
        table = screen.query_one("#summary-table", DataTable)
        for key in table.rows:
            label, was, now = (str(c) for c in table.get_row(key))
            assert len(was) <= 24 and len(now.replace("[b green]", "").replace("[/]", "")) <= 30
        below = str(screen.query_one("#summary-changes", Static).render())
        assert (
            "In full" in below
            and "mfa-wizard-console-signin-without-mfa on /mfa-wizard/cloudtrail" in below
        )


async def test_the_summary_proves_it_and_v_verifies_again(demo_app, services):
    from textual.widgets import Static

    from wizard.monitoring import MonitorOptions, apply_monitoring, plan_monitoring

    async with demo_app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        screen = pilot.app.screen
        proof = str(screen.query_one("#summary-verify", Static).render())
        assert "Proven from AWS now (v verifies again): does NOT hold" in proof
        assert "FAIL mfa dave.sato" in proof and "fix: mfa-wizard enroll dave.sato" in proof
        assert "FAIL filter" in proof
        # Monitoring made behind the screen's back: v reads AWS again, and the filter holds.
        apply_monitoring(plan_monitoring(services, MonitorOptions(email="a@example.com"))[1])
        await pilot.press("v")
        await settle(pilot)
        again = str(screen.query_one("#summary-verify", Static).render())
        assert "FAIL filter" not in again and "FAIL mfa dave.sato" in again
