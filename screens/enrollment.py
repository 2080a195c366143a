"""The Enroll step: one user after another, QR in the terminal, two codes verified locally.

A created device that is not enabled is always deleted: on Cancel, Skip, leaving the step, a
failed call, or quitting the app (run_tui rolls back whatever is still pending).
"""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, ContentSwitcher, Input, Select, Static

from screens.enroll_existing import ExistingDeviceActions
from screens.enroll_messages import (
    CodesRefused,
    DeviceCreated,
    DeviceCreationFailed,
    DeviceEnabled,
    DeviceRolledBack,
    DevicesListed,
    EnrollmentFailed,
)
from screens.enroll_other import open_other_kind
from screens.enroll_stages import (
    DoneStage,
    IntroStage,
    PickStage,
    QrStage,
    UserResult,
    devices_lines,
    qr_too_small,
)
from wizard.enrollment import (
    Enrollment,
    WrongCodesError,
    default_device_name,
    list_devices,
    validate_device_name,
    validate_user_name,
)
from wizard.errors import UsageError, WizardError
from wizard.i18n import N_, _
from wizard.models import MfaDevice
from wizard.physical import MAX_DEVICES_PER_USER
from wizard.qr import qr_size_needed


class EnrollmentScreen(ExistingDeviceActions):
    """Walk the selected users: intro (devices, name) -> QR and codes -> result; then a summary."""

    STEP = "enroll"
    EXPLANATION = N_("an MFA device per user; a virtual one's codes checked here first")

    BINDINGS = [
        Binding("f2", "show_key", N_("Key")),
        Binding("escape", "cancel", N_("Cancel")),
        Binding("r", "remove_leftover", N_("Remove leftover")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[str] = []
        self.index = 0
        self.results: dict[str, UserResult] = {}
        self.enrollment: Enrollment | None = None
        self.devices: list[MfaDevice] = []
        self.stage = "pick"
        self.leftover: str | None = None
        # (user, serial) of the device to remove once its replacement is enabled.
        self.replacing: tuple[str, str] | None = None
        self.qr_needed: tuple[int, int] | None = None  # (rows, columns) of the QR shown
        self.refused_for_size = False  # the verdict says the window is too small for the QR

    # ------------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        with ContentSwitcher(initial="enroll-pick", id="enroll-switcher"):
            yield PickStage(id="enroll-pick")
            yield IntroStage(id="enroll-intro")
            yield QrStage(id="enroll-qr")
            yield DoneStage(id="enroll-done")

    def on_mount(self) -> None:
        if self.wizard.ctx.demo is not None:
            self.set_interval(1, self._tick_demo)
        self._start_walk()

    def on_screen_resume(self) -> None:
        if self.stage == "qr" and self.enrollment is None:
            self._show_intro()  # the unfinished device was rolled back when we left
        # Coming back from the Audit with a new selection restarts the walk.
        # (Also from an intro with nothing under way: Enter on another user in the Audit.)
        if (
            self.stage in {"pick", "done", "intro"}
            and self.enrollment is None
            and sorted(self.wizard.ctx.selected_users) != self.queue
        ):
            self._start_walk()

    def on_screen_suspend(self) -> None:
        # Help or the too-small notice over the QR is not leaving the step: the device stays.
        if isinstance(self.app.screen, ModalScreen):
            return
        if self.enrollment is not None and not self.enrollment.enabled:
            self._roll_back(N_("left the step"))

    def _start_walk(self) -> None:
        self.queue = sorted(self.wizard.ctx.selected_users)
        self.index = 0
        self.results = {}
        if self.queue:
            self._show_intro()
        else:
            self._switch("pick")
            names = []
            if self.wizard.ctx.last_audit:
                names = [u.user_name for u in self.wizard.ctx.last_audit.console_users_without_mfa]
            # Not focused on arrival: the digit keys still change step until the field is chosen.
            self.query_one("#pick-user", Input).suggester = SuggestFromList(
                names, case_sensitive=True
            )

    def _switch(self, stage: str) -> None:
        self.stage = stage
        self.query_one(ContentSwitcher).current = f"enroll-{stage}"
        # The QR needs the full height of an 80x24 terminal: the step bar steps aside meanwhile.
        self.set_class(stage == "qr", "-qr-mode")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"show_key", "cancel"}:
            return self.stage == "qr"
        if action == "remove_leftover":
            return self.stage == "intro" and bool(self.leftover)
        return True

    def on_resize(self) -> None:
        # "Too small for this QR" was true of the old size: say nothing until Enter asks again.
        if self.refused_for_size:
            self._name_verdict("")

    def _name_verdict(self, markup: str, refused_for_size: bool = False) -> None:
        """The line under the device name; a resize takes away a 'too small' said there."""
        self.refused_for_size = refused_for_size
        self.query_one("#device-name-verdict", Static).update(markup)

    @property
    def min_size(self) -> tuple[int, int] | None:
        """While a QR waits for its codes: the terminal it needs whole (a cut QR cannot be
        scanned), for the app's too-small notice."""
        if self.stage != "qr" or self.qr_needed is None:
            return None
        rows, columns = self.qr_needed
        return columns + 36, rows + 2

    @property
    def holds_keys(self) -> bool:
        """While a device waits for its codes, digit keys are codes, never a change of step
        (which would roll the device back). Esc cancels; the app asks this before switching."""
        return self.stage == "qr"

    @property
    def current_user(self) -> str:
        return self.queue[self.index]

    # ------------------------------------------------------------------ pick

    @on(Input.Submitted, "#pick-user")
    def _picked(self, event: Input.Submitted) -> None:
        try:
            name = validate_user_name(event.value)
        except UsageError as exc:
            self.query_one("#pick-verdict", Static).update(
                _("[red]{escape}[/]").format(escape=escape(exc.message))
            )
            return
        self.queue = [name]
        self.index = 0
        self._show_intro()

    # ------------------------------------------------------------------ intro

    def _show_intro(self) -> None:
        self._switch("intro")
        user = self.current_user
        self.query_one("#intro-progress", Static).update(
            _("[b]User {value} of {count}: {escape}[/b]").format(
                value=self.index + 1, count=len(self.queue), escape=escape(user)
            )
        )
        self.query_one("#intro-devices", Static).update(_("[dim]Looking up devices...[/dim]"))
        self._name_verdict("")
        for button in ("#enroll-replace", "#enroll-resync", "#enroll-remove-leftover"):
            self.query_one(button, Button).display = False
        self.query_one("#existing-device", Select).display = False
        self.query_one("#enroll-start", Button).disabled = True
        self.query_one("#enroll-back", Button).disabled = self.index == 0
        self._load_devices(user)

    # Its own group: a lookup never cancels an enable still reporting its outcome.
    @work(thread=True, exclusive=True, exit_on_error=False, group="enroll-lookup")
    def _load_devices(self, user: str) -> None:
        from wizard.enrollment import ensure_user, free_device_name, leftover_named

        services = self.wizard.ctx.services
        ensure_user(services, user)
        devices = list_devices(services, user)
        leftover = leftover_named(services, default_device_name(user, devices))
        free = free_device_name(services, user, devices) if leftover else ""
        self.post_message(DevicesListed(user, devices, leftover, free))

    @on(DevicesListed)
    def _show_devices(self, event: DevicesListed) -> None:
        user, devices = event.user, event.devices
        if self.stage != "intro" or user != self.current_user:
            return
        self.devices, lines = devices, devices_lines(user, devices)
        full = len(devices) >= MAX_DEVICES_PER_USER
        if devices:
            select = self.query_one("#existing-device", Select)
            select.set_options([(d.serial.rsplit("/", 1)[-1], d.serial) for d in devices])
            select.value, select.display = devices[0].serial, True
            for button in ("#enroll-replace", "#enroll-resync"):
                self.query_one(button, Button).display = True
        self.leftover = event.leftover
        name = self.query_one("#device-name", Input)
        name.value = default_device_name(user, devices)
        if event.leftover:
            # Never a dead end: the free name is in, and the leftover (nobody's) can go.
            lines.append(
                _(
                    "[yellow]A leftover device named {escape} is assigned to nobody[/]: using "
                    "{escape2}. R removes the leftover to reuse the name."
                ).format(escape=escape(name.value), escape2=escape(event.free_name))
            )
            name.value = event.free_name
        self.query_one("#enroll-remove-leftover", Button).display = bool(event.leftover)
        self.query_one("#intro-devices", Static).update("\n".join(lines))
        for button in ("#enroll-start", "#enroll-hardware-token", "#enroll-security-key"):
            self.query_one(button, Button).disabled = full
        self.query_one("#enroll-skip" if full else "#enroll-start", Button).focus()

    def worker_failed(self, worker: object) -> None:
        if self.stage == "intro" and getattr(worker, "group", "") == "enroll-lookup":
            self.query_one("#intro-devices", Static).update(
                _("[red]Could not look up this user.[/] Skip or go back.")
            )
        elif self.stage == "qr":
            self.query_one("#enroll-verify", Button).disabled = False

    @on(Input.Changed, "#device-name")
    def _device_name_changed(self, event: Input.Changed) -> None:
        try:
            validate_device_name(event.value)
        except UsageError as exc:
            self._name_verdict(f"[red]{escape(exc.message)}[/]")
            self.query_one("#enroll-start", Button).disabled = True
            return
        self._name_verdict("")
        full = len(self.devices) >= MAX_DEVICES_PER_USER  # IAM's most: only Replace
        self.query_one("#enroll-start", Button).disabled = full

    @on(Input.Submitted, "#device-name")
    @on(Button.Pressed, "#enroll-start")
    def _start_pressed(self) -> None:
        if self.query_one("#enroll-start", Button).disabled:
            return
        name = self.query_one("#device-name", Input).value
        rows, columns = qr_size_needed(name, self.wizard.ctx.account_id)
        free_rows, free_columns = self.qr_room()
        if rows > free_rows or columns > free_columns:
            # Said before any device exists: a QR cut by the window's edge cannot be scanned.
            self._name_verdict(
                qr_too_small(columns, rows, free_columns, free_rows, self.current_user),
                refused_for_size=True,
            )
            return
        self.qr_needed = (rows, columns)
        self.query_one("#enroll-start", Button).disabled = True
        self._create(self.current_user, name)

    def qr_room(self) -> tuple[int, int]:
        """(rows, columns) the QR may take: the screen less the identity bar and the footer, and
        less the side panel of codes (at least 36 columns)."""
        size = self.app.size
        return size.height - 2, size.width - 36

    @on(Button.Pressed, "#enroll-skip")
    def _skip_pressed(self) -> None:
        self.results[self.current_user] = UserResult(self.current_user, N_("skipped"))
        self._next_user()

    @on(Button.Pressed, "#enroll-back")
    def _back_pressed(self) -> None:
        if self.index > 0:
            self.index -= 1
            self._show_intro()

    # ------------------------------------------------------------------ create -> QR

    @work(thread=True, exclusive=True, exit_on_error=False, group="enroll")
    def _create(self, user: str, name: str) -> None:
        self._create_now(user, name)

    def _create_now(self, user: str, name: str) -> None:
        enrollment = Enrollment(self.wizard.ctx.services, user, name)
        self.wizard.ctx.pending_enrollments.add(enrollment)
        try:
            enrollment.create()
            matrix = enrollment.qr(*self.qr_room())
        except BaseException:
            enrollment.rollback()
            self.wizard.ctx.pending_enrollments.discard(enrollment)
            self.post_message(DeviceCreationFailed(user))
            raise
        self.post_message(DeviceCreated(enrollment, matrix))

    @on(DeviceCreationFailed)
    def _enable_start(self) -> None:
        start = self.query_one("#enroll-start", Button)
        start.disabled = False
        start.focus()  # not the name field: a digit typed next must not rename the device

    @on(DeviceCreated)
    def _show_qr(self, event: DeviceCreated) -> None:
        enrollment, matrix = event.enrollment, event.matrix
        self.enrollment = enrollment
        self.query_one(QrStage).show(
            matrix,
            _("[b]{user}[/b] ({number} of {count})").format(
                user=escape(enrollment.user_name), number=self.index + 1, count=len(self.queue)
            ),
            demo=self.wizard.ctx.demo is not None,
        )
        self._switch("qr")
        self.query_one("#code-1", Input).focus()
        if self.wizard.ctx.demo is not None:
            self._tick_demo()

    def _tick_demo(self) -> None:
        if self.enrollment is None or self.stage != "qr":
            return
        try:
            first_code, second_code, left = self.enrollment.demo_codes()
        except WizardError:
            return
        self.query_one(QrStage).show_demo_codes(first_code, second_code, left)

    # ------------------------------------------------------------------ codes

    def _code_verdict(self, markup: str) -> None:
        self.query_one("#verdict", Static).update(markup)

    @on(Input.Submitted, "#code-1")
    def _first_submitted(self) -> None:
        # Judged at once: a typo is said now, not after waiting 30 s for the second code.
        if self.enrollment is None:
            return
        first = self.query_one("#code-1", Input)
        verdict = self.enrollment.check_first(first.value)
        if not verdict.ok:
            self._code_verdict(
                _("[b red]Not that one:[/] {why}").format(why=escape(verdict.message))
            )
            first.value = ""
            return
        self._code_verdict(
            _("[green]First code is right.[/] Type the next one when it appears, then Enter.")
        )
        self.query_one("#code-2", Input).focus()

    @on(Input.Submitted, "#code-2")
    @on(Button.Pressed, "#enroll-verify")
    def _verify(self) -> None:
        if self.enrollment is None:
            return
        first = self.query_one("#code-1", Input).value
        second = self.query_one("#code-2", Input).value
        verdict = self.enrollment.check(first, second)
        if not verdict.ok:
            self._code_verdict(_("[b red]Not yet:[/] {why}").format(why=escape(verdict.message)))
            return
        self._code_verdict(_("[green]Codes check out; enabling...[/]"))
        self.query_one("#enroll-verify", Button).disabled = True
        self._enable(self.enrollment, first, second)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enroll")
    def _enable(self, enrollment: Enrollment, first: str, second: str) -> None:
        try:
            device = enrollment.enable(first, second)
        except WrongCodesError as exc:
            self.post_message(CodesRefused(exc.verdict.message))
            return
        except BaseException:
            # enable() already deleted the device; the error itself reaches the error dialog.
            self.wizard.ctx.pending_enrollments.discard(enrollment)
            self.post_message(EnrollmentFailed(enrollment))
            raise
        self.wizard.ctx.pending_enrollments.discard(enrollment)
        self.post_message(DeviceEnabled(device))

    @on(CodesRefused)
    def _wrong_codes(self, event: CodesRefused) -> None:
        self._code_verdict(_("[b red]Not yet:[/] {why}").format(why=escape(event.message)))
        self.query_one("#enroll-verify", Button).disabled = False

    @on(EnrollmentFailed)
    def _enable_failed(self, event: EnrollmentFailed) -> None:
        self.replacing = None
        enrollment = event.enrollment
        self.results[enrollment.user_name] = UserResult(
            enrollment.user_name, N_("failed; device deleted")
        )
        self.enrollment = None
        self._show_intro()

    @on(DeviceEnabled)
    def _enabled(self, event: DeviceEnabled) -> None:
        device = event.device
        if self.replacing and self.replacing[0] == device.user_name:
            self._remove_replaced(*self.replacing)
        self.replacing = None
        self.enrollment = None
        self.device_added(device.user_name, device.serial, N_("enabled"))

    @on(Button.Pressed, "#enroll-hardware-token, #enroll-security-key")
    def _other_kind(self, event: Button.Pressed) -> None:
        if self.stage == "intro":
            key = event.button.id == "enroll-security-key"
            open_other_kind(self, self.current_user, security_key=key)

    def device_added(self, user: str, serial: str, outcome: str) -> None:
        """A device of any kind is the user's now: record it, then the next user."""
        self.results[user] = UserResult(user, outcome, serial)
        self.wizard.ctx.enrolled.add(user)
        # The audit no longer tells the truth about this user: later steps read it again.
        self.wizard.ctx.last_audit = None
        self.notify(
            _("MFA {outcome} for {user}.").format(outcome=_(outcome), user=user),
            title=_("Enroll"),
        )
        self.step_done()
        self._next_user()

    @on(Button.Pressed, "#enroll-key")
    def action_show_key(self) -> None:
        if self.enrollment is not None:
            self.query_one(QrStage).toggle_key(self.enrollment.manual_key)

    @on(Button.Pressed, "#enroll-cancel")
    def action_cancel(self) -> None:
        self.replacing = None  # the old device stays: nothing was replaced
        if self.stage != "qr" or self.enrollment is None:
            return
        self.results[self.current_user] = UserResult(
            self.current_user, N_("cancelled; device deleted")
        )
        self._roll_back(N_("cancelled"))
        self._show_intro()

    def _roll_back(self, why: str) -> None:
        enrollment, self.enrollment = self.enrollment, None
        self.query_one(QrStage).clear()
        if enrollment is not None:
            self._rollback_worker(enrollment, why)

    @work(thread=True, exit_on_error=False, group="rollback")
    def _rollback_worker(self, enrollment: Enrollment, why: str) -> None:
        try:
            deleted = enrollment.rollback()
        finally:
            self.wizard.ctx.pending_enrollments.discard(enrollment)
        if deleted:
            self.post_message(DeviceRolledBack(why))

    @on(DeviceRolledBack)
    def _rolled_back(self, event: DeviceRolledBack) -> None:
        self.notify(
            _("{why}: the unfinished device was deleted.").format(why=_(event.why).capitalize()),
            title=_("Enroll"),
        )

    # ------------------------------------------------------------------ done

    def _next_user(self) -> None:
        if self.index + 1 < len(self.queue):
            self.index += 1
            self._show_intro()
            return
        self._show_done()

    def _show_done(self) -> None:
        self._switch("done")
        self.query_one(DoneStage).show(self.queue, self.results)
        self.wizard.ctx.selected_users.clear()
        self.queue = []
