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
from wizard.i18n import N_, _, ngettext
from wizard.models import KIND_LABELS, MfaDevice
from wizard.physical import MAX_DEVICES_PER_USER
from wizard.totp import FIRST_CODE, SECOND_CODE, normalize_code

# The outcomes that leave the user with a new device: a virtual one, a token, a security key.
ADDED = {N_("enabled"), N_("token enabled"), N_("security key registered")}


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
        return [_("{user} has no MFA device yet.").format(user=escape(user))]
    lines = [
        ngettext(
            "{user} has {count} MFA device; up to 8 are allowed:",
            "{user} has {count} MFA devices; up to 8 are allowed:",
            len(devices),
        ).format(user=escape(user), count=len(devices))
    ]
    lines += [
        f"  {escape(d.serial.rsplit(':', 1)[-1])} ({_(KIND_LABELS[d.kind])})" for d in devices[:3]
    ]
    if len(devices) > 3:
        lines.append(_("  and {count} more").format(count=len(devices) - 3))
    lines.append(
        _("[yellow]That is IAM's most: Replace swaps one; nothing can be added.[/]")
        if len(devices) >= MAX_DEVICES_PER_USER
        else _("Create adds another; Replace removes one first (lost phone).")
    )
    return lines


def qr_too_small(columns: int, rows: int, free_columns: int, free_rows: int, user: str) -> str:
    """Said before any device exists (markup): a QR cut by the window's edge cannot be scanned."""
    return _(
        "[red]The window is too small for this QR[/] ({columns}x{rows} needed, "
        "{free_columns}x{free_rows} free): enlarge it, or use `{command}` to type the key in."
    ).format(
        columns=columns,
        rows=rows,
        free_columns=free_columns,
        free_rows=free_rows,
        command=f"mfa-wizard enroll {escape(user)} --show-key",
    )


class PickStage(Vertical):
    """No user selected in the Audit: type one."""

    def compose(self) -> ComposeResult:
        yield Static(
            _(
                "No users were selected in the Audit (space selects them there).\nOr Tab to the "
                "field, type a user name and Enter:"
            ),
            id="pick-help",
        )
        yield Input(placeholder=_("IAM user name"), id="pick-user")
        yield Static("", id="pick-verdict")


class IntroStage(Vertical):
    """One user: their devices, the new device's name, and what can be done."""

    def compose(self) -> ComposeResult:
        yield Static("", id="intro-progress")
        yield Static("", id="intro-devices")
        with Horizontal(id="intro-name-row"):
            yield Label(_("Device name "))
            yield Input(id="device-name", compact=True)
        yield Static("", id="device-name-verdict")
        yield Select([], prompt=_("device"), id="existing-device", compact=True)
        with Horizontal(id="intro-buttons"):
            yield Button(
                _("Create and show QR"), variant="primary", id="enroll-start", compact=True
            )
            yield Button(_("Skip"), id="enroll-skip", compact=True)
            yield Button(_("Back"), id="enroll-back", compact=True)
            yield Button(_("Replace"), id="enroll-replace", variant="warning", compact=True)
            yield Button(_("Resync"), id="enroll-resync", compact=True)
            yield Button(_("Remove leftover (r)"), id="enroll-remove-leftover", compact=True)
        with Horizontal(id="intro-other"):
            yield Label(_("Other kinds: "))
            yield Button(_("Hardware token"), id="enroll-hardware-token", compact=True)
            yield Button(_("Security key"), id="enroll-security-key", compact=True)


class QrStage(Horizontal):
    """The QR, the steps, the two code fields (and the demo authenticator in the demo)."""

    def compose(self) -> ComposeResult:
        yield QRCode(id="qr")
        with Vertical(id="qr-side"):
            yield Static("", id="qr-title")
            yield Static(
                _(
                    "1. Open the authenticator app\n2. Add an account, scan the code\n3. Type the code "
                    "it shows, Enter\n4. Wait for the next code, type\n   it too, Enter"
                ),
                id="qr-steps",
            )
            yield Static("", id="manual-key")
            with Horizontal(classes="code-row"):
                yield Label(_("First  "))
                yield Input(placeholder=_("6 digits"), id="code-1", max_length=8, compact=True)
            with Horizontal(classes="code-row"):
                yield Label(_("Second "))
                yield Input(placeholder=_("6 digits"), id="code-2", max_length=8, compact=True)
            yield Static("", id="verdict")
            with Horizontal(id="qr-buttons"):
                yield Button(_("Verify"), variant="primary", id="enroll-verify", compact=True)
                yield Button(_("Key (F2)"), id="enroll-key", compact=True)
                yield Button(_("Cancel"), id="enroll-cancel", compact=True)
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
        self.query_one("#verdict", Static).update(_("Type the first code, then Enter."))
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
        key.update(
            _("Key (type it in the app):\n[b]{manual_key}[/b]").format(manual_key=manual_key)
        )
        key.display, steps.display = True, False

    def show_demo_codes(self, first: str, second: str, left: int) -> None:
        """The demo's stand-in for a phone: the two codes to type, and how long they last."""
        self.query_one("#demo-authenticator", Static).update(
            _(
                "[b]Demo authenticator[/b] (no phone needed)\n1st [b]{first} {first2}[/b]  2nd "
                "[b]{second} {second2}[/b]  ({left:2d}s)"
            ).format(
                first=first[:3], first2=first[3:], second=second[:3], second2=second[3:], left=left
            )
        )


class DoneStage(Vertical):
    """The walk's outcome, one row per user."""

    def compose(self) -> ComposeResult:
        yield Static("", id="done-title")
        yield DataTable(id="done-table", cursor_type="row")
        yield Static(_("Press 1 to re-run the audit and see the new state."), id="done-hint")

    def on_mount(self) -> None:
        self.query_one("#done-table", DataTable).add_columns(_("User"), _("Outcome"), _("Serial"))

    def show(self, queue: list[str], results: dict[str, UserResult]) -> None:
        """Every user of the walk with what happened to them."""
        table = self.query_one("#done-table", DataTable)
        table.clear()
        for user in queue:
            result = results.get(user, UserResult(user, N_("not done")))
            table.add_row(Text(user), Text(_(result.outcome)), Text(result.serial or "-"), key=user)
        enabled = sum(1 for r in results.values() if r.outcome in ADDED)
        self.query_one("#done-title", Static).update(
            _("[b]{enabled} of {count} user(s) enrolled.[/b]").format(
                enabled=enabled, count=len(queue)
            )
        )
