"""Running the command line as a user would.

`mfa_wizard` and `mfa_session` call the command line in this process: the same argument parsing,
handlers, error translation and exit status as the console scripts, with the environment, stdin,
stdout and stderr of a child process, and the suite's virtual clock (tests/support/clock.py), so
no wait is real and no interpreter start is paid (issue 27: each start cost 0.5-1 CPU-second).

`mfa_wizard_process` and `mfa_session_process` start a real interpreter. Only what a subprocess
alone proves uses them: the entry points, start-up imports, signals, locks across processes, exec.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from unittest import mock


class _Closed(io.StringIO):
    """stdin of a child started with stdin=/dev/null: empty, not a terminal, no descriptor."""

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _as_a_child(env: Mapping[str, str]) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """This process dressed as a child: exactly `env` as its environment (argparse's width from
    COLUMNS as a pipe gives it), an empty stdin, captured stdout and stderr; all put back after.

    What a child prints on stderr by itself is printed here too: a log record that reaches no
    handler (Python's last-resort handler, with pytest's capturing handlers off the root logger
    meanwhile) and an exception that ends a thread (the interpreter's own hook, not pytest's).
    The environment is the whole worker's while the command runs: the in-process moto server's
    threads see it too, which they ignore."""
    child_env = {"COLUMNS": "80", "LINES": "24", **env}
    out, err = io.StringIO(), io.StringIO()

    def no_exec(*args: object, **kwargs: object) -> None:
        raise AssertionError("exec in-process would replace the test worker: use *_process")

    with (
        mock.patch.dict(os.environ, child_env, clear=True),
        mock.patch.object(sys, "stdin", _Closed()),
        mock.patch.object(os, "execvpe", no_exec),
        mock.patch.object(logging.getLogger(), "handlers", []),
        mock.patch.object(threading, "excepthook", threading.__excepthook__),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        yield out, err


def _in_process(
    run: Callable[[Sequence[str]], int], prog: str, args: Sequence[str], env: Mapping[str, str]
) -> subprocess.CompletedProcess:
    with _as_a_child(env) as (out, err):
        try:
            status = run(list(args))
        except SystemExit as exit_:  # argparse's usage errors and --help, as in the script
            code = exit_.code
            status = code if isinstance(code, int) else (0 if code is None else 1)
            if isinstance(code, str):
                print(code, file=sys.stderr)
        except Exception:  # an uncaught error: the interpreter's traceback and status 1
            traceback.print_exc()
            status = 1
    # An exit status is a byte, as the shell sees it.
    return subprocess.CompletedProcess([prog, *args], status & 0xFF, out.getvalue(), err.getvalue())


def mfa_wizard(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    """`mfa-wizard ARGS`, in this process (see the module's docstring); output captured.
    `--demo` runs as a real subprocess: its moto server would share this process's moto backends
    (they are module globals) with the suite's own server."""
    if "--demo" in args or "demo-server" in args:
        return mfa_wizard_process(*args, env=env, timeout=timeout)
    from wizard.cli.main import run

    return _in_process(run, "mfa-wizard", args, env)


def mfa_session(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    """`mfa-session ARGS` with no terminal (stdin is empty), in this process; output captured.
    The full path (`wizard.cli.session`), as the fast path hands over to it on anything but a
    plain hit. `exec` replaces its process, so it runs as a real subprocess."""
    if args and args[0] == "exec":
        return mfa_session_process(*args, env=env, timeout=timeout)
    from wizard.cli.session import run

    return _in_process(run, "mfa-session", args, env)


def mfa_wizard_process(
    *args: str, env: dict[str, str], timeout: int = 120
) -> subprocess.CompletedProcess:
    """`mfa-wizard ARGS` (as `python -m wizard`) in a real interpreter, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "wizard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def mfa_session_process(
    *args: str, env: dict[str, str], timeout: int = 60
) -> subprocess.CompletedProcess:
    """`mfa-session ARGS` in a real interpreter with no terminal (stdin is /dev/null)."""
    return subprocess.run(
        [sys.executable, "-c", "from wizard.cli.session import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_process(
    module: str, *args: str, env: dict[str, str], clock_file: Path | None = None
) -> subprocess.Popen:
    """`python -m MODULE ARGS` started in a real interpreter with no terminal, output piped:
    for what runs at the same time as something else (locks across processes, signals).

    With `clock_file` (CLOCK.share's), the child runs on the test's shared virtual time: its
    waits for the next TOTP step skip ahead, for the realism layer too.
    """
    from tests.support.clock import CHILD_CLOCK_ENV, child_command

    argv = [sys.executable, "-m", module]
    if clock_file is not None:
        argv = child_command(module)
        env = {**env, CHILD_CLOCK_ENV: str(clock_file)}
    return subprocess.Popen(
        [*argv, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
