"""Start-up of the TUI: time to the first frame of `mfa-wizard --demo` against a bare Textual app.

    python benchmarks/startup.py [--runs 5]

Each program runs in a real 80x24 pseudo-terminal (pexpect); the clock stops when the first
screen's text appears in the terminal output, then the program is told to quit. The wizard's
first frame is its "Connecting" screen (the demo server starts behind it); the time until the
audit table is on screen is printed too. Also times
`mfa-wizard --demo audit --format json` (embedded server, seed, audit, exit) as a whole process.

First it prints how many distributions a plain `pip install .` brings (the project's runtime
requirements and theirs, with the extras they ask for, read from the installed metadata, the
project itself included), and whether moto is among them: the demo's moto is in the `demo` extra.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    def compose(self):
        yield Static("bare-first-frame")
        yield Footer()

Bare().run()
"""


def frames(argv: list[str], markers: list[str], env: dict[str, str]) -> list[float]:
    """Seconds from spawning `argv` in a pty until each of `markers` is on the screen, in order."""
    start = time.perf_counter()
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, dimensions=(24, 80), encoding="utf-8", timeout=60
    )
    seen = []
    for marker in markers:
        child.expect_exact(marker)
        seen.append(time.perf_counter() - start)
    child.sendcontrol("q")
    try:
        child.expect(pexpect.EOF, timeout=10)
    except pexpect.TIMEOUT:
        child.terminate(force=True)
    child.close()
    return seen


def whole_process(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def plain_install() -> set[str]:
    """Distributions a plain install of mfa-wizard brings: its runtime requirements (no extras of
    its own) and theirs, transitively, with the extras they ask for, as installed here."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen: set[tuple[str, str]] = set()
    todo: list[tuple[str, str]] = [("mfa-wizard", "")]
    while todo:
        name, extra = todo.pop()
        name = name.lower().replace("_", "-")
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            # A requirement's own extras (textual wants markdown-it-py[linkify]) count too.
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                todo.append((req.name, ""))
                todo.extend((req.name, wanted) for wanted in req.extras)
    return {name for name, _ in seen}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    plain = plain_install()
    print(f"plain install: {len(plain)} distributions (mfa-wizard and its runtime requirements)")
    print(f"  moto in a plain install: {'yes' if 'moto' in plain else 'no'}")
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=home, TERM="xterm-256color", COLUMNS="80", LINES="24")
        bare_script = Path(home) / "bare.py"
        bare_script.write_text(BARE_APP)
        wizard = [sys.executable, "-m", "wizard", "--demo"]
        bare_argv = [sys.executable, str(bare_script)]
        # The first frame of the wizard is the "Connecting" screen; the audit follows it.
        wizard_markers = ["Connecting to AWS", "credential report"]
        # Warm the OS file cache once so the first measured run is not a cold-disk outlier.
        frames(bare_argv, ["bare-first-frame"], env)
        frames(wizard, wizard_markers, env)
        bare, demo, audit_screen, audit = [], [], [], []
        for _ in range(args.runs):  # interleaved, so a busy moment hits both alike
            bare.append(frames(bare_argv, ["bare-first-frame"], env)[0])
            first, audited = frames(wizard, wizard_markers, env)
            demo.append(first)
            audit_screen.append(audited)
            audit.append(whole_process([*wizard, "audit", "--format", "json"], env))
    b, d, s, a = (statistics.median(x) * 1000 for x in (bare, demo, audit_screen, audit))
    print(f"runs: {args.runs} each, medians")
    print(f"bare Textual app, first frame:            {b:6.0f} ms")
    print(f"mfa-wizard --demo, first frame:           {d:6.0f} ms  ({d / b:.2f}x the bare app)")
    print(f"mfa-wizard --demo, audit table on screen: {s:6.0f} ms  ({s / b:.2f}x)")
    print(f"mfa-wizard --demo audit --format json:    {a:6.0f} ms  (whole process)")


if __name__ == "__main__":
    main()
