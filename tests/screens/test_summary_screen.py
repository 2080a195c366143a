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
