"""What `verify` returns: findings, what was checked, and on what proof each rests."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Severities. A "fail" is proven wrong; "unproven" could not be proven either way (throttled,
# denied: never "holds"); "warn" is worth knowing but is not one of the three outcomes (a
# service user's access keys working without MFA, an alarm the admin chose to silence at night).
FAIL = "fail"
UNPROVEN = "unproven"
WARN = "warn"


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold, for one subject, with its fix and its proof."""

    check: str
    subject: str
    detail: str
    fix: str
    proven_by: str
    severity: str = FAIL

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Checked:
    """One thing that was checked and held."""

    check: str
    subject: str
    detail: str
    proven_by: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VerifyReport:
    """Everything `verify` found for one account."""

    account_id: str
    findings: list[Finding] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)
    # What this endpoint cannot show (an emulator without an AWS evaluator), said, not hidden.
    not_shown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # AWS requests made, by operation (retries included), and simulations shared by users.
    requests: dict[str, int] = field(default_factory=dict)

    def fail(self, check: str, subject: str, detail: str, fix: str, proven_by: str) -> None:
        self.findings.append(Finding(check, subject, detail, fix, proven_by, FAIL))

    def warn(self, check: str, subject: str, detail: str, fix: str, proven_by: str) -> None:
        self.findings.append(Finding(check, subject, detail, fix, proven_by, WARN))

    def unproven(self, check: str, subject: str, detail: str, fix: str, proven_by: str) -> None:
        self.findings.append(Finding(check, subject, detail, fix, proven_by, UNPROVEN))

    def held(self, check: str, subject: str, detail: str, proven_by: str) -> None:
        self.checked.append(Checked(check, subject, detail, proven_by))

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == FAIL]

    @property
    def unproven_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == UNPROVEN]

    @property
    def holds(self) -> bool:
        """Every outcome proven: no failure, and nothing that could not be proven."""
        return not self.failures and not self.unproven_findings

    @property
    def exit_code(self) -> int:
        """0 everything holds; 1 any failure; 2 nothing failed but something could not be
        proven (a proven failure says more than what could not be read)."""
        if self.failures:
            return 1
        return 2 if self.unproven_findings else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "holds": self.holds,
            "findings": [f.to_json() for f in self.findings],
            "checked": [c.to_json() for c in self.checked],
            "not_shown": self.not_shown,
            "notes": self.notes,
            "requests": dict(sorted(self.requests.items())),
        }
