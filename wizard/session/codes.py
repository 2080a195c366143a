"""A TOTP code is used once: remember each device's last used time step, never the code.

AWS refuses a code that was already used (for about 90 s). A person who runs mfa-session twice
within one 30-second step would type the same code twice and be refused. So after each code sent
(accepted or refused) we write down its time step (per device, a hash of the serial, in the cache
directory), and before asking the next time we wait for the step to change, with a countdown.

Asking for a code, sending it and writing down its step is one critical section per device
(`device_turn`, a file lock across processes): two profiles on the same user's keys, a `--region`
variant or two role profiles never ask at once and send the same code.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from wizard import clock as timing
from wizard.session.keys import sha256_hex

STEP = 30  # seconds per TOTP code (RFC 6238 default; every AWS virtual device uses it)


def _path() -> Path:
    from wizard.session.cache import cache_dir

    # Beside the sessions, not among them: it holds no credential, only time steps.
    return cache_dir().parent / "used-steps"


def _device(serial: str) -> str:
    return sha256_hex(serial)[:16]


def _read(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}


@contextlib.contextmanager
def device_turn(serial: str) -> Iterator[None]:
    """This process's turn with the device `serial`: ask, send, write down, as one step.

    Held across processes (a lock file named by the serial's hash, beside the used steps);
    whoever waits here then finds the step used and waits for the next code, or finds the
    session the holder just made (`wizard.session.request`).
    """
    from wizard.session.cache import miss_lock

    with miss_lock(_path().parent / "devices", _device(serial)):
        yield


def last_used_step(serial: str) -> int | None:
    """The time step of the last code accepted for `serial`, if remembered."""
    return _read(_path()).get(_device(serial))


def remember_used(serial: str, when: float | None = None) -> None:
    """Write down that the code of this moment's step was used for `serial` (0600, atomic)."""
    from wizard.files import write_text_atomic
    from wizard.session.cache import miss_lock

    path = _path()
    step = int((timing.time() if when is None else when) // STEP)
    with contextlib.suppress(OSError), miss_lock(path.parent, "used-steps"):
        # Read, change and write under a lock: two devices writing at once never lose a step.
        steps = _read(path)
        steps[_device(serial)] = step
        # Keep the file small: only steps of the last hour matter.
        oldest = step - 120
        steps = {k: v for k, v in steps.items() if v >= oldest}
        write_text_atomic(path, json.dumps(steps), mode=0o600)


def seconds_until_fresh(serial: str, now: float | None = None) -> float:
    """0 when the code on the device now has not been used; else the seconds to the next one."""
    moment = timing.time() if now is None else now
    used = last_used_step(serial)
    if used is None or moment // STEP > used:
        return 0.0
    return (used + 1) * STEP - moment


def wait_for_fresh_code(
    serial: str,
    countdown: Callable[[int], None],
    sleep: Callable[[float], None] = timing.sleep,
    clock: Callable[[], float] = timing.time,
) -> float:
    """Wait until the device shows a code not used yet; `countdown(seconds_left)` each second.

    Returns the seconds waited (0 when the current code is fresh).
    """
    left = seconds_until_fresh(serial, clock())
    waited = 0.0
    while left > 0:
        countdown(int(left + 0.999))
        pause = min(1.0, left)
        sleep(pause)
        waited += pause
        left = seconds_until_fresh(serial, clock())
    if waited:
        countdown(0)
    return waited
