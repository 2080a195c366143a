"""The in-process command line (tests/support/cli.py) prints on stderr what a real child would."""

from __future__ import annotations

import logging
import os
import sys
import threading

from tests.support.cli import _in_process


def test_stray_warnings_and_thread_errors_reach_stderr_as_in_a_child():
    def command(argv):
        logging.getLogger("some.library").warning("a warning nobody handles")
        thread = threading.Thread(target=lambda: 1 / 0)
        thread.start()
        thread.join()
        print("done", argv, os.environ.get("ONLY"), sys.stdin.isatty())
        return 0

    out = _in_process(command, "prog", ["x"], {"ONLY": "this"})
    assert out.returncode == 0
    assert out.stdout == "done ['x'] this False\n"
    assert "a warning nobody handles" in out.stderr
    assert "ZeroDivisionError" in out.stderr
    assert os.environ.get("ONLY") is None  # the worker's own environment is back


def test_exit_statuses_are_what_a_shell_sees():
    def usage_error(argv):
        raise SystemExit("usage: prog [-h]")

    said = _in_process(usage_error, "prog", [], {})
    assert (said.returncode, said.stderr) == (1, "usage: prog [-h]\n")
    assert _in_process(lambda argv: 256 + 2, "prog", [], {}).returncode == 2
    crashed = _in_process(lambda argv: 1 / 0, "prog", [], {})
    assert crashed.returncode == 1 and "Traceback" in crashed.stderr
