"""Cache-hit speed of `mfa-session --format credential-process` against `python -c pass`.

    python benchmarks/session.py [--runs 20]

Fills the cache once against an embedded moto server, then times whole processes, as botocore
would start them for a credential_process profile.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wizard.demo import seed_account
from wizard.demo_server import start_server


def timed(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    server, url = start_server()
    home = Path(tempfile.mkdtemp(prefix="mfa-session-bench-"))
    try:
        account = seed_account(url)
        aws = home / ".aws"
        aws.mkdir()
        (aws / "config").write_text(
            f"[profile dev]\nregion = us-east-1\nmfa_serial = {account.admin_mfa_serial}\n"
        )
        (aws / "credentials").write_text(
            f"[dev]\naws_access_key_id = {account.admin_access_key_id}\n"
            f"aws_secret_access_key = {account.admin_secret_access_key}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            HOME=str(home),
            XDG_CACHE_HOME=str(home / ".cache"),
            AWS_ENDPOINT_URL=url,
            AWS_CONFIG_FILE=str(aws / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
        )
        script = Path(sys.executable).parent / "mfa-session"
        session_cmd = (
            [str(script)] if script.exists() else [sys.executable, "-m", "wizard.cli.session"]
        )
        fill = subprocess.run(
            [*session_cmd, "--profile", "dev", "--code", "123456"],
            env=env,
            capture_output=True,
            text=True,
        )
        if fill.returncode != 0:
            raise SystemExit(f"could not fill the cache: {fill.stderr}")
        hit_cmd = [*session_cmd, "--profile", "dev", "--format", "credential-process"]
        timed(hit_cmd, env, 2)  # warm the OS file cache
        baseline = timed([sys.executable, "-c", "pass"], env, args.runs)
        hits = timed(hit_cmd, env, args.runs)
        # The same hit without pip's console-script wrapper (which imports `re` on its own).
        bare_cmd = [
            sys.executable,
            "-c",
            "from wizard.cli.fast import main; main()",
            "--profile",
            "dev",
            "--format",
            "credential-process",
        ]
        bare = timed(bare_cmd, env, args.runs)
        probe = (
            "import sys; before = set(sys.modules)\n"
            "from wizard.cli.fast import cached_output\n"
            "hit = cached_output(['--profile', 'dev', '--format', 'credential-process'])\n"
            "print('hit' if hit else 'MISS', ' '.join(sorted(set(sys.modules) - before)))\n"
        )
        imported = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True
        ).stdout.strip()
        miss = timed(
            [*session_cmd, "--profile", "dev", "--code", "123456", "--refresh", "--format", "json"],
            env,
            max(3, args.runs // 5),
        )
        b, h, m, n = (statistics.median(x) * 1000 for x in (baseline, hits, miss, bare))
        print(f"runs: {args.runs} (median of each)")
        print(f"python -c pass:                        {b:7.1f} ms")
        print(f"mfa-session cache hit (cred-process):  {h:7.1f} ms")
        print(f"mfa-session cache miss (GetSessionToken over HTTP): {m:7.1f} ms")
        print(f"ratio hit / python -c pass:            {h / b:7.2f}x")
        print(f"hit without the console-script wrapper: {n:7.1f} ms ({n / b:.2f}x)")
        print(f"hit path imports: {imported}")
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
