"""The product's one clock: wall time, monotonic time and sleeping, all from here.

Every wait the wizard makes (propagation backoff, the next TOTP step, a code-reuse wait, the
credential report's polling, the drill) reads the time and sleeps through these three functions,
never through `time` directly. The test suite installs a clock whose `sleep` moves time forward
instead of waiting (tests/support/clock.py); the realism layer in front of moto reads the same
clock, so AWS's propagation and code-reuse rules are kept in that same time.

Standard library only: this is on mfa-session's cache-hit path.
"""

from __future__ import annotations

import time as _time

# `typing` only for type checkers: mfa-session's cache-hit path imports this module and must not
# pay for `typing` (the fast path imports nothing it does not use).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class Clock(Protocol):
        """What a clock gives: seconds since the epoch, a monotonic reading, and a sleep."""

        def time(self) -> float: ...

        def monotonic(self) -> float: ...

        def sleep(self, seconds: float) -> None: ...


class RealClock:
    """The machine's clock."""

    def time(self) -> float:
        return _time.time()

    def monotonic(self) -> float:
        return _time.monotonic()

    def sleep(self, seconds: float) -> None:
        _time.sleep(seconds)


_current: Clock = RealClock()


def install(new: Clock) -> Clock:
    """Make `new` the clock of this process; returns the one it replaces."""
    global _current
    previous, _current = _current, new
    return previous


def time() -> float:
    """Seconds since the epoch, as `time.time()`."""
    return _current.time()


def monotonic() -> float:
    """A reading that only goes forward, as `time.monotonic()`."""
    return _current.monotonic()


def sleep(seconds: float) -> None:
    """Wait `seconds`, as `time.sleep()`."""
    _current.sleep(seconds)
