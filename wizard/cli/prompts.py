"""Questions to the person at the terminal: questionary on a terminal, plain lines from a pipe."""

from __future__ import annotations

import sys
from typing import TextIO

from wizard.errors import CancelledError, UsageError
from wizard.i18n import _


def ask(question: str) -> str:
    """One line from the user: questionary on a terminal, a plain line from a pipe."""
    if sys.stdin.isatty():
        import questionary

        answer = questionary.text(question).ask()
        if answer is None:  # questionary turns Ctrl-C into None
            raise KeyboardInterrupt
        return answer
    print(question, end=" ", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise CancelledError(_("no more input"), _("run the command again on a terminal"))
    return line.rstrip("\n")


def confirm(question: str, assume_yes: bool) -> bool:
    """Yes/no: --yes answers for the user; without a terminal, the answer is no."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        print(
            _("{question} (not confirmed: pass --yes when not on a terminal)").format(
                question=question
            ),
            file=sys.stderr,
        )
        return False
    import questionary

    answer = questionary.confirm(question, default=False).ask()
    if answer is None:  # Ctrl-C at the question: the same exit 130 as everywhere else
        raise KeyboardInterrupt
    return bool(answer)


def no_terminal() -> UsageError:
    """The error when the MFA code is to be typed and there is no terminal to type it on."""
    return UsageError(
        _("no terminal to ask for the MFA code"),
        _(
            "choose another prompt with --prompt (or mfa_prompt in the profile: zenity, "
            "kdialog, osascript, ykman, command), pass --code / --totp-command, or run it in "
            "a terminal"
        ),
    )


def has_terminal() -> bool:
    """True when the controlling terminal can be opened now (not merely a tty on stdin)."""
    try:
        open("/dev/tty").close()  # noqa: SIM115 - only a probe
    except OSError:
        return False
    return True


def require_terminal() -> None:
    """Raise no_terminal() unless the controlling terminal can be opened now."""
    if not has_terminal():
        raise no_terminal()


def tty_prompt(question: str) -> str:
    """Ask on the controlling terminal, never on stdout/stderr (they may be piped or captured).

    `eval "$(mfa-session)"` captures stdout, and botocore's credential_process captures stdout
    and stderr, so the terminal itself is the only way to reach the person. It is opened twice,
    once to read and once to write: a single "r+" text handle needs a seekable file, which a
    terminal is not (io.UnsupportedOperation in every real pty).
    """
    try:
        reader = open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - closed below, both handles
    except OSError:
        raise no_terminal() from None
    try:
        with open("/dev/tty", "w", encoding="utf-8") as writer:
            writer.write(question)
            writer.flush()
        line = reader.readline()
    finally:
        reader.close()
    if not line:
        raise CancelledError(_("no MFA code given (end of input)"), _("nothing was changed"))
    return line.strip()


def discard_typed_ahead(tty: object) -> None:
    """Drop what was typed during a countdown: it was no answer to the question that follows,
    and each line of it would be taken as one, spending a try. Only after a countdown: flushed
    before every question, a Ctrl-C pressed as the question appears could be dropped with it
    before the terminal turned it into a signal."""
    try:
        import termios

        termios.tcflush(tty.fileno(), termios.TCIFLUSH)  # type: ignore[attr-defined]
    except (ImportError, OSError, ValueError, AttributeError):
        pass  # not a terminal (or not POSIX): nothing was typed ahead there


def to_tty(text: str) -> bool:
    """One line on the controlling terminal; False when there is none."""
    try:
        with open("/dev/tty", "w", encoding="utf-8") as tty:
            tty.write(text + "\n")
    except OSError:
        return False
    return True


def tty_say(text: str) -> None:
    """A message for the person at the terminal (stderr when there is no terminal)."""
    if not to_tty(text):
        print(text, file=sys.stderr)


def code_countdown(seconds: int) -> None:
    """One terminal line, rewritten each second, while the used code is still on the device."""
    text = (
        "\r"
        + _("That code was just used or refused; the next one in {seconds:2d} s ").format(
            seconds=seconds
        )
        if seconds
        else "\r" + " " * 60 + "\r"
    )
    try:
        with open("/dev/tty", "w", encoding="utf-8") as tty:
            tty.write(text)
            if not seconds:  # the wait is over: what was typed during it is no answer
                discard_typed_ahead(tty)
    except OSError:
        if seconds and seconds % 10 == 0:
            print(text.strip("\r").strip(), file=sys.stderr)


def open_terminal() -> TextIO | None:
    """A writer on the controlling terminal, or None: the QR and the key go nowhere else."""
    try:
        return open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError:
        return None


def write_qr(terminal: TextIO, matrix: list[list[bool]]) -> None:
    """A QR on the terminal in half blocks, black on white whatever the terminal's theme."""
    from wizard.qr import half_block_lines

    terminal.write("".join(f"\x1b[30;107m{line}\x1b[0m\n" for line in half_block_lines(matrix)))
