"""What `verify` costs at scale, next to one audit of the same account, on a moto server.

python benchmarks/verify.py                # 1000 users
python benchmarks/verify.py --users 5000

The account: the demo account plus N generated users (wizard.demo.seed_bulk_users), every
console user put in MFARequired and in one of six team groups, one user in fifty with a policy
of their own (those are simulated alone), and the monitoring set applied. Two verify runs:

* through the suite's realism layer, which answers iam:SimulatePrincipalPolicy and
  logs:TestMetricFilter from its evaluators (AWS's own path: simulations shared by users of
  the same groups);
* against plain moto, which has neither (the GetAccountAuthorizationDetails fallback).

Requests are counted per operation on the client side (botocore's before-call event).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support, run from anywhere

from wizard.audit import run_audit  # noqa: E402
from wizard.aws import Services  # noqa: E402
from wizard.demo import DEMO_ACCOUNT_ID, seed_account, seed_bulk_users  # noqa: E402
from wizard.demo_server import start_server  # noqa: E402

SERVICES = ("iam", "sts", "logs", "cloudtrail", "cloudwatch", "sns", "s3", "kms", "scheduler")
TEAMS = ("engineering", "sales", "support", "finance", "platform", "data")


def counted(services: Services) -> Counter:
    """Every API call any client of `services` makes, by operation."""
    calls: Counter = Counter()

    def seen(event_name: str, **kwargs: object) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    clients = [services.client(name) for name in SERVICES]
    clients += [services.client_with_attempts(name, 1) for name in ("iam", "logs")]
    for client in clients:
        client.meta.events.register("before-call", seen)
    return calls


def shape_account(users: int) -> None:
    """Groups and policies as a real account has them (in moto's backend: fast)."""
    from moto.iam.models import iam_backends

    seed_bulk_users(users)
    backend = iam_backends[DEMO_ACCOUNT_ID]["global"]
    rng = random.Random(11)
    for team in TEAMS:
        backend.create_group(team, "/")
    allow = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    for user in list(backend.users.values()):
        if user.name.startswith("user-"):
            backend.add_user_to_group(rng.choice(TEAMS), user.name)
            if rng.random() < 0.02:
                backend.put_user_policy(user.name, "own-s3", allow)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=1000, help="generated users (default 1000)")
    args = parser.parse_args()

    from tests.support.realism import RealisticServer
    from wizard.monitoring import MonitorOptions, apply_monitoring, plan_monitoring
    from wizard.policies import apply_enforcement, plan_enforcement
    from wizard.verify import run_verify

    server, url = start_server()
    realistic = RealisticServer()
    try:
        account = seed_account(url)
        shape_account(args.users)
        admin = account.services()
        audit = run_audit(admin, sleep=lambda s: None)
        plan = plan_enforcement(admin, audit)
        apply_enforcement(admin, plan)
        apply_monitoring(plan_monitoring(admin, MonitorOptions(email="sec@example.com"))[1])

        rows = []
        for label, endpoint in (
            ("audit", url),
            ("verify, AWS's evaluators (realism layer)", realistic.url),
            ("verify, plain moto (fallback)", url),
        ):
            services = replace(account, endpoint_url=endpoint).services()
            services.identity()
            calls = counted(services)
            start = time.perf_counter()
            if label == "audit":
                result = run_audit(services, sleep=lambda s: None)
                outcome = f"{len(result.console_users_without_mfa)} console users without MFA"
            else:
                report = run_verify(services)
                simulations = next((n for n in report.notes if "simulation(s) for" in n), "")
                outcome = (
                    f"{len(report.failures)} fail, {len(report.unproven_findings)} unproven, "
                    f"{len(report.checked)} held; {simulations.split(':')[0] or 'no simulator'}"
                )
            took = time.perf_counter() - start
            rows.append((label, took, calls, outcome))

        print(f"users in account: {len(audit.users)}")
        for label, took, calls, outcome in rows:
            top = ", ".join(f"{op} {n}" for op, n in calls.most_common(4))
            print(f"{label:<42} {took * 1000:8.0f} ms {sum(calls.values()):6d} requests  ({top})")
            print(f"{'':<42} {outcome}")
    finally:
        realistic.stop()
        server.stop()


if __name__ == "__main__":
    main()
