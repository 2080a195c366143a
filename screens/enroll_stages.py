"""The Enroll step's four stages, each a widget that lays itself out and draws its own state.

The screen (screens/enrollment.py) walks the users and runs the AWS work in workers; a stage only
shows what it is given: pick a user, the intro for one user, the QR with the two codes, the
summary at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from screens.widgets.qr import QRCode
from wizard.models import KIND_LABELS, MfaDevice
from wizard.physical import MAX_DEVICES_PER_USER
from wizard.totp import FIRST_CODE, SECOND_CODE, normalize_code

# The outcomes that leave the user with a new device: a virtual one, a token, a security key.
ADDED = {"enabled", "token enabled", "security key registered"}


@dataclass
class UserResult:
    """What happened to one user in this walk."""

    user: str
    outcome: str
    serial: str = ""


def devices_lines(user: str, devices: list[MfaDevice]) -> list[str]:
    """The intro's lines (markup) on the user's devices: up to three by kind, then how many
    more, and what can be done at IAM's limit of 8."""
    if not devices:
        return [f"{escape(user)} has no MFA device yet."]
    lines = [f"{escape(user)} has {len(devices)} MFA device(s); up to 8 are allowed:"]
    lines += [
        f"  {escape(d.serial.rsplit(':', 1)[-1])} ({KIND_LABELS[d.kind]})" for d in devices[:3]
    ]
    if len(devices) > 3:
        lines.append(f"  and {len(devices) - 3} more")
    lines.append(
        "[yellow]That is IAM's most: Replace swaps one; nothing can be added.[/]"
        if len(devices) >= MAX_DEVICES_PER_USER
        else "Create adds another; Replace removes one first (lost phone)."
    )
    return lines


class PickStage(Vertical):
    """No user selected in the Audit: type one."""

    def compose(self) -> ComposeResult:
        yield Static(
            "No users were selected in the Audit (space selects them there).\n"
            "Or Tab to the field, type a user name and Enter:",
            id="pick-help",
        )
        yield Input(placeholder="IAM user name", id="pick-user")
        yield Static("", id="pick-verdict")


class IntroStage(Vertical):
    """One user: their devices, the new device's name, and what can be done."""

    def compose(self) -> ComposeResult:
        yield Static("", id="intro-progress")
        yield Static("", id="intro-devices")
        with Horizontal(id="intro-name-row"):
            yield Label("Device name ")
            yield Input(id="device-name", compact=True)
        yield Static("", id="device-name-verdict")
        yield Select([], prompt="device", id="existing-device", compact=True)
        with Horizontal(id="intro-buttons"):
            yield Button("Create and show QR", variant="primary", id="enroll-start", compact=True)
            yield Button("Skip", id="enroll-skip", compact=True)
            yield Button("Back", id="enroll-back", compact=True)
            yield Button("Replace", id="enroll-replace", variant="warning", compact=True)
            yield Button("Resync", id="enroll-resync", compact=True)
            yield Button("Remove leftover (r)", id="enroll-remove-leftover", compact=True)
        with Horizontal(id="intro-other"):
            yield Label("Other kinds: ")
            yield Button("Hardware token", id="enroll-hardware-token", compact=True)
            yield Button("Security key", id="enroll-security-key", compact=True)


class QrStage(Horizontal):
    """The QR, the steps, the two code fields (and the demo authenticator in the demo)."""

    def compose(self) -> ComposeResult:
        yield QRCode(id="qr")
        with Vertical(id="qr-side"):
            yield Static("", id="qr-title")
            yield Static(
                "1. Open the authenticator app\n"
                "2. Add an account, scan the code\n"
                "3. Type the code it shows, Enter\n"
                "4. Wait for the next code, type\n"
                "   it too, Enter",
                id="qr-steps",
            )
            yield Static("", id="manual-key")
            with Horizontal(classes="code-row"):
                yield Label("First  ")
                yield Input(placeholder="6 digits", id="code-1", max_length=8, compact=True)
            with Horizontal(classes="code-row"):
                yield Label("Second ")
                yield Input(placeholder="6 digits", id="code-2", max_length=8, compact=True)
            yield Static("", id="verdict")
            with Horizontal(id="qr-buttons"):
                yield Button("Verify", variant="primary", id="enroll-verify", compact=True)
                yield Button("Key (F2)", id="enroll-key", compact=True)
                yield Button("Cancel", id="enroll-cancel", compact=True)
            yield Static("", id="demo-authenticator")

    @on(Input.Changed, "#code-1, #code-2")
    def _code_changed(self) -> None:
        first = self.query_one("#code-1", Input).value
        second = self.query_one("#code-2", Input).value
        verdict = self.query_one("#verdict", Static)
        if not first and not second:
            return  # fields just emptied (after a refused code): keep saying why
        for value, which in ((first, FIRST_CODE), (second, SECOND_CODE)):
            if not value:
                continue
            code, why = normalize_code(value, which)
            if code is None and (len(value.strip()) >= 6 or not value.strip().isdigit()):
                verdict.update(Text(why, style="red"))
                return
        verdict.update("")

    def show(self, matrix: list[list[bool]], title: str, demo: bool) -> None:
        """A new device: its QR and title, empty code fields, the first one focused."""
        self.query_one(QRCode).set_matrix(matrix)
        self.query_one("#qr-title", Static).update(title)
        key = self.query_one("#manual-key", Static)
        key.update("")
        key.display = False
        self.query_one("#qr-steps", Static).display = True
        for field in ("#code-1", "#code-2"):
            self.query_one(field, Input).value = ""
        # A code is judged on Enter: said where the eye is, since the field's Enter is not
        # a footer key.
        self.query_one("#verdict", Static).update("Type the first code, then Enter.")
        self.query_one("#enroll-verify", Button).disabled = False
        self.query_one("#demo-authenticator", Static).display = demo

    def clear(self) -> None:
        """The device is gone: no QR left on screen to scan."""
        self.query_one(QRCode).set_matrix(None)

    def toggle_key(self, manual_key: str) -> None:
        """Show the key to type by hand in place of the steps, or hide it again (F2)."""
        key = self.query_one("#manual-key", Static)
        steps = self.query_one("#qr-steps", Static)
        if key.display:
            key.display, steps.display = False, True
            return
        key.update(f"Key (type it in the app):\n[b]{manual_key}[/b]")
        key.display, steps.display = True, False

    def show_demo_codes(self, first: str, second: str, left: int) -> None:
        """The demo's stand-in for a phone: the two codes to type, and how long they last."""
        self.query_one("#demo-authenticator", Static).update(
            "[b]Demo authenticator[/b] (no phone needed)\n"
            f"1st [b]{first[:3]} {first[3:]}[/b]  "
            f"2nd [b]{second[:3]} {second[3:]}[/b]  ({left:2d}s)"
        )


class DoneStage(Vertical):
    """The walk's outcome, one row per user."""

    def compose(self) -> ComposeResult:
        yield Static("", id="done-title")
        yield DataTable(id="done-table", cursor_type="row")
        yield Static("Press 1 to re-run the audit and see the new state.", id="done-hint")

    def on_mount(self) -> None:
        self.query_one("#done-table", DataTable).add_columns("User", "Outcome", "Serial")

    def show(self, queue: list[str], results: dict[str, UserResult]) -> None:
        """Every user of the walk with what happened to them."""
        table = self.query_one("#done-table", DataTable)
        table.clear()
        for user in queue:
            result = results.get(user, UserResult(user, "not done"))
            table.add_row(Text(user), Text(result.outcome), Text(result.serial or "-"), key=user)
        enabled = sum(1 for r in results.values() if r.outcome in ADDED)
        self.query_one("#done-title", Static).update(
            f"[b]{enabled} of {len(queue)} user(s) enrolled.[/b]"
        )
