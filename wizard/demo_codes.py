"""MFA codes in the demo as AWS treats them, and a way for mfa-session to get one.

- `check_codes()`: moto accepts any MFA code. The demo refuses a wrong code, and a code already
  accepted (for 90 s), on GetSessionToken and on AssumeRole with a TokenCode, with AWS's own
  error, so that mfa-session's retries and waits meet in the demo what they meet on AWS.
- `CodeServer`: the demo's virtual devices have no phone. The demo serves the current code of a
  device on a Unix socket in its private temporary folder (mode 0700), so a `--totp-command`
  (`mfa-wizard demo-code --socket PATH [USER]`) can print it. The seed never leaves the demo's
  process: not in a file, not on the command line.

Demo only: started by `wizard.demo.start_demo`, never by the suite's server.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from typing import Any

from wizard import clock
from wizard.errors import UsageError
from wizard.i18n import _

STEP = 30
REUSE_SECONDS = 90  # AWS refuses a code it accepted, from any tool, for a while
INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code."
USED = (
    "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
    "serial number is valid and associated with this user."
)


def _iam_backend(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["global"]


def device_seed(serial: str) -> str | None:
    """The seed moto made for a virtual MFA device (of the account its ARN names)."""
    parts = serial.split(":")
    if len(parts) < 6 or not parts[4].isdigit():
        return None
    device = _iam_backend(parts[4]).virtual_mfa_devices.get(serial)
    return device.base32_string_seed if device is not None else None


def check_codes() -> None:
    """Patch moto's STS to judge TokenCode as AWS does (once per process)."""
    import moto.sts.responses
    import pyotp
    from moto.sts.exceptions import STSClientError

    response = moto.sts.responses.TokenResponse
    if getattr(response, "_mfa_wizard_codes", False):
        return
    import warnings

    # moto warns that STS's model has no AccessDenied shape; botocore reads the code all the same.
    warnings.filterwarnings("ignore", message=r".*does not match an error shape")
    used: dict[tuple[str, int], float] = {}
    lock = threading.Lock()

    def judge(self: Any) -> None:
        code = self._get_param("TokenCode")
        if not code:
            return  # AssumeRole without MFA: nothing to judge
        serial = self._get_param("SerialNumber") or ""
        seed = device_seed(serial)
        if seed is None:
            raise STSClientError("AccessDenied", USED)  # AWS: no such device for this user
        totp = pyotp.TOTP(seed)
        now = clock.time()
        current = int(now) // STEP
        with lock:
            for step in (current - 1, current, current + 1):
                if totp.at(step * STEP) != code:
                    continue
                when = used.get((serial, step))
                if when is not None and now - when < REUSE_SECONDS:
                    raise STSClientError("AccessDenied", USED)
                used[(serial, step)] = now
                return
        raise STSClientError("AccessDenied", INVALID)

    for name in ("get_session_token", "assume_role"):
        original = getattr(response, name)

        def checked(self: Any, original: Any = original) -> Any:
            judge(self)
            return original(self)

        setattr(response, name, checked)
    response._mfa_wizard_codes = True


def _serial_of(who: str, account_id: str) -> str | None:
    """A user's first virtual device (or `who` itself when it is a serial)."""
    if who.startswith("arn:"):
        return who
    user = _iam_backend(account_id).users.get(who)
    if user is None:
        return None
    serials = [s for s in list(user.mfa_devices) if device_seed(s) is not None]
    return serials[0] if serials else None


class CodeServer:
    """The current code of a demo device, one line per connection: USER (or serial) in, the
    code out, or `error: ...`."""

    def __init__(self, path: str, default_user: str, account_id: str) -> None:
        import pyotp

        self.path = path
        self.account_id = account_id
        self.default_user = default_user
        self._pyotp = pyotp
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.bind(path)
        os.chmod(path, 0o600)
        self._socket.listen(8)
        self._thread = threading.Thread(target=self._serve, name="demo-codes", daemon=True)
        self._thread.start()

    def _answer(self, who: str) -> str:
        serial = _serial_of(who or self.default_user, self.account_id)
        seed = device_seed(serial) if serial else None
        if seed is None:
            return "error: " + _("the demo has no virtual MFA device for {user!r}").format(
                user=who or self.default_user
            )
        return self._pyotp.TOTP(seed).at(clock.time())

    def _serve(self) -> None:
        while True:
            try:
                connection, _unused = self._socket.accept()
            except OSError:
                return  # closed
            with connection, contextlib.suppress(OSError):
                connection.settimeout(5)
                asked = connection.recv(512).decode("utf-8", "replace").strip()
                try:
                    answer = self._answer(asked)
                except Exception:  # moto changing under us: this answer fails, never the server
                    answer = "error: " + _("the demo could not read that device now; try again")
                connection.sendall((answer + "\n").encode())

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def demo_code(path: str, who: str = "") -> str:
    """Ask a running demo for the current code of `who`'s device (default: the demo admin)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(5)
            client.connect(path)
            client.sendall((who + "\n").encode())
            answer = client.makefile("r", encoding="utf-8").readline().strip()
    except OSError:
        raise UsageError(
            _("no demo is running at {path}").format(path=path),
            _("start `mfa-wizard demo-server` and use the --totp-command it prints"),
        ) from None
    if answer.startswith("error: ") or not answer:
        raise UsageError(
            answer.removeprefix("error: ") or _("the demo gave no code"), _("check the user")
        )
    return answer
