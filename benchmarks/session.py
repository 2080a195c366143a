"""Cache-hit speed of `mfa-session --format credential-process` against `python -c pass`, for a
plain profile (long-term keys) and a role profile (role_arn + source_profile) side by side.

    python benchmarks/session.py [--runs 30]

Fills the cache once against an embedded moto server, then times whole processes, as botocore
would start them for a credential_process profile. The three commands are run in turn, round
after round (paired), so a busy moment of the machine falls on all of them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyotp

from wizard.demo import DEMO_ACCOUNT_ID, seed_account
from wizard.demo_server import start_server

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DEMO_ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ],
}


def run_once(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def paired(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median seconds of each command, the commands run in turn round after round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(run_once(cmd, env))
    return {name: statistics.median(values) for name, values in times.items()}


def setup(url: str, home: Path) -> tuple[dict[str, str], str]:
    """A HOME whose config has `dev` (the demo admin's keys) and `admin` (a role on dev)."""
    account = seed_account(url)
    import boto3

    boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=account.admin_access_key_id,
        aws_secret_access_key=account.admin_secret_access_key,
    ).create_role(RoleName="bench-admin", AssumeRolePolicyDocument=json.dumps(TRUST))
    aws = home / ".aws"
    aws.mkdir()
    (aws / "config").write_text(
        f"[profile dev]\nregion = us-east-1\nmfa_serial = {account.admin_mfa_serial}\n\n"
        f"[profile admin]\nrole_arn = arn:aws:iam::{DEMO_ACCOUNT_ID}:role/bench-admin\n"
        "source_profile = dev\nregion = us-east-1\n"
    )
    (aws / "credentials").write_text(
        f"[dev]\naws_access_key_id = {account.admin_access_key_id}\n"
        f"aws_secret_access_key = {account.admin_secret_access_key}\n"
    )
    # As installed: pip compiles the bytecode, and an editable install writes it on the first run.
    # Under PYTHONDONTWRITEBYTECODE every run would compile the hit path's source again.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        AWS_ENDPOINT_URL=url,
        AWS_CONFIG_FILE=str(aws / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
    )
    code = pyotp.TOTP(account.seeds[account.admin_mfa_serial]).now()
    return env, code


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    server, url = start_server()
    home = Path(tempfile.mkdtemp(prefix="mfa-session-bench-"))
    try:
        env, code = setup(url, home)
        script = Path(sys.executable).parent / "mfa-session"
        if not script.exists():
            raise SystemExit(f"{script} is not installed: pip install -e . first")
        session = [str(script)]
        for fill in (["--profile", "dev", "--code", code], ["--profile", "admin"]):
            done = subprocess.run([*session, *fill], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"could not fill the cache: {done.stderr}")
        hit = ["--format", "credential-process"]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "plain profile (dev)": [*session, "--profile", "dev", *hit],
            "role profile (admin)": [*session, "--profile", "admin", *hit],
        }
        paired(commands, env, 3)  # warm the OS file cache
        medians = paired(commands, env, args.runs)
        base = medians["python -c pass"]
        print(f"runs: {args.runs}, paired (median of each)")
        for name, seconds in medians.items():
            print(f"{name + ':':<28}{seconds * 1000:7.1f} ms  {seconds / base:5.2f}x")
        for profile in ("dev", "admin"):
            probe = (
                "import sys; before = set(sys.modules)\n"
                "from wizard.cli.fast import cached_output\n"
                f"hit = cached_output(['--profile', '{profile}', '--format', 'credential-process'])\n"
                "print('hit' if hit else 'MISS', ' '.join(sorted(set(sys.modules) - before)))\n"
            )
            imported = subprocess.run(
                [sys.executable, "-c", probe], env=env, capture_output=True, text=True
            ).stdout.strip()
            print(f"{profile} hit path imports: {imported}")
        sessions = home / ".cache" / "mfa-wizard" / "sessions"
        misses = []
        for _ in range(3):
            for cached in sessions.glob("admin-*.json"):
                cached.unlink()
            misses.append(run_once([*session, "--profile", "admin", *hit], env))
        print(
            "role miss (AssumeRole signed by the cached source session, over HTTP): "
            f"{statistics.median(misses) * 1000:.1f} ms"
        )
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
