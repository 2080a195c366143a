"""Audit cost: the credential-report audit against a naive per-user crawl, on a moto server.

python benchmarks/audit.py                 # 1000 users: both timings and the ratio
python benchmarks/audit.py --users 10000   # the audit at 10 000 users (naive crawl skipped
                                           # above --naive-limit; pass --naive-limit 10000)
"""

from __future__ import annotations

import argparse
import time

from wizard.audit import run_audit
from wizard.aws import Services
from wizard.demo import seed_account, seed_bulk_users
from wizard.demo_server import start_server


def naive_crawl(services: Services) -> tuple[int, int]:
    """ListUsers, then GetLoginProfile + ListMFADevices for every user: what the audit avoids."""
    iam = services.iam
    missing = calls = 0
    for page in iam.get_paginator("list_users").paginate():
        calls += 1
        for user in page["Users"]:
            name = user["UserName"]
            calls += 2
            try:
                iam.get_login_profile(UserName=name)
                console = True
            except iam.exceptions.NoSuchEntityException:
                console = False
            has_mfa = bool(iam.list_mfa_devices(UserName=name)["MFADevices"])
            missing += console and not has_mfa
    return missing, calls


def count_requests(services: Services) -> list[str]:
    sent: list[str] = []
    services.iam.meta.events.register("before-send", lambda **kw: sent.append("x"))
    services.sts.meta.events.register("before-send", lambda **kw: sent.append("x"))
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=1000, help="generated users (default 1000)")
    parser.add_argument(
        "--naive-limit", type=int, default=2000, help="skip the naive crawl above this"
    )
    parser.add_argument("--repeat", type=int, default=3, help="audit runs; the best is reported")
    args = parser.parse_args()

    server, url = start_server()
    try:
        account = seed_account(url)
        seed_bulk_users(args.users)
        services = account.services()
        services.identity()  # warm the clients so both sides pay the same set-up
        services.iam.get_account_summary()
        sent = count_requests(services)

        best = float("inf")
        for _ in range(args.repeat):
            sent.clear()
            start = time.perf_counter()
            result = run_audit(services, sleep=lambda s: None)
            best = min(best, time.perf_counter() - start)
        audit_calls = len(sent)
        users = len(result.users)
        print(f"users in account:        {users}")
        print(
            f"audit (credential report): {best * 1000:9.1f} ms  {audit_calls} requests  "
            f"{len(result.console_users_without_mfa)} console users without MFA"
        )
        if users <= args.naive_limit:
            sent.clear()
            start = time.perf_counter()
            missing, _ = naive_crawl(services)
            naive = time.perf_counter() - start
            print(
                f"naive per-user crawl:      {naive * 1000:9.1f} ms  {len(sent)} requests  "
                f"{missing} console users without MFA"
            )
            print(f"ratio naive/audit:         {naive / best:9.1f}x")
        else:
            print(f"naive crawl skipped above {args.naive_limit} users (--naive-limit to force)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
