"""The suite's own cost: wall time, CPU seconds (as `time` counts them: pytest, its xdist workers
and every process they started), the test count and the ten slowest tests.

    .venv/bin/python benchmarks/suite.py            # the README's test command, as it is
    .venv/bin/python benchmarks/suite.py -n 2       # extra arguments go to pytest

Issue 27's bar: 90 s wall on two cores (the README's command), and CPU seconds that do not grow
with the number of workers more than they must. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    pytest = Path(sys.executable).with_name("pytest")
    command = [str(pytest), "-q", "--durations=10", *sys.argv[1:]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    lines = run.stdout.splitlines()
    summary = next(
        (line for line in reversed(lines) if re.search(r"\d+ (passed|failed)", line)), ""
    )
    slowest = [
        line.strip() for line in lines if re.match(r"\s*\d+\.\d+s (call|setup|teardown)", line)
    ]
    print(f"command: {' '.join(['pytest', *command[1:]])}")
    print(f"result:  {summary.strip('= ') or f'exit status {run.returncode}'}")
    print(f"wall:    {wall:6.1f} s")
    print(f"CPU:     {user + system:6.1f} s  (user {user:.1f} + system {system:.1f})")
    print("ten slowest:")
    for line in slowest[:10]:
        print(f"  {line}")
    if run.returncode != 0:
        print(run.stdout[-3000:], run.stderr[-2000:], sep="\n")
        raise SystemExit(run.returncode)


if __name__ == "__main__":
    main()
