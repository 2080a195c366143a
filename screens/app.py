"""WizardApp and the one factory (create_app) that the CLI and the tests both use."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding

from screens.audit import AuditScreen
from screens.dialogs import ErrorDialog
from screens.enrollment import EnrollmentScreen
from screens.monitoring import MonitoringScreen
from screens.policy import PolicyScreen
from screens.session import SessionScreen
from screens.steps import STEPS, step
from wizard import asset
from wizard.errors import WizardError, translate

if TYPE_CHECKING:
    from wizard.aws import Services
    from wizard.demo import DemoAccount
    from wizard.enrollment import Enrollment
    from wizard.models import AuditResult, CallerIdentity


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
    # The audit source; tests and snapshots may pass a fixed one (the default calls AWS).
    audit_runner: Callable[[Callable[[str], None]], AuditResult] | None = None

    @property
    def account_id(self) -> str:
        return self.identity.account_id

    @property
    def identity_label(self) -> str:
        return self.identity.short

    @property
    def region(self) -> str:
        return self.services.region

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


class WizardApp(App[int]):
    """The MFA wizard: one screen per step, switched with the number keys or the step bar."""

    TITLE = "mfa-wizard"
    CSS_PATH = str(asset("styles", "app.tcss"))
    SCREENS = {
        "audit": AuditScreen,
        "enroll": EnrollmentScreen,
        "enforce": PolicyScreen,
        "session": SessionScreen,
        "monitor": MonitoringScreen,
    }
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        *[Binding(str(s.number), f"go('{s.key}')", s.title, show=False) for s in STEPS],
    ]

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__()
        self.ctx = ctx

    def on_mount(self) -> None:
        self.push_screen("audit")

    def action_go(self, key: str) -> None:
        self.go_to_step(key)

    def go_to_step(self, key: str) -> None:
        """Show a step's screen; an unbuilt step says what it will do instead."""
        target = step(key)
        if not target.built or key not in self.SCREENS:
            self.notify(
                f"{target.title}: {target.purpose}. Not built yet.",
                title=f"Step {target.number}",
                severity="warning",
            )
            return
        if self.screen.id == key or getattr(self.screen, "STEP", None) == key:
            return
        self.switch_screen(key)

    def show_error(self, exc: BaseException, title: str = "Something went wrong") -> None:
        """The single error dialog: cause and fix, never a traceback."""
        error = exc if isinstance(exc, WizardError) else translate(exc)
        self.push_screen(ErrorDialog(title, error.cause, error.fix))


def create_app(ctx: WizardContext) -> WizardApp:
    """The factory used by the CLI and by the tests, so both run the same app."""
    return WizardApp(ctx)


def run_tui(args: argparse.Namespace) -> int:
    """Start the TUI for the target in `args` (embedded demo or a real/explicit endpoint)."""
    from wizard.cli import target_services

    with target_services(args) as (services, demo):
        identity = services.identity()
        ctx = WizardContext(services=services, identity=identity, demo=demo)
        app = create_app(ctx)
        try:
            app.run()
        finally:
            rolled_back = roll_back_pending(ctx)
    if rolled_back:
        print(f"mfa-wizard: deleted {rolled_back} unfinished MFA device(s) on exit.")
    return app.return_code or 0


def roll_back_pending(ctx: WizardContext) -> int:
    """Delete every created-but-not-enabled device (quit, Ctrl-C or crash mid-enrolment)."""
    count = 0
    for enrollment in list(ctx.pending_enrollments):
        try:
            count += enrollment.rollback()
        except WizardError as exc:
            print(f"mfa-wizard: {exc.message}")
        ctx.pending_enrollments.discard(enrollment)
    return count


def make_context(services: Any, demo: Any = None) -> WizardContext:
    """A context for an already-built Services (tests, scripts)."""
    return WizardContext(services=services, identity=services.identity(), demo=demo)
