"""Pilot helpers shared by the screen tests."""

from __future__ import annotations

import contextlib

from textual.worker import WorkerFailed


async def settle(pilot) -> None:  # noqa: ANN001
    """Let workers finish (a failed one is the error dialog's business) and the screen redraw."""
    await pilot.pause()
    with contextlib.suppress(WorkerFailed):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press_button(pilot, selector: str) -> None:  # noqa: ANN001
    """Click a button; a Button ignores a second click within its 0.2 s press effect, as a
    person's double click, so wait that out first when the button is still in it."""
    from textual.widgets import Button

    for button in pilot.app.screen.query(selector).results(Button):
        while button.has_class("-active"):
            await pilot.pause(0.05)
    await pilot.click(selector)
    await settle(pilot)


async def open_enroll(pilot, users):  # noqa: ANN001, ANN201
    """Select `users` (as the Audit would) and open the Enroll step."""
    from screens.enrollment import EnrollmentScreen

    await settle(pilot)
    pilot.app.ctx.selected_users.update(users)
    await pilot.press("2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, EnrollmentScreen)
    return pilot.app.screen


def verdict(screen) -> str:  # noqa: ANN001
    """The Enroll step's verdict line on the codes, as text."""
    return str(screen.query_one("#verdict").render())


async def start_qr(pilot, screen):  # noqa: ANN001, ANN201
    """Create the device on the Enroll step's intro: its QR waits for the codes."""
    await pilot.click("#enroll-start")
    await settle(pilot)
    assert screen.stage == "qr"
    return screen.enrollment


async def drawn(pilot) -> None:  # noqa: ANN001
    """Workers done and the screen drawn as a person sees it: a DataTable sizes its columns to
    new rows on a later refresh, so a snapshot taken one pause after the rows came would show
    them cut to their headers' width (a moment no one sees)."""
    await settle(pilot)
    await pilot.wait_for_scheduled_animations()
    for _ in range(3):
        await pilot.pause()
