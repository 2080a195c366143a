"""The Enroll step's other kinds: a hardware TOTP token (serial, two codes AWS checks) and the
console hand-off for a security key or passkey (its address and QR, then a countdown while
ListMFADevices is watched). The AWS work is wizard.physical's, in worker threads."""

from __future__ import annotations

import threading
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from screens.widgets.qr import QRCode
from wizard.errors import WizardError, translate
from wizard.i18n import N_, _
from wizard.qr import address_qr_fits, qr_matrix


def _error_text(exc: BaseException) -> Text:
    error = exc if isinstance(exc, WizardError) else translate(exc)
    fix = f"\nFix: {error.fix}" if error.fix else ""
    return Text(f"{error.message}{fix}", style="red")


class HardwareTokenDialog(ModalScreen[str | None]):
    """The token's serial and two codes; AWS checks the codes (its seed is AWS's alone).
    Returns the serial once enabled, None when closed without."""

    BINDINGS = [Binding("escape", "close", N_("Close"))]

    def __init__(self, user: str, report: Callable[[str, str], None] | None = None) -> None:
        super().__init__(id="hardware-dialog")
        self.user = user
        self.enabled: str | None = None
        self.busy = False  # AWS is being asked: closing now would hide its answer
        self.report = report  # (serial, outcome) to the Enroll step, whatever this dialog shows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                _("Hardware token for {user}").format(user=self.user),
                classes="dialog-title",
                markup=False,
            )
            yield Static(
                _(
                    "Type the serial on the back of the token, press its button and type the code, "
                    "press again for the next code. AWS checks them."
                ),
                id="token-help",
            )
            with Horizontal(classes="form-row"):
                yield Label(_("Serial "))
                yield Input(placeholder="GAHT12345678", id="token-serial", compact=True)
            with Horizontal(classes="form-row"):
                yield Label(_("First  "))
                yield Input(
                    placeholder=_("6 digits"), id="token-code-1", max_length=8, compact=True
                )
            with Horizontal(classes="form-row"):
                yield Label(_("Second "))
                yield Input(
                    placeholder=_("6 digits"), id="token-code-2", max_length=8, compact=True
                )
            yield Static("", id="token-verdict")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Enable"), variant="primary", id="token-enable", compact=True)
                yield Button(_("Close"), id="token-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#token-serial", Input).focus()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        order = ["token-serial", "token-code-1", "token-code-2"]
        if event.input.id in order[:-1]:
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()
        else:
            self._enable_pressed()

    @on(Button.Pressed, "#token-enable")
    def _enable_pressed(self) -> None:
        if self.enabled:
            self.dismiss(self.enabled)
            return
        values = [
            self.query_one(f"#{name}", Input).value
            for name in ("token-serial", "token-code-1", "token-code-2")
        ]
        self.query_one("#token-enable", Button).disabled = True
        self.query_one("#token-verdict", Static).update(_("Checking..."))
        self.busy = True
        self._enable(*values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="token")
    def _enable(self, serial: str, first: str, second: str) -> None:
        from wizard.physical import check_token_codes, enable_hardware, plan_hardware

        services = self.app.ctx.services  # type: ignore[attr-defined]
        try:
            plan = plan_hardware(services, self.user, serial)
            if not plan.already:
                check_token_codes(first, second)  # a typo costs no AWS call
            said = enable_hardware(services, plan, first, second)
        except Exception as exc:  # shown in the dialog, never a traceback
            self.app.call_from_thread(self._refused, exc)
            return
        outcome = N_("token already there") if plan.already else N_("token enabled")
        self.app.call_from_thread(self._done, plan.serial, said, outcome)

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self.query_one("#token-verdict", Static).update(_error_text(exc))
        if getattr(exc, "code", "") == "InvalidAuthenticationCode":
            # A refused pair is never sent again: the fields empty for two new presses.
            for name in ("token-code-1", "token-code-2"):
                self.query_one(f"#{name}", Input).value = ""
            self.query_one("#token-code-1", Input).focus()
        self.query_one("#token-enable", Button).disabled = False

    def _done(self, serial: str, said: str, outcome: str) -> None:
        self.busy = False
        if self.report:
            self.report(serial, outcome)
        self.enabled = serial
        self.query_one("#token-verdict", Static).update(Text(said, style="green"))
        button = self.query_one("#token-enable", Button)
        button.label, button.disabled = _("Done"), False
        button.focus()

    @on(Button.Pressed, "#token-close")
    def action_close(self) -> None:
        if self.busy:
            self.notify(_("AWS is checking the codes: a moment."), title=_("Hardware token"))
            return
        self.dismiss(self.enabled)


class SecurityKeyScreen(ModalScreen[str | None]):
    """Where to register the key (address, QR for a phone), then a countdown while the wizard
    watches for it. Esc stops watching: nothing was made. Returns the new key's serial."""

    BINDINGS = [Binding("escape", "close", N_("Stop waiting"))]

    def __init__(
        self,
        user: str,
        timeout: float = 600.0,
        report: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(id="security-key-screen")
        self.user = user
        self.timeout = timeout
        self.report = report  # (serial, outcome) to the Enroll step, even after Esc
        self.found: str | None = None
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                _("Security key for {user}").format(user=self.user),
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll(id="key-scroll"):
                yield Static(_("Reading the user's devices..."), id="key-steps", markup=False)
                yield QRCode(id="key-qr")
            yield Static("", id="key-countdown")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Stop waiting (Esc)"), id="key-close", compact=True)

    def on_mount(self) -> None:
        self._watch()

    def on_unmount(self) -> None:
        # Quitting (q, Ctrl+Q, a closed terminal) ends the watch at once: nothing to undo.
        self._stop.set()

    @work(thread=True, exclusive=True, exit_on_error=False, group="security-key")
    def _watch(self) -> None:
        from wizard.physical import plan_security_key, wait_for_new_key

        services = self.app.ctx.services  # type: ignore[attr-defined]
        try:
            handoff = plan_security_key(services, self.user)
            self.app.call_from_thread(self._show_steps, handoff.steps(), handoff.address)
            found = wait_for_new_key(
                services,
                handoff,
                timeout=self.timeout,
                on_tick=lambda left: self.app.call_from_thread(self._tick, left),
                stop=self._stop.is_set,
            )
        except Exception as exc:  # shown here, never a traceback
            if not self._stop.is_set():
                self.app.call_from_thread(self._failed, exc)
            return
        if found:
            self.app.call_from_thread(self._found, found)

    def _show_steps(self, steps: list[str], address: str) -> None:
        if not self.is_attached:
            return
        matrix = qr_matrix(address)
        # For a phone (a passkey): only when it fits below the steps, else the address is enough.
        if address_qr_fits(matrix, self.app.size.width, self.app.size.height):
            self.query_one(QRCode).set_matrix(matrix)
        else:
            steps = [*steps, _("(A larger window also shows the address as a QR, for a phone.)")]
        self.query_one("#key-steps", Static).update("\n".join(steps))

    def _tick(self, left: float) -> None:
        if self.found is None and self.is_attached:
            self.query_one("#key-countdown", Static).update(
                _(
                    "Waiting for the new key: {minutes}:{seconds:02d} left (Esc stops; nothing "
                    "is changed meanwhile)"
                ).format(minutes=int(left) // 60, seconds=int(left) % 60)
            )

    def _failed(self, exc: BaseException) -> None:
        if not self.is_attached:
            return
        steps = self.query_one("#key-steps", Static)
        if str(steps.render()) == _("Reading the user's devices..."):
            steps.update("")  # it never got as far as the steps
        self.query_one("#key-countdown", Static).update(_error_text(exc))
        self.query_one("#key-close", Button).label = _("Close (Esc)")

    def _found(self, serial: str) -> None:
        if self.report:
            self.report(serial, N_("security key registered"))
        if not self.is_attached:  # Esc came as the key appeared: it is recorded all the same
            return
        self.found = serial
        self.query_one("#key-countdown", Static).update(
            Text(_("Registered: {serial} (journaled).").format(serial=serial), style="green")
        )
        button = self.query_one("#key-close", Button)
        button.label = _("Done")
        button.focus()

    @on(Button.Pressed, "#key-close")
    def action_close(self) -> None:
        self._stop.set()
        self.dismiss(self.found)


def open_other_kind(screen: object, user: str, security_key: bool) -> None:
    """Push the token dialog or the key hand-off for `user`. A device added is reported to the
    Enroll screen (`device_added(user, serial, outcome)`) the moment AWS has it, whatever the
    dialog does next (closed at that instant, or left open)."""

    def report(serial: str, outcome: str) -> None:
        screen.device_added(user, serial, outcome)  # type: ignore[attr-defined]

    dialog = (
        SecurityKeyScreen(user, report=report)
        if security_key
        else HardwareTokenDialog(user, report=report)
    )
    screen.app.push_screen(dialog)  # type: ignore[attr-defined]
