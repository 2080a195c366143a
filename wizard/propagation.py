"""Waiting for AWS to propagate what the wizard has just made.

IAM, S3 bucket policies and KMS key policies are eventually consistent. For some seconds after a
role, managed policy, group, bucket policy or key is created or changed, the services that use it
still refuse it, with specific errors: CreateTrail answers InsufficientS3BucketPolicyException,
InvalidCloudWatchLogsLogGroupArnException ("Access denied.") or
InsufficientEncryptionPolicyException; EventBridge Scheduler answers ValidationException ("... must
allow AWS EventBridge Scheduler to assume the role"); IAM answers NoSuchEntity to
AttachGroupPolicy/AddUserToGroup. terraform-provider-aws retries the CloudWatch Logs and Scheduler
ones for about two minutes (trail.go, schedule.go); we retry those and the bucket-policy, key and
IAM ones too, with three limits:

* only the listed (operation, error code[, message fragment]) pairs: never a blind retry;
* only when this run (or one stopped moments ago) has just written the very thing the error is
  about (`fresh`, per error code): an old, really broken dependency fails at once;
* one visible line says what we are waiting for, so a pause is never a silent hang.

Throttling is not handled here: botocore's standard retry mode does that for every call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from wizard import clock as timing
from wizard.errors import WizardError, error_code
from wizard.i18n import _

T = TypeVar("T")

PATIENCE = 120.0  # seconds, as terraform-provider-aws's propagation timeout
DELAYS = (0.5, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0)  # then 20 s until PATIENCE

_TRAIL = (
    ("InsufficientS3BucketPolicyException", ""),
    ("InvalidCloudWatchLogsLogGroupArnException", "access denied"),
    ("InvalidCloudWatchLogsRoleArnException", "access denied"),
    ("InsufficientEncryptionPolicyException", ""),
    # An organization trail right after CloudTrail's trusted access was turned on.
    ("CloudTrailAccessNotEnabledException", ""),
)
_SCHEDULE = (("ValidationException", "assume the role"),)

# operation -> (error code, lower-case fragment the message must contain, "" for any)
PROPAGATION_ERRORS: dict[str, tuple[tuple[str, str], ...]] = {
    "CreateTrail": _TRAIL,
    "UpdateTrail": _TRAIL,
    "CreateSchedule": _SCHEDULE,
    "UpdateSchedule": _SCHEDULE,
    # A log group given a key whose policy (the CloudWatch Logs grant) is not seen yet.
    "CreateLogGroup": (("AccessDeniedException", "not allowed to be used"),),
    "AssociateKmsKey": (("AccessDeniedException", "not allowed to be used"),),
    "AttachGroupPolicy": (("NoSuchEntity", ""),),
    # A missing *user* is a real error; only the new group can be still propagating.
    "AddUserToGroup": (("NoSuchEntity", "group"),),
}


def is_propagating(op: str, exc: BaseException) -> bool:
    """True when `exc`, raised by `op`, is one of the errors AWS gives while still propagating."""
    if isinstance(exc, WizardError):
        return False
    code = error_code(exc)
    message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", "")).lower()
    return any(code == c and fragment in message for c, fragment in PROPAGATION_ERRORS.get(op, ()))


class PropagationTimeout(WizardError):
    """AWS still refused the new dependency after PATIENCE seconds."""


def after_propagation(
    op: str,
    call: Callable[[], T],
    waiting_for: str,
    *,
    fresh: bool | Callable[[str], bool] = True,
    say: Callable[[str], None] | None = None,
    patience: float = PATIENCE,
    sleep: Callable[[float], None] = timing.sleep,
    clock: Callable[[], float] = timing.monotonic,
) -> T:
    """`call()`; while it fails with a propagation error of `op`, wait and call it again.

    `waiting_for` names what AWS is propagating ("IAM to propagate the new role X"); it is said
    once, on the first wait. Every other error is raised at once, untouched (the caller's
    aws_errors translates it). When `fresh` is False nothing was just written, so nothing is
    retried; a callable gets the error code and says whether that error's dependency is fresh.
    """
    start = clock()
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            waited_for = fresh(error_code(exc)) if callable(fresh) else fresh
            if not waited_for or not is_propagating(op, exc):
                raise
            delay = DELAYS[min(attempt, len(DELAYS) - 1)]
            if clock() - start + delay > patience:
                raise PropagationTimeout(
                    _(
                        "{op} still failed with {code} after {patience:.0f} s of waiting for "
                        "{waiting_for}"
                    ).format(
                        op=op, code=error_code(exc), patience=patience, waiting_for=waiting_for
                    ),
                    _(
                        "run the same command again in a minute: what was made is kept, and the "
                        "second run only does what is left"
                    ),
                    code=error_code(exc),
                ) from None
            if attempt == 0 and say:
                say(
                    _(
                        "waiting for {waiting_for} (AWS takes a few seconds, at most ~2 min) …"
                    ).format(waiting_for=waiting_for)
                )
            sleep(delay)
            attempt += 1
