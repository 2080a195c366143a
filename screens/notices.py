"""Whole-screen notices: connecting to AWS, and a terminal too small for the steps."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.widgets.footer import TranslatedFooter
from wizard.i18n import N_, _


class TooSmallScreen(ModalScreen[None]):
    """Says the terminal is too small, and how large it must be; it covers the steps, which stay
    as they are underneath (an unfinished enrolment keeps its device)."""

    BINDINGS = [Binding("q", "app.quit", N_("Quit"))]

    def __init__(self, min_size: tuple[int, int], why: str = "") -> None:
        super().__init__(id="too-small-screen")
        self.min_size = min_size
        self.why = why

    def compose(self) -> ComposeResult:
        yield Static("", id="too-small")

    def on_mount(self) -> None:
        self._say()

    def on_resize(self) -> None:
        self._say()

    def _say(self) -> None:
        width, height = self.min_size
        size = self.app.size
        # Short lines: the notice itself must fit the small terminal it speaks of.
        self.query_one("#too-small", Static).update(
            _("This terminal is {columns}x{rows}.\nmfa-wizard needs {width}x{height}\n").format(
                columns=size.width, rows=size.height, width=width, height=height
            )
            + (f"{self.why}.\n" if self.why else _("(a QR code needs more).\n"))
            + _("Make the window larger:\nthe wizard comes back as it was.\n\nq quits.")
        )


class ConnectingScreen(Screen):
    """What the first frame shows while the AWS target (or the demo server) comes up.

    Static on purpose: an animated indicator would take the interpreter from the thread that is
    starting the server, and make the wait longer than what it decorates.
    """

    BINDINGS = [Binding("q", "app.quit", N_("Quit"))]

    def compose(self) -> ComposeResult:
        yield Static(" mfa-wizard ", id="identity-bar")
        yield Static(
            _("Connecting to AWS (starting the demo account when --demo)..."), id="connecting"
        )
        yield TranslatedFooter()
