"""Virtual time for the suite: `sleep` moves the clock forward instead of waiting.

The product reads time and sleeps only through `wizard.clock`; the realism layer in front of moto
reads the same clock. Virtual time is the machine's time plus an offset, and `sleep(n)` adds n to
the offset at once: every wait still sees at least n seconds pass (AWS's propagation, the next
TOTP step, a code's 90 s of reuse), but nobody waits for them. Real time still flows under it, so
a subprocess that really sleeps (an end-to-end test) moves the layer's clock too.

The offset starts at 0 in every test (tests/conftest.py): a subprocess, which runs on the real
clock, then computes the same TOTP codes as the test and the layer, as long as the test has not
skipped time before starting it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time as _time
from pathlib import Path


class SkippingClock:
    """wizard.clock's Clock whose sleep skips ahead.

    Shared (`share(path)`): the offset lives in a file, so the test process (the realism layer)
    and the product in child processes (`child_command`) keep one virtual time: a child that
    waits for the next TOTP step skips ahead for everyone, and nobody waits 30 real seconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.offset = 0.0
        # Where a child process (a --totp-command script) reads the offset: see totp_script.
        self.offset_file: Path | None = None
        self.shared = False

    def reset(self) -> None:
        with self._lock:
            self.offset = 0.0
            self.offset_file = None
            self.shared = False

    def share(self, path: Path) -> Path:
        """Keep the offset in `path` from now on, for this process and its children."""
        with self._lock:
            path.write_text(repr(self.offset))
            self.offset_file = path
            self.shared = True
        return path

    def _offset(self) -> float:
        if self.shared and self.offset_file is not None:
            with contextlib.suppress(OSError, ValueError):  # mid-replace: the last value read
                self.offset = float(self.offset_file.read_text() or self.offset)
        return self.offset

    def time(self) -> float:
        return _time.time() + self._offset()

    def monotonic(self) -> float:
        return _time.monotonic() + self._offset()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                if self.shared and self.offset_file is not None:
                    self._add_shared(seconds)
                else:
                    self.offset += seconds
                    if self.offset_file is not None:
                        self.offset_file.write_text(repr(self.offset))
        _time.sleep(0)  # still let other threads run, as a real sleep would

    def _add_shared(self, seconds: float) -> None:
        import fcntl
        import os

        assert self.offset_file is not None
        with open(f"{self.offset_file}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.offset = float(self.offset_file.read_text() or 0.0) + seconds
            temp = f"{self.offset_file}.{os.getpid()}"
            Path(temp).write_text(repr(self.offset))
            os.replace(temp, self.offset_file)


CHILD_CLOCK_ENV = "MFA_WIZARD_TEST_CLOCK_FILE"


def child_command(module: str) -> list[str]:
    """argv that runs `python -m MODULE` in a child on the test's shared virtual time (the
    clock file named by CHILD_CLOCK_ENV in its environment; see SkippingClock.share)."""
    return [
        sys.executable,
        "-c",
        "import os, runpy, sys\n"
        "from pathlib import Path\n"
        "from wizard import clock\n"
        "from tests.support.clock import CHILD_CLOCK_ENV, SkippingClock\n"
        "c = SkippingClock()\n"
        "c.offset_file, c.shared = Path(os.environ[CHILD_CLOCK_ENV]), True\n"
        "clock.install(c)\n"
        f"sys.argv[0] = {module!r}\n"
        f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n",
    ]


def totp_script(folder: Path, seed: str) -> Path:
    """An executable that prints the TOTP code of `seed` at this test's virtual time: what a
    `--totp-command` (pass otp, ykman) prints, for the product run in-process, whose waits for
    the next time step skip ahead. The clock writes its offset where the script reads it."""
    CLOCK.offset_file = folder / "virtual-time-offset"
    CLOCK.offset_file.write_text(repr(CLOCK.offset))
    script = folder / "code.sh"
    program = (
        "import pyotp, sys, time; "
        "offset = float(open(sys.argv[1]).read()); "
        f"print(pyotp.TOTP({seed!r}).at(time.time() + offset))"
    )
    script.write_text(f'#!/bin/sh\nexec {sys.executable} -c "{program}" {CLOCK.offset_file}\n')
    script.chmod(0o700)
    return script


class _BotocoreTime:
    """What botocore.endpoint uses of `time`: its retry backoff sleeps in virtual time."""

    def __init__(self, clock: SkippingClock) -> None:
        self._clock = clock

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds)

    def time(self) -> float:
        return self._clock.time()

    def __getattr__(self, name: str) -> object:
        return getattr(_time, name)


CLOCK = SkippingClock()
BOTOCORE_TIME = _BotocoreTime(CLOCK)
