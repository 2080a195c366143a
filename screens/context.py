"""WizardContext: what every screen shares (the AWS target, who we are, choices carried
between steps)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wizard.i18n import _

if TYPE_CHECKING:
    from wizard.aws import Services
    from wizard.demo import DemoAccount
    from wizard.enrollment import Enrollment
    from wizard.models import AuditResult, CallerIdentity
    from wizard.summary import PostureState


@dataclass
class WizardContext:
    """What every screen shares: the AWS target, who we are, and choices carried between steps."""

    services: Services
    identity: CallerIdentity
    demo: DemoAccount | None = None
    selected_users: set[str] = field(default_factory=set)
    last_audit: AuditResult | None = None
    # Enrolments with a created, not yet enabled device: rolled back on any exit.
    pending_enrollments: set[Enrollment] = field(default_factory=set)
    enrolled: set[str] = field(default_factory=set)
    # Steps done in the account acted in (the step bar marks them ✓).
    done: set[str] = field(default_factory=set)
    # Each account's posture when the wizard first acted in it (read in the background), for
    # the Summary: kept per account, so going to a member and back never moves a "before".
    befores: dict[str, PostureState] = field(default_factory=dict)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    # Resume the last step and choices (the CLI turns it on; tests opt in).
    resume: bool = False
    saved: dict = field(default_factory=dict)
    # The audit source; tests and snapshots may pass a fixed one (the default calls AWS).
    audit_runner: Callable[[Callable[[str], None]], AuditResult] | None = None
    # In an organization: the account the wizard started in (None until another is picked),
    # and the role (with its external id) every member account is entered through.
    home_services: Services | None = None
    # The name of the member account the steps act in (shown in the header), None at home.
    account_name: str | None = None
    # When the steps sign with an MFA session made on the Session step: its expiry (HH:MM).
    session_until: str | None = None
    org_role: str = "OrganizationAccountAccessRole"
    external_id: str | None = None

    @property
    def account_id(self) -> str:
        return self.identity.account_id

    @property
    def identity_label(self) -> str:
        short = self.identity.short
        if short.startswith("assumed-role/"):
            # The role says who we act as; the session name would push the region off 80 cols.
            return "role/" + short.split("/")[1]
        if self.session_until:
            return _("{identity} (MFA to {until})").format(identity=short, until=self.session_until)
        return short

    @property
    def region(self) -> str:
        return self.services.region

    @property
    def before(self) -> PostureState | None:
        """The Summary's "before" of the account the steps act in now (None until read)."""
        return self.befores.get(self.account_id)

    @property
    def endpoint_label(self) -> str | None:
        endpoint = self.services.effective_endpoint
        return endpoint.split("://", 1)[-1] if endpoint else None

    def run_audit(self, on_progress: Callable[[str], None]) -> AuditResult:
        """Run the audit (blocking: call it from a worker thread)."""
        if self.audit_runner is not None:
            return self.audit_runner(on_progress)
        from wizard.audit import run_audit

        return run_audit(self.services, on_progress=on_progress)
