"""Running the console scripts as a user would: a subprocess with its own environment."""

from __future__ import annotations

import subprocess
import sys


def mfa_wizard(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    """`mfa-wizard ARGS` (as `python -m wizard`), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def mfa_session(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    """`mfa-session ARGS` with no terminal (stdin is /dev/null), output captured."""
    return subprocess.run(
        [sys.executable, "-c", "from wizard.cli.session import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
