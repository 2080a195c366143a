"""`mfa-wizard verify`: the three outcomes, proven from what AWS holds now.

* Every human has MFA: every console user and root, from the credential report, re-checked live
  against assigned devices (the audit's own reading).
* MFA is enforced, per user: AWS's policy simulator, or the account's policies where it cannot
  be asked (wizard/verify/enforcement.py).
* A sign-in without MFA pages someone: trail, filter (run against real sign-in records), alarm,
  topic, key and buckets (wizard/verify/alerting.py).

Nothing here trusts the journal: a thing the wizard made and someone changed since is read as it
is now. Each finding names the proof it rests on (`proven_by`); what could not be read is
"unproven", never "holds".
"""

from __future__ import annotations

from collections.abc import Callable

from wizard.aws import Services
from wizard.errors import WizardError
from wizard.i18n import N_, _
from wizard.models import AuditResult
from wizard.verify.model import FAIL, UNPROVEN, WARN, Checked, Finding, VerifyReport

__all__ = [
    "FAIL",
    "UNPROVEN",
    "WARN",
    "Checked",
    "Finding",
    "VerifyReport",
    "prove_alerting",
    "prove_enforcement",
    "run_verify",
    "verify_humans",
]

AUDIT_PROOF = N_("credential report, re-checked with ListVirtualMFADevices")
AUDIT_PROOF_ROOT = N_(
    "credential report, re-checked with ListVirtualMFADevices and GetAccountSummary"
)


def verify_humans(audit: AuditResult, report: VerifyReport, endpoint: str | None = None) -> None:
    """Every console user and root have MFA (`endpoint`: an emulator's, not AWS)."""
    missing = audit.console_users_without_mfa
    for user in missing:
        report.fail(
            "mfa",
            user.user_name,
            _("can sign in to the console without MFA (no MFA device)"),
            _("mfa-wizard enroll {user_name}").format(user_name=user.user_name),
            AUDIT_PROOF,
        )
    if audit.console_user_count and not missing:
        report.held(
            "mfa",
            _("{console_user_count} console user(s)").format(
                console_user_count=audit.console_user_count
            ),
            _("every one has an MFA device"),
            AUDIT_PROOF,
        )
    if not audit.root_mfa_active and endpoint:
        # An emulator's root user has no MFA and cannot get one (moto's report says false).
        report.not_shown.append(
            _(
                "root MFA: this endpoint's root user has no MFA device and cannot be given one "
                "(on AWS it is read from the credential report like every user)"
            )
        )
    elif audit.root_without_credentials:
        report.held(
            "mfa",
            _("root"),
            _("has no password, access key or MFA: nobody can sign in as root (removed centrally)"),
            "GetAccountSummary (AccountPasswordPresent, AccountMFAEnabled)",
        )
    elif not audit.root_mfa_active:
        report.fail(
            "mfa",
            _("root"),
            _("the root user has no MFA device"),
            _(
                "sign in as root and assign one (AWS recommends a hardware or FIDO security key "
                "for root); the API cannot do it for root"
            ),
            AUDIT_PROOF,
        )
    else:
        report.held("mfa", _("root"), _("has MFA"), AUDIT_PROOF_ROOT)


def run_verify(
    services: Services,
    *,
    group: str = "MFARequired",
    on_progress: Callable[[str], None] | None = None,
    audit: AuditResult | None = None,
) -> VerifyReport:
    """Read AWS now and prove the three outcomes; never raises for what it could not read
    (that is an "unproven" finding), only for a failure to reach AWS at all."""
    from wizard.audit import run_audit
    from wizard.verify.alerting import verify_alerting
    from wizard.verify.enforcement import verify_enforcement

    report = VerifyReport(services.identity().account_id)
    say = on_progress or (lambda text: None)
    say(_("reading the credential report"))
    if audit is None:
        try:
            audit = run_audit(services)
        except WizardError as exc:
            report.unproven(
                "mfa",
                _("every user"),
                _("could not be read: {cause}").format(cause=exc.cause),
                exc.fix,
                "audit",
            )
    if audit is not None:
        verify_humans(audit, report, services.effective_endpoint)
        section(report, "enforced", lambda: verify_enforcement(services, audit, report, group, say))
    say(_("reading the monitoring chain"))
    section(report, "alerting", lambda: verify_alerting(services, report))
    from wizard.verify.seed004 import verify_seed004

    section(report, "cloudtrail groups and config", lambda: verify_seed004(services, report))
    return report


def section(report: VerifyReport, check: str, run: Callable[[], None]) -> None:
    """Run one part; a WizardError it raises is that part's "unproven" finding."""
    try:
        run()
    except WizardError as exc:
        report.unproven(
            check,
            _("(all)"),
            _("could not be proven: {cause}").format(cause=exc.cause),
            exc.fix,
            check,
        )


def prove_enforcement(
    services: Services, users: list[str], *, group: str = "MFARequired"
) -> VerifyReport:
    """The Enforce step's own proof, through verify's code: for `users`, a call without MFA is
    denied and MFA set-up is not (the credential report read again first)."""
    from dataclasses import replace

    from wizard.audit import run_audit
    from wizard.verify.enforcement import verify_enforcement

    report = VerifyReport(services.identity().account_id)
    wanted = set(users)

    def run() -> None:
        audit = run_audit(services)
        only = replace(audit, users=tuple(u for u in audit.users if u.user_name in wanted))
        verify_enforcement(services, only, report, group)

    section(report, "enforced", run)
    return report


def prove_alerting(services: Services) -> VerifyReport:
    """The Monitor step's own proof, through verify's code: the alarm chain, link by link."""
    from wizard.verify.alerting import verify_alerting

    report = VerifyReport(services.identity().account_id)
    section(report, "alerting", lambda: verify_alerting(services, report))
    return report
