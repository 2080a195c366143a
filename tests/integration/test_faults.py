"""Fault injection at every AWS call of the mutating steps: a clear error, then a re-run completes.

Faults are raised from botocore's before-call event for one operation, so the request never
reaches the server: throttling (after botocore's own retries), AccessDenied, a dropped
connection, and Ctrl-C (KeyboardInterrupt) in the middle of the step.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from wizard.audit import run_audit
from wizard.errors import WizardError
from wizard.monitoring import MonitorOptions, apply_monitoring, plan_monitoring
from wizard.policies import DEFAULT_GROUP, apply_enforcement, plan_enforcement

FAULTS = {
    "Throttling": lambda op: ClientError(
        {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, op
    ),
    "AccessDenied": lambda op: ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "nope"}}, op
    ),
    "dropped connection": lambda op: EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    "Ctrl-C": lambda op: KeyboardInterrupt(),
}
WORDS = {  # and the plan says what it made: never "nothing was left half-done"
    "Throttling": "throttling",
    "AccessDenied": "access denied",
    "dropped connection": "could not reach",
}


def inject(services, service: str, operation: str, fault: str) -> None:
    def boom(**kwargs):
        raise FAULTS[fault](operation)

    services.client(service).meta.events.register_first(
        f"before-call.*.{operation}", boom, unique_id="fault"
    )


def clear(services, service: str, operation: str) -> None:
    services.client(service).meta.events.unregister(f"before-call.*.{operation}", unique_id="fault")


def run_failing(step, fault: str):
    with pytest.raises(WizardError) as info:
        step()
    if fault == "Ctrl-C":
        # The truth on Ctrl-C: what was made, and that applying again finishes it (issue 24).
        assert info.value.exit_code == 130
        assert info.value.cause.startswith("cancelled (Ctrl-C); ")
        assert "finishes the rest" in info.value.fix and "half-done" not in info.value.message
        return
    assert WORDS[fault] in info.value.message.lower()
    assert "half-done" not in info.value.message
    assert info.value.fix  # every message says what to do
    assert "Traceback" not in info.value.message


ENFORCE_OPS = ["CreatePolicy", "CreateGroup", "AttachGroupPolicy", "AddUserToGroup"]


@pytest.mark.parametrize("operation", ENFORCE_OPS)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_enforce_fault_then_rerun_completes(services, operation, fault):
    users = ["dave.sato", "erin.kobayashi"]
    audit = run_audit(services)
    plan = plan_enforcement(services, audit, users=users)
    inject(services, "iam", operation, fault)
    run_failing(lambda: apply_enforcement(services, plan), fault)
    clear(services, "iam", operation)
    again = plan_enforcement(services, audit, users=users)
    assert not again.nothing_to_do
    apply_enforcement(services, again)
    final = plan_enforcement(services, audit, users=users)
    assert final.nothing_to_do
    members = {u["UserName"] for u in services.iam.get_group(GroupName=DEFAULT_GROUP)["Users"]}
    assert members == set(users)


MONITOR_OPS = [
    ("s3", "CreateBucket"),
    ("s3", "PutPublicAccessBlock"),
    ("s3", "PutBucketEncryption"),
    ("s3", "PutBucketVersioning"),
    ("s3", "PutBucketLifecycleConfiguration"),
    ("s3", "PutBucketPolicy"),
    ("logs", "CreateLogGroup"),
    ("logs", "PutRetentionPolicy"),
    ("iam", "CreateRole"),
    ("iam", "PutRolePolicy"),
    ("cloudtrail", "CreateTrail"),
    ("cloudtrail", "StartLogging"),
    ("logs", "PutMetricFilter"),
    ("sns", "CreateTopic"),
    ("sns", "Subscribe"),
    ("cloudwatch", "PutMetricAlarm"),
    ("scheduler", "CreateSchedule"),
]
KINDS = sorted(FAULTS)
# Every call gets a fault; the four kinds rotate over the calls, and the trail gets all four.
MONITOR_CASES = [(svc, op, KINDS[i % len(KINDS)]) for i, (svc, op) in enumerate(MONITOR_OPS)]
MONITOR_CASES += [
    ("cloudtrail", "CreateTrail", k)
    for k in KINDS
    if ("cloudtrail", "CreateTrail", k) not in MONITOR_CASES
]
OPTIONS = MonitorOptions(
    email="sec@example.com",
    timezone="Asia/Tokyo",
    quiet_hours="18:00-09:00",
    quiet_alarm="mfa-wizard-cloudtrail-changes",
)


@pytest.mark.parametrize(("service", "operation", "fault"), MONITOR_CASES)
def test_monitor_fault_then_rerun_completes(services, service, operation, fault):
    _, plan = plan_monitoring(services, OPTIONS)
    inject(services, service, operation, fault)
    run_failing(lambda: apply_monitoring(plan), fault)
    clear(services, service, operation)
    _, again = plan_monitoring(services, OPTIONS)
    assert not again.nothing_to_do
    apply_monitoring(again)
    _, final = plan_monitoring(services, OPTIONS)
    assert final.nothing_to_do, [(c.kind, c.status, c.detail) for c in final.changes if c.changes]
