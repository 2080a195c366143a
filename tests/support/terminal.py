"""A program in a real pseudo-terminal, seen the way a person sees it: an 80x24 screen.

pexpect gives the program a real pty (so /dev/tty, isatty and the window size are real), and
pyte, a VT100 emulator, keeps the screen those bytes draw, so a test can look at what is on the
screen now (not at the output stream, which may have scrolled away) and read a QR off it.
"""

from __future__ import annotations

import signal
import time

import pexpect
import pyte

QR_CHARS = set("█▀▄")


def interruptible() -> None:
    """In the child, before exec: Ctrl-C interrupts, as at a person's terminal.

    A job started in the background of a non-interactive shell (how CI may start the suite)
    inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler at all.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """One program on a COLUMNS x ROWS terminal."""

    def __init__(self, argv: list[str], env: dict[str, str], columns: int = 80, rows: int = 24):
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.output = b""
        self.child = pexpect.spawn(
            argv[0],
            argv[1:],
            env={**env, "TERM": "xterm"},
            dimensions=(rows, columns),
            preexec_fn=interruptible,
        )
        # Answer the program's terminal queries (cursor position) as a real terminal does.
        self.screen.write_process_input = lambda data: self.child.send(data.encode())

    def _pump(self, timeout: float) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self.output += data
        self.stream.feed(data)
        return True

    def text(self) -> str:
        """Everything the program wrote so far (decoded), scrolled off or not."""
        return self.output.decode("utf-8", "replace")

    def lines(self) -> list[str]:
        """The screen as it is now, one string per row."""
        return list(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        """Read until `needle` appears in the output; fail with the screen if it does not."""
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if time.monotonic() > deadline or not self._pump(0.2):
                if needle in self.text():
                    return
                raise AssertionError(
                    f"{needle!r} never appeared; screen:\n" + "\n".join(self.lines())
                )

    def send_line(self, text: str) -> None:
        self.child.send(text.encode() + b"\r")

    def send_control(self, char: str) -> None:
        self.child.sendcontrol(char)

    def wait_exit(self, timeout: float = 30) -> int:
        """Drain the output until the program ends; its exit status (128+N for signal N)."""
        deadline = time.monotonic() + timeout
        while self._pump(0.2):
            if time.monotonic() > deadline:
                raise AssertionError("the program did not end; screen:\n" + "\n".join(self.lines()))
        self.child.close()
        if self.child.exitstatus is not None:
            return self.child.exitstatus
        return 128 + (self.child.signalstatus or 0)

    def qr_lines(self) -> list[str]:
        """The QR as it is on screen now: the rows drawn on a coloured background, cut to it.

        Light modules are spaces, so the QR's extent is read from the cells' background colour
        (the QR is drawn black on white), exactly as a camera would see the block.
        """
        rows = []
        for y in range(self.screen.lines):
            row = self.screen.buffer[y]
            painted = [x for x in range(self.screen.columns) if row[x].bg != "default"]
            if painted and any(row[x].data in QR_CHARS for x in painted):
                rows.append((y, painted[0], painted[-1]))
        if not rows:
            return []
        return [
            "".join(self.screen.buffer[y][x].data or " " for x in range(left, right + 1))
            for y, left, right in rows
        ]
