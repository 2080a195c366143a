"""The wizard's steps, in order. A step without a screen is shown disabled with what it will do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step of the wizard as the step bar shows it."""

    key: str
    number: int
    title: str
    purpose: str
    built: bool


STEPS: tuple[Step, ...] = (
    Step("audit", 1, "Audit", "find IAM users and root without MFA", True),
    Step("enroll", 2, "Enroll", "enrol virtual MFA devices with a QR code", True),
    Step("enforce", 3, "Enforce", "attach the deny-without-MFA policy", True),
    Step("session", 4, "Session", "get MFA session credentials for the CLI", True),
    Step("monitor", 5, "Monitor", "alarm on console sign-in without MFA", True),
    Step("summary", 6, "Summary", "before/after report of this sitting", True),
)


def step(key: str) -> Step:
    """The step with this key."""
    return next(s for s in STEPS if s.key == key)
