"""Start-up: the first frame paints before AWS answers; a target that cannot be reached ends
the app with the cause and fix, and the demo server stops with the app."""

from __future__ import annotations

import threading

import pytest

from screens.app import ConnectingScreen, WizardApp, make_context, run_tui
from tests.support.pilot import settle
from wizard.errors import CredentialsError
from wizard.target import Target


async def test_connecting_screen_first_then_the_audit(demo):
    released = threading.Event()

    def connect():
        released.wait(10)  # AWS is slow today
        return make_context(demo.services(max_attempts=2), demo)

    app = WizardApp(connect=connect)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConnectingScreen)
        assert "Connecting to AWS" in str(app.screen.query_one("#connecting").render())
        released.set()
        await settle(pilot)
        await settle(pilot)
        assert app.screen.id == "audit" or getattr(app.screen, "STEP", "") == "audit"
        assert app.ctx.account_id == "123456789012"


async def test_a_failed_connect_ends_the_app_with_the_error():
    def connect():
        raise CredentialsError("no AWS credentials found", "run `aws configure`")

    app = WizardApp(connect=connect)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    assert isinstance(app.connect_error, CredentialsError)
    assert app.return_code == 2


def test_run_tui_raises_the_connect_error_after_the_app_closes(monkeypatch):
    # No credentials anywhere (the autouse fixture empties AWS_*): the app starts, says nothing
    # half-drawn, closes, and the CLI gets the error to print as one line.
    monkeypatch.setattr(WizardApp, "run", _run_headless)
    with pytest.raises(CredentialsError, match="no AWS credentials"):
        run_tui(Target(endpoint_url="http://127.0.0.1:9", region="us-east-1"))


def _run_headless(self, **kwargs):  # noqa: ANN001, ANN202 - WizardApp.run in a test, no terminal
    import asyncio

    async def go():
        async with self.run_test(size=(80, 24)) as pilot:
            await settle(pilot)

    asyncio.run(go())
