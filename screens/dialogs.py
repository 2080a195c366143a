"""Typed modal dialogs: ErrorDialog, InfoDialog, ConfirmDialog(ModalScreen[bool]), ExportDialog."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from screens.widgets.marked import MarkedRadioButton
from wizard.i18n import N_, _
from wizard.totp import FIRST_CODE, SECOND_CODE, normalize_code


class ErrorDialog(ModalScreen[None]):
    """The one place errors are shown: cause and fix, never a traceback.

    Every dialog shows its texts as text, never markup: they quote AWS (account names, paths,
    messages) and what a person typed (a file name), any of which may hold `[/]`.
    """

    BINDINGS = [Binding("escape,enter", "dismiss", N_("Close"))]

    def __init__(self, title: str, cause: str, fix: str = "") -> None:
        super().__init__(id="error-dialog")
        self.title_text = title
        self.cause = cause
        self.fix = fix

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -error"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.cause, id="error-cause", markup=False)
            if self.fix:
                yield Static(_("Fix: {fix}").format(fix=self.fix), id="error-fix", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("OK"), variant="primary", id="error-ok", compact=True)

    def on_button_pressed(self) -> None:
        self.dismiss(None)


class InfoDialog(ErrorDialog):
    """Facts and advice to read (root's MFA, device kinds): text, closed with Esc or Enter."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="confirm-scroll"):
                yield Static(self.cause, id="info-body", markup=False)
            yield Static(_("[dim]↑↓ PgUp PgDn scroll · Enter / Esc: close[/dim]"))
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("OK"), variant="primary", id="error-ok", compact=True)

    def on_mount(self) -> None:
        # The text has the keys, so a long one scrolls with the arrows and pages.
        self.query_one("#confirm-scroll").focus()


class ConfirmDialog(ModalScreen[bool]):
    """Show what will change, then ask: True to go ahead. Cancel has the focus, so a stray
    Enter changes nothing; `y` confirms, `n` or Esc cancels."""

    BINDINGS = [
        Binding("y", "confirm", N_("Yes")),
        Binding("n,escape", "cancel", N_("No")),
    ]

    def __init__(self, title: str, body: str, confirm_label: str = N_("Go ahead")) -> None:
        super().__init__(id="confirm-dialog")
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            # A long list scrolls inside the dialog: the keys and buttons stay on screen.
            with VerticalScroll(id="confirm-scroll"):
                yield Static(self.body, id="confirm-body", markup=False)
            yield Static(_("[dim]y: yes · n / Esc: no[/dim]"))
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    _(self.confirm_label), variant="warning", id="confirm-yes", compact=True
                )
                yield Button(_("Cancel"), id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The list takes what the dialog (90% of the terminal) has left after its frame,
        title, keys and buttons (9 rows), so the buttons stay on screen at 60x20; it scrolls."""
        room = int(self.app.size.height * 0.9) - 9
        self.query_one("#confirm-scroll").styles.max_height = max(2, room)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def bullets(items: list[str], limit: int = 40) -> str:
    """Items one per line for a confirmation (it scrolls), then "... and N more" past `limit`:
    a list is never cut short without saying so."""
    lines = [f"• {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(_("• ... and {count} more").format(count=len(items) - limit))
    return "\n".join(lines)


def replace_confirmation(user: str, serial: str) -> ConfirmDialog:
    """The question asked before a lost or new phone's device is replaced."""
    return ConfirmDialog(
        _("Replace a device (lost or new phone)"),
        _(
            "Will create a new device for {user} to scan; once it is enabled, deactivate and "
            "delete\n  {serial}\nUntil then the old one keeps working: cancelling leaves {user} "
            "as before."
        ).format(user=user, serial=serial),
        _("Replace"),
    )


class ExportDialog(ModalScreen[tuple[Path, str] | None]):
    """Ask where (and in which format) to export: (path, format) or None."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, default_stem: str, formats: tuple[str, ...] = ("csv", "json")) -> None:
        super().__init__(id="export-dialog")
        self.default_stem = default_stem
        self.formats = formats

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_("Export"), classes="dialog-title")
            if len(self.formats) > 1:
                with RadioSet(id="export-format", classes="-horizontal"):
                    for index, fmt in enumerate(self.formats):
                        yield MarkedRadioButton(fmt.upper(), value=index == 0, id=f"format-{fmt}")
            yield Input(value=f"{self.default_stem}.{self.formats[0]}", id="export-path")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Export"), variant="primary", id="export-go", compact=True)
                yield Button(_("Cancel"), id="export-cancel", compact=True)

    @property
    def chosen_format(self) -> str:
        for fmt in self.formats[1:]:
            if self.query_one(f"#format-{fmt}", RadioButton).value:
                return fmt
        return self.formats[0]

    def on_radio_set_changed(self) -> None:
        path = self.query_one("#export-path", Input)
        stem = path.value.rsplit(".", 1)[0] if "." in Path(path.value).name else path.value
        path.value = f"{stem}.{self.chosen_format}"

    def on_input_submitted(self) -> None:
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-go":
            self._finish()
        else:
            self.dismiss(None)

    def _finish(self) -> None:
        value = self.query_one("#export-path", Input).value.strip()
        if not value:
            self.notify(_("Type a file name to export to."), severity="warning")
            return
        self.dismiss((Path(value).expanduser(), self.chosen_format))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResyncDialog(ModalScreen[tuple[str, str] | None]):
    """Two consecutive codes from the drifting device."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, user: str, serial: str) -> None:
        super().__init__(id="resync-dialog")
        self.user = user
        self.serial = serial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                _("Resync {user}'s MFA device").format(user=self.user),
                classes="dialog-title",
                markup=False,
            )
            yield Static(self.serial, markup=False)
            yield Static(_("Type two consecutive codes the device shows, then Enter."))
            with Horizontal(classes="code-row"):
                yield Label(_("First code  "))
                yield Input(placeholder=_("6 digits"), id="resync-1", max_length=6, compact=True)
            with Horizontal(classes="code-row"):
                yield Label(_("Second code "))
                yield Input(placeholder=_("6 digits"), id="resync-2", max_length=6, compact=True)
            yield Static("", id="resync-verdict")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Resync"), variant="primary", id="resync-go", compact=True)
                yield Button(_("Cancel"), id="resync-cancel", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "resync-1":
            self.query_one("#resync-2", Input).focus()
        else:
            self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "resync-cancel":
            self.dismiss(None)
            return
        self._finish()

    def _finish(self) -> None:
        first = self.query_one("#resync-1", Input).value
        second = self.query_one("#resync-2", Input).value
        for code, which in ((first, FIRST_CODE), (second, SECOND_CODE)):
            value, why = normalize_code(code, which)
            if value is None:
                self.query_one("#resync-verdict", Static).update(Text(why, style="red"))
                return
        self.dismiss((first.strip(), second.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
