"""Whole-organization audit against one account's audit, on the demo with N member accounts.

python benchmarks/org_audit.py                   # 12 member accounts, 5 runs each, medians
python benchmarks/org_audit.py --accounts 30 --runs 3
python benchmarks/org_audit.py --latency 50      # each request answered 50 ms later

The demo server (`start_demo(member_accounts=N)`, what `--demo --demo-accounts N` seeds) runs in
a child process of its own, so the server's work does not share an interpreter lock with the
audit's. Requests are counted there, as they arrive (retries included), by a WSGI wrapper around
moto's application. Two measures, both medians of --runs:

  in-process  audit_organization() against run_audit() on the management account, with the
              management account's clients already made (both sides alike);
  command     `mfa-wizard audit --org --format json` against `mfa-wizard audit --format json`,
              whole processes: interpreter start and client set-up included.

moto on 127.0.0.1 answers in a few milliseconds of CPU, in one interpreter: the audits are CPU
on both sides and threads cannot overlap them, so there the time follows the request count.
AWS answers over a network, and IAM's answers take tens of milliseconds or more; `--latency MS`
delays each answer by MS (a sleep in the server, which other requests do not wait for) to show
what the bounded pool does with that. It is a model, printed as such, never the default.

Done means (issue 15): with 12 member accounts the whole organization takes <= 4x one account.
The `command` ratio measures that as a person waits for it. The in-process ratio, the audits
alone on localhost with no latency, stays far above 4x: 13 accounts' CPU cannot overlap there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

COUNT_PATH = "/__benchmark/requests"
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class CountingApp:
    """WSGI middleware: counts every signed AWS request by service; GET COUNT_PATH answers the
    counts as JSON, POST COUNT_PATH resets them."""

    def __init__(self, app: Callable[..., Iterable[bytes]], latency: float = 0.0) -> None:
        self.app = app
        self.latency = latency
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == COUNT_PATH:
            with self.lock:
                if environ.get("REQUEST_METHOD") == "POST":
                    self.counts.clear()
                body = json.dumps(dict(self.counts)).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        found = SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if found:
            with self.lock:
                self.counts[found.group(1)] += 1
            if self.latency:
                time.sleep(self.latency)
        return self.app(environ, start_response)


def serve(members: int, latency: float) -> None:
    """Child process: the seeded demo with `members` member accounts, counting requests; prints
    one JSON line (endpoint and admin keys) and serves until its stdin closes."""
    from wizard.demo import start_demo

    account = start_demo(member_accounts=members)
    # ThreadedMotoServer keeps its werkzeug server in `_server`; werkzeug's handler calls
    # `server.app` per request, so wrapping it counts everything that reaches moto.
    inner = account.server._server
    inner.app = CountingApp(inner.app, latency)
    print(
        json.dumps(
            {
                "endpoint": account.endpoint_url,
                "key": account.admin_access_key_id,
                "secret": account.admin_secret_access_key,
                "active": sum(1 for m in account.members if m.state == "ACTIVE"),
                "closed": sum(1 for m in account.members if m.state != "ACTIVE"),
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    account.stop()


def requests(endpoint: str, reset: bool = False) -> dict[str, int]:
    import urllib.request

    request = urllib.request.Request(endpoint + COUNT_PATH, method="POST" if reset else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def measure(run: Callable[[], Any], endpoint: str, runs: int) -> tuple[float, dict[str, int], Any]:
    """(median seconds, the requests of the last run by service, the last run's result)."""
    times = []
    counts: dict[str, int] = {}
    result = None
    for _ in range(runs):
        requests(endpoint, reset=True)
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
        counts = requests(endpoint)
    return statistics.median(times), counts, result


def line(label: str, seconds: float, counts: dict[str, int], extra: str = "") -> str:
    detail = ", ".join(f"{service} {n}" for service, n in sorted(counts.items()))
    return (
        f"{label:<32}{seconds * 1000:9.1f} ms  {sum(counts.values()):4d} requests ({detail}){extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=12, help="member accounts (default 12)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each; medians reported")
    parser.add_argument("--parallel", type=int, default=8, help="audit --org --parallel")
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="MS", help="delay each answer (default 0)"
    )
    parser.add_argument("--serve", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.latency / 1000)
        return

    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            str(args.accounts),
            "--latency",
            str(args.latency),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        demo = json.loads(child.stdout.readline())
        endpoint = demo["endpoint"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID=demo["key"],
            AWS_SECRET_ACCESS_KEY=demo["secret"],
            AWS_REGION="us-east-1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        from wizard.audit import run_audit
        from wizard.aws import Services, new_boto3_session
        from wizard.organization import audit_organization

        services = Services(
            session=new_boto3_session(
                aws_access_key_id=demo["key"],
                aws_secret_access_key=demo["secret"],
                region_name="us-east-1",
            ),
            region="us-east-1",
            endpoint_url=endpoint,
            demo=True,
        )
        # The management account's clients made once, for both sides alike.
        services.identity()
        services.iam.get_account_summary()
        services.client("organizations").describe_organization()

        one, one_counts, _ = measure(lambda: run_audit(services), endpoint, args.runs)
        org, org_counts, result = measure(
            lambda: audit_organization(services, parallel=args.parallel), endpoint, args.runs
        )
        statuses = Counter(a.status for a in result.accounts)

        def command(*extra: str) -> Callable[[], None]:
            argv = [sys.executable, "-m", "wizard", "audit", "--format", "json", *extra]
            return lambda: subprocess.run(argv, env=env, capture_output=True, check=False)

        cli_one, cli_one_counts, _ = measure(command(), endpoint, args.runs)
        cli_org, cli_org_counts, _ = measure(
            command("--org", "--parallel", str(args.parallel)), endpoint, args.runs
        )

        print(
            f"organization: management account + {demo['active']} active and {demo['closed']} "
            f"closed member accounts ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}"
            f"); --parallel {args.parallel}; medians of {args.runs} runs"
        )
        if args.latency:
            print(f"modelled network: every answer delayed {args.latency:g} ms (--latency)")
        print(line("in-process  one account", one, one_counts))
        print(line("in-process  whole organization", org, org_counts))
        print(f"in-process  ratio org/one:      {org / one:9.1f}x")
        print(line("command     one account", cli_one, cli_one_counts))
        print(line("command     whole organization", cli_org, cli_org_counts))
        print(f"command     ratio org/one:      {cli_org / cli_one:9.1f}x")
    finally:
        child.stdin.close()
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
