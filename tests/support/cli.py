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


HEAVY = ("boto3", "botocore", "keyring", "textual", "questionary", "configupdater")


def hit_imports(profile: str, env: dict[str, str]) -> tuple[int, list[str], str]:
    """Run mfa-session's hit path for `profile` in a fresh interpreter: (status, the heavy
    packages it imported, its stdout)."""
    probe = (
        "import sys\n"
        "from wizard.cli.session import run\n"
        f"rc = run(['--profile', {profile!r}, '--format', 'credential-process'])\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(rc, ','.join(heavy), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60
    )
    status, _, heavy = out.stderr.strip().splitlines()[-1].partition(" ")
    return int(status), [h for h in heavy.split(",") if h], out.stdout
