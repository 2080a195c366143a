"""Waiting for AWS to propagate: exactly the listed errors, only for a fresh dependency, said once."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from wizard.propagation import PATIENCE, PropagationTimeout, after_propagation, is_propagating


def client_error(code: str, message: str, op: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, op)


class Clock:
    """A fake clock that `sleep` moves forward."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def failing(times: int, error: ClientError):
    calls = {"n": 0}

    def call() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return "made"

    return call, calls


@pytest.mark.parametrize(
    ("op", "code", "message"),
    [
        ("CreateTrail", "InsufficientS3BucketPolicyException", "Incorrect S3 bucket policy"),
        ("CreateTrail", "InvalidCloudWatchLogsLogGroupArnException", "Access denied. Verify"),
        ("UpdateTrail", "InsufficientEncryptionPolicyException", "Insufficient permissions"),
        (
            "CreateSchedule",
            "ValidationException",
            "must allow AWS EventBridge Scheduler to assume the role",
        ),
        ("AttachGroupPolicy", "NoSuchEntity", "Policy does not exist"),
        ("AddUserToGroup", "NoSuchEntity", "The group cannot be found"),
    ],
)
def test_the_listed_errors_are_waited_for(op, code, message):
    clock = Clock()
    said: list[str] = []
    call, calls = failing(3, client_error(code, message, op))
    result = after_propagation(
        op,
        call,
        "IAM to propagate the new role R",
        say=said.append,
        sleep=clock.sleep,
        clock=lambda: clock.now,
    )
    assert result == "made" and calls["n"] == 4
    assert said == [
        "waiting for IAM to propagate the new role R (AWS takes a few seconds, at most ~2 min) …"
    ]
    assert clock.slept == sorted(clock.slept)  # backing off, never hammering


@pytest.mark.parametrize(
    ("op", "code", "message"),
    [
        ("CreateTrail", "InvalidCloudWatchLogsLogGroupArnException", "Log group does not exist"),
        ("CreateSchedule", "ValidationException", "Invalid schedule expression"),
        ("CreateTrail", "AccessDeniedException", "no"),
        ("CreatePolicy", "NoSuchEntity", "x"),  # not a dependent call
        ("AttachGroupPolicy", "Throttling", "Rate exceeded"),  # botocore's job, not ours
        ("AddUserToGroup", "NoSuchEntity", "The user with name bob cannot be found."),
    ],
)
def test_anything_else_fails_at_once(op, code, message):
    clock = Clock()
    call, calls = failing(1, client_error(code, message, op))
    with pytest.raises(ClientError):
        after_propagation(op, call, "x", sleep=clock.sleep, clock=lambda: clock.now)
    assert calls["n"] == 1 and clock.slept == []
    assert not is_propagating(op, client_error(code, message, op))


def test_nothing_fresh_nothing_waited_for():
    # The dependency was not written by this run (nor moments ago): a real error, shown at once.
    clock = Clock()
    call, calls = failing(1, client_error("NoSuchEntity", "gone", "AttachGroupPolicy"))
    with pytest.raises(ClientError):
        after_propagation(
            "AttachGroupPolicy", call, "x", fresh=False, sleep=clock.sleep, clock=lambda: clock.now
        )
    assert calls["n"] == 1


def test_freshness_is_judged_per_error():
    # A fresh bucket policy does not excuse a role error: that one fails at once.
    clock = Clock()
    role_error = client_error(
        "InvalidCloudWatchLogsRoleArnException",
        "Access denied. Check the trust relationships for your role.",
        "CreateTrail",
    )
    fresh = {"InsufficientS3BucketPolicyException": True}

    def attempt(call):
        return after_propagation(
            "CreateTrail",
            call,
            "x",
            fresh=lambda code: fresh.get(code, False),
            sleep=clock.sleep,
            clock=lambda: clock.now,
        )

    call, calls = failing(1, role_error)
    with pytest.raises(ClientError):
        attempt(call)
    assert calls["n"] == 1
    bucket_error = client_error("InsufficientS3BucketPolicyException", "Incorrect", "CreateTrail")
    call, calls = failing(2, bucket_error)
    assert attempt(call) == "made" and calls["n"] == 3


def test_gives_up_after_about_two_minutes_with_a_clear_message():
    clock = Clock()
    call, calls = failing(
        10_000, client_error("InsufficientS3BucketPolicyException", "bad", "CreateTrail")
    )
    with pytest.raises(PropagationTimeout) as info:
        after_propagation(
            "CreateTrail",
            call,
            "CloudTrail to see the new bucket policy",
            sleep=clock.sleep,
            clock=lambda: clock.now,
        )
    assert PATIENCE - 25 <= clock.now <= PATIENCE
    assert "after 120 s of waiting for CloudTrail to see the new bucket policy" in info.value.cause
    assert "run the same command again" in info.value.fix
    assert 8 <= calls["n"] <= 20


def test_ctrl_c_while_waiting_is_not_swallowed():
    def sleep(_: float) -> None:
        raise KeyboardInterrupt

    call, _ = failing(
        1, client_error("NoSuchEntity", "The group g cannot be found", "AddUserToGroup")
    )
    with pytest.raises(KeyboardInterrupt):
        after_propagation("AddUserToGroup", call, "x", sleep=sleep)
