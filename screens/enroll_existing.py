"""The Enroll step's actions on a user's existing devices: replace a lost phone's device, resync
a drifting one, remove a leftover no one holds. A base of EnrollmentScreen, which owns the walk
and the QR."""

from __future__ import annotations

from textual import on, work
from textual.widgets import Button, Input, Select

from screens.base import StepScreen
from screens.dialogs import ResyncDialog, replace_confirmation
from screens.enroll_messages import DeviceRemoved, DeviceResynced, LeftoverRemoved
from wizard.enrollment import deactivate_device, resync_device
from wizard.i18n import _
from wizard.models import gives_codes


class ExistingDeviceActions(StepScreen):
    """Replace and Resync, on the device chosen in the intro's list."""

    replacing: tuple[str, str] | None
    stage: str
    leftover: str | None

    @property
    def current_user(self) -> str:
        raise NotImplementedError

    def _create_now(self, user: str, name: str) -> None:
        raise NotImplementedError

    def _show_intro(self) -> None:
        raise NotImplementedError

    @on(Button.Pressed, "#enroll-remove-leftover")
    def action_remove_leftover(self) -> None:
        if self.stage == "intro" and self.leftover:
            self._remove_leftover(self.leftover)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enroll-lookup")
    def _remove_leftover(self, serial: str) -> None:
        from wizard.enrollment import remove_leftover

        remove_leftover(self.wizard.ctx.services, serial)
        self.post_message(LeftoverRemoved(serial))

    @on(LeftoverRemoved)
    def _leftover_removed(self, event: LeftoverRemoved) -> None:
        self.notify(
            _("Removed the leftover {device}.").format(device=event.serial.rsplit("/", 1)[-1]),
            title=_("Enroll"),
        )
        self._show_intro()

    @on(Button.Pressed, "#enroll-replace")
    @work(exclusive=True, group="enroll-dialog")
    async def _replace_pressed(self) -> None:
        serial = self.query_one("#existing-device", Select).value
        if not isinstance(serial, str):
            return
        user = self.current_user
        ok = await self.app.push_screen_wait(replace_confirmation(user, serial))
        if ok:
            self._replace(user, serial, self.query_one("#device-name", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enroll")
    def _replace(self, user: str, serial: str, name: str) -> None:
        # The new device first (up to 8 are allowed): a cancel or a failure before it is enabled
        # leaves the user with the old one, never with no MFA at all.
        self.replacing = (user, serial)
        self._create_now(user, name)

    @work(thread=True, exit_on_error=False, group="enroll-replace")
    def _remove_replaced(self, user: str, serial: str) -> None:
        deactivate_device(self.wizard.ctx.services, user, serial, delete=True)
        self.post_message(DeviceRemoved(user, serial))

    @on(DeviceRemoved)
    def _device_removed(self, event: DeviceRemoved) -> None:
        self.notify(
            _("Removed {rsplit} from {user}.").format(
                rsplit=event.serial.rsplit("/", 1)[-1], user=event.user
            )
        )

    @on(Button.Pressed, "#enroll-resync")
    @work(exclusive=True, group="enroll-dialog")
    async def _resync_pressed(self) -> None:
        serial = self.query_one("#existing-device", Select).value
        if not isinstance(serial, str):
            return
        if not gives_codes(serial):
            # A security key has no clock to drift: nothing to resync.
            self.notify(_("A security key or passkey has no codes to resync."), severity="warning")
            return
        codes = await self.app.push_screen_wait(ResyncDialog(self.current_user, serial))
        if codes:
            self._resync(self.current_user, serial, *codes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enroll")
    def _resync(self, user: str, serial: str, first: str, second: str) -> None:
        resync_device(self.wizard.ctx.services, user, serial, first, second)
        self.post_message(DeviceResynced(serial))

    @on(DeviceResynced)
    def _device_resynced(self, event: DeviceResynced) -> None:
        self.notify(_("Resynchronised {rsplit}.").format(rsplit=event.serial.rsplit("/", 1)[-1]))
