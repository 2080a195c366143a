"""Helpers for screen tests: the real app from the real factory, on moto or on fixed data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from screens.app import WizardContext, create_app, make_context
from wizard import asset
from wizard.audit import parse_credential_report, reconcile
from wizard.aws import Services
from wizard.models import AuditResult, CallerIdentity

FIXED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def sample_audit(on_progress=None) -> AuditResult:
    """The sample report from assets/, as of a fixed time, for stable snapshots."""
    root, users = parse_credential_report(asset("samples", "credential_report.csv").read_text())
    users = reconcile(
        users,
        {
            "bob.tanaka": ["arn:aws:iam::111122223333:mfa/bob.tanaka"],
            "admin": ["arn:aws:iam::111122223333:mfa/admin"],
        },
    )
    return AuditResult(
        account_id="111122223333",
        generated_at=FIXED_NOW,
        report_generated_at=datetime(2026, 11, 20, 11, 20, tzinfo=UTC),
        root_mfa_active=False,
        users=tuple(sorted(users, key=lambda u: u.user_name)),
        orphan_virtual_mfa_devices=("arn:aws:iam::111122223333:mfa/lost-phone",),
        root=root,
    )


class StableContext(WizardContext):
    """The demo endpoint's port changes every run: show a fixed one so snapshots are stable."""

    @property
    def endpoint_label(self) -> str | None:
        return "127.0.0.1:PORT"


@pytest.fixture
def stable_demo_app(demo):
    """The app against the moto server, with a port-independent header, for snapshots."""
    services = demo.services(max_attempts=2)
    return create_app(StableContext(services=services, identity=services.identity()))


@pytest.fixture
def sample_app():
    """The app on fixed sample data (no AWS calls at all), for snapshots."""
    ctx = WizardContext(
        services=Services(session=None, region="ap-northeast-1"),
        identity=CallerIdentity(
            "111122223333", "arn:aws:iam::111122223333:user/admins/admin", "AIDAEXAMPLE"
        ),
        audit_runner=sample_audit,
    )
    return create_app(ctx)


@pytest.fixture
def demo_app(demo):
    """The app against the moto server, signed as the demo admin."""
    return create_app(make_context(demo.services(max_attempts=2), demo))
