"""Where mfa-session asks for the MFA code: the terminal, a desktop dialog (zenity, kdialog,
osascript), a YubiKey (ykman), or a command that prints it (like aws-vault's prompt drivers).

Chosen by `--prompt`, else `MFA_SESSION_PROMPT`, else the profile's `mfa_prompt`, else: the
terminal when there is one, then the first desktop dialog found (a `credential_process` started
by an IDE or a GUI tool has no terminal). With neither, the request fails at once, naming both
ways to choose.

Every driver is one argv (never a shell) run with a timeout and a scrubbed environment: the
long-term AWS keys never reach it. What it prints is judged as a code by the caller.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable

from wizard.cli.prompts import has_terminal, to_tty
from wizard.errors import CancelledError, UsageError
from wizard.i18n import _

DRIVERS = ("terminal", "zenity", "kdialog", "osascript", "ykman", "command")
PROMPT_ENV = "MFA_SESSION_PROMPT"
# A person typing into a dialog; a key waiting for a touch; a command that should just print.
TIMEOUTS = {"zenity": 120, "kdialog": 120, "osascript": 120, "ykman": 30, "command": 15}
TOTP_COMMAND_TIMEOUT = TIMEOUTS["command"]
# What a code generator or a dialog may need from the environment; never the AWS keys.
ENV_KEEP = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_MESSAGES",
    "TERM",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "GNUPGHOME",
    "PASSWORD_STORE_DIR",
    "SSH_AUTH_SOCK",
)
TITLE = "mfa-session"


def desktop_drivers() -> list[str]:
    """The dialog drivers this desktop has, best first."""
    if sys.platform == "darwin":
        return ["osascript"] if shutil.which("osascript") else []
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return []  # no desktop session to show a dialog on
    return [name for name in ("zenity", "kdialog") if shutil.which(name)]


def choose(option: str | None, setting: str | None, profile: str = "") -> str:
    """The driver: --prompt, MFA_SESSION_PROMPT, the profile's mfa_prompt, else found."""
    for source, name in (
        ("--prompt", option),
        (PROMPT_ENV, os.environ.get(PROMPT_ENV)),
        (
            _("mfa_prompt (profile {profile})").format(profile=profile)
            if profile
            else "mfa_prompt",
            setting,
        ),
    ):
        if name:
            if name not in DRIVERS:
                raise UsageError(
                    _("{source} {name!r} is not a prompt driver").format(source=source, name=name),
                    _("use one of {join}").format(join=", ".join(DRIVERS)),
                )
            return name
    if has_terminal():
        return "terminal"
    found = desktop_drivers()
    if found:
        return found[0]
    raise no_prompt()


def no_prompt() -> UsageError:
    """No terminal and no dialog: said at once, never after a wait nobody can answer."""
    return UsageError(
        _(
            "no terminal to ask for the MFA code, and no desktop dialog (zenity, kdialog, "
            "osascript) to ask with"
        ),
        _(
            "choose one with --prompt (or mfa_prompt = ykman|command|... in the profile), or "
            "pass --code / --totp-command"
        ),
    )


def scrubbed_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in ENV_KEEP}


def require_program(name: str, program: str) -> None:
    """The driver's program is on PATH, or a UsageError naming it."""
    if shutil.which(program) is None:
        raise UsageError(
            _("the {name} prompt needs {program!r}, which is not on PATH").format(
                name=name, program=program
            ),
            _("install it, or choose another with --prompt ({join})").format(
                join=", ".join(DRIVERS)
            ),
        )


def run_driver(name: str, argv: list[str]) -> str:
    """Run one driver's argv; its stdout (stripped). Cancelled, missing, slow: a clear error."""
    import subprocess

    require_program(name, argv[0])
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=TIMEOUTS[name],
            env=scrubbed_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(
            _("the {name} prompt gave no code within {timeouts} s").format(
                name=name, timeouts=TIMEOUTS[name]
            ),
            _("run again"),
        ) from None
    if name in ("zenity", "kdialog", "osascript") and done.returncode != 0:
        # Cancel (or Esc, or the window closed): exit 1; osascript says "User canceled".
        raise CancelledError(_("the MFA code dialog was cancelled"), _("nothing was changed"))
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-1:] or [""]
        raise UsageError(
            _("{program} failed (exit {returncode}){said}").format(
                program=argv[0],
                returncode=done.returncode,
                said=": " + said[0][:200] if said[0] else "",
            ),
            _("run `{command} ...` by hand to see why").format(command=" ".join(argv[:4])),
        )
    return done.stdout.strip()


def notify(text: str) -> None:
    """A line for the person: on the terminal, else as a desktop notification, else stderr."""
    import subprocess

    if to_tty(text):
        return
    if sys.platform == "darwin" and shutil.which("osascript"):
        argv = ["osascript", "-e", "on run argv", "-e", f'display notification (item 1 of argv) with title "{TITLE}"', "-e", "end run", text]  # fmt: skip
    elif shutil.which("notify-send"):
        argv = ["notify-send", "--app-name", TITLE, TITLE, text]
    else:
        print(text, file=sys.stderr)
        return
    try:
        subprocess.run(argv, env=scrubbed_env(), timeout=5, capture_output=True, check=False)
    except (OSError, subprocess.TimeoutExpired):
        print(text, file=sys.stderr)


def question(profile: str, serial: str) -> str:
    return _("MFA code for profile {profile} (device {device}):").format(
        profile=profile, device=serial.rsplit("/", 1)[-1]
    )


def dialog_argv(name: str, text: str) -> list[str]:
    """The argv of a dialog asking `text`; the text is an argument, never code or a shell."""
    if name == "zenity":
        return ["zenity", "--entry", f"--title={TITLE}", f"--text={text}"]
    if name == "kdialog":
        return ["kdialog", "--title", TITLE, "--inputbox", text]
    return [
        "osascript",
        "-e",
        "on run argv",
        "-e",
        f'display dialog (item 1 of argv) default answer "" with title "{TITLE}"',
        "-e",
        "return text returned of result",
        "-e",
        "end run",
        text,
    ]


class CodeAsker:
    """The codes of one request: a fixed source (--code), or a driver chosen when the first
    code (or the wait for one) is needed, so a cache hit never looks for a terminal or a dialog.

    `ask(serial)` returns a code; `countdown(seconds)` hears the wait while the last code used
    is still on the device (None: no waiting, the code was given)."""

    def __init__(
        self,
        profile: str,
        option: str | None = None,
        command: str | None = None,
        fixed: Callable[[str], str] | None = None,
    ) -> None:
        self.profile = profile
        self.option = option
        self.command = command
        self.fixed = fixed
        self._driver: str | None = None

    @property
    def driver(self) -> str:
        if self._driver is None:
            self._driver = choose(self.option, self._setting("mfa_prompt"), self.profile)
        return self._driver

    def _setting(self, name: str) -> str | None:
        from wizard.session.profiles import prompt_setting

        return prompt_setting(self.profile, name)

    def ask(self, serial: str) -> str:
        if self.fixed is not None:
            return self.fixed(serial)
        driver = self.driver
        if driver == "terminal":
            from wizard.cli.prompts import tty_prompt

            return tty_prompt(_("MFA code for {device}: ").format(device=serial.rsplit("/", 1)[-1]))
        if driver == "command":
            command = self.command or self._setting("mfa_prompt_command")
            if not command:
                raise UsageError(
                    _("the command prompt needs a command that prints the code"),
                    _("set mfa_prompt_command = ... in the profile, or pass --totp-command CMD"),
                )
            what = "--totp-command" if self.command else "mfa_prompt_command"
            return run_totp_command(command, what)
        if driver == "ykman":
            account = self._setting("mfa_ykman_account") or serial
            require_program("ykman", "ykman")  # before asking for a touch
            notify(
                _("{title}: touch your YubiKey if it blinks (profile {profile}, {account})").format(
                    title=TITLE, profile=self.profile, account=account
                )
            )
            return run_driver("ykman", ["ykman", "oath", "accounts", "code", "--single", account])
        return run_driver(driver, dialog_argv(driver, question(self.profile, serial)))

    @property
    def countdown(self) -> Callable[[int], None] | None:
        return None if self.fixed is not None else self._countdown

    def _countdown(self, seconds: int) -> None:
        from wizard.cli.prompts import code_countdown, require_terminal

        if self.driver == "terminal":
            # The code is to be typed: with no terminal to type it on, say so now, not after
            # waiting up to 30 s for a code nobody can type.
            require_terminal()
        code_countdown(seconds)


def run_totp_command(command: str, what: str = "--totp-command") -> str:
    """Run a command that prints the code (--totp-command, mfa_prompt_command): split like a
    shell (no shell), a scrubbed environment, a timeout; its stderr is shown; whatever it prints
    is judged as a code by the caller."""
    import shlex
    import subprocess

    from wizard.cli.prompts import tty_say

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(
            _("the {what} cannot be parsed ({exc})").format(what=what, exc=exc),
            _("check its quoting"),
        ) from None
    if not argv:
        raise UsageError(
            _("the {what} is empty").format(what=what), _("give the command that prints the code")
        )
    try:
        out = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=TOTP_COMMAND_TIMEOUT,
            env=scrubbed_env(),
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise UsageError(
            _("the {what} {argv!r} was not found").format(what=what, argv=argv[0]),
            _("check the path"),
        ) from None
    except subprocess.TimeoutExpired:
        raise UsageError(
            _("the {what} took over {totp_command_timeout} s").format(
                what=what, totp_command_timeout=TOTP_COMMAND_TIMEOUT
            ),
            _("check the command"),
        ) from None
    if out.stderr.strip():
        tty_say(f"{what} said: {out.stderr.strip()[:500]}")
    if out.returncode != 0:
        raise UsageError(
            _("the {what} failed (exit {returncode})").format(what=what, returncode=out.returncode),
            _("run it by hand to see why"),
        )
    return out.stdout.strip()
