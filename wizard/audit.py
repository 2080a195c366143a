"""The audit: one credential report for the whole account, re-checked against assigned devices.

Cost: GenerateCredentialReport (polled until COMPLETE), GetCredentialReport, GetAccountSummary and
ListVirtualMFADevices (Assigned, then Unassigned; 1 page per 1000 devices), then ListMFADevices
for users with MFA (8 at a time), because nothing else tells a hardware token or a security key
apart (`wizard.devices`): none at all when GetAccountSummary's MFADevicesInUse equals the virtual
devices assigned (every device in use is virtual), and otherwise only until that many tokens and
keys are found, those with MFA but no virtual device first. A user without MFA costs no call.

Needs: iam:GenerateCredentialReport, iam:GetCredentialReport, iam:GetAccountSummary,
iam:ListVirtualMFADevices, iam:ListMFADevices.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from wizard import clock as timing
from wizard.aws import Services, paginate
from wizard.devices import ROOT_HARDWARE_OR_FIDO, devices_of_users, root_mfa_type
from wizard.errors import WizardError, aws_errors, error_code
from wizard.i18n import _
from wizard.models import AccessKeyInfo, AuditResult, RootFinding, UserFinding
from wizard.partition import partition_of_arn

ROOT_ROW = "<root_account>"
# Values the credential report uses for "nothing here": N/A (never / not applicable),
# no_information (used before IAM tracked it, Oct 2014), not_supported (root password fields).
_EMPTY = {"", "N/A", "no_information", "not_supported"}

REPORT_TIMEOUT_SECONDS = 120.0
REPORT_MAX_AGE_SECONDS = 4 * 3600


class ReportTimeoutError(WizardError):
    """The credential report did not complete in time."""


# ----------------------------------------------------------------------------- pure parsing


def parse_report_time(value: str | None) -> datetime | None:
    """An ISO 8601 report timestamp, or None for N/A, no_information, not_supported, ''."""
    if value is None or value.strip() in _EMPTY:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_report_bool(value: str | None) -> bool:
    """'true' -> True; 'false', N/A, not_supported and anything else -> False."""
    return (value or "").strip().lower() == "true"


def path_from_arn(arn: str) -> str:
    """The IAM path of a user ARN: arn:PARTITION:iam::1:user/a/b/name -> '/a/b/'."""
    resource = arn.split(":", 5)[-1]
    if not resource.startswith("user/"):
        return "/"
    parts = resource[len("user/") :].split("/")
    return "/" + "".join(p + "/" for p in parts[:-1])


def _access_keys(row: dict[str, str]) -> tuple[AccessKeyInfo, ...]:
    keys = []
    for slot in (1, 2):
        active = parse_report_bool(row.get(f"access_key_{slot}_active"))
        rotated = parse_report_time(row.get(f"access_key_{slot}_last_rotated"))
        used = parse_report_time(row.get(f"access_key_{slot}_last_used_date"))
        if active or rotated:
            keys.append(
                AccessKeyInfo(slot=slot, active=active, last_rotated=rotated, last_used=used)
            )
    return tuple(keys)


def _mend_unquoted_name(fields: list[str], width: int) -> list[str]:
    """A user name may hold commas (IAM allows `[\\w+=,.@-]`); written unquoted, the name and
    the ARN that ends with it each split into one more field per comma. Put them back together;
    a row that does not fit that shape is left as it is."""
    extra = len(fields) - width
    if extra <= 0 or extra % 2:
        return fields
    commas = extra // 2
    name = ",".join(fields[: commas + 1])
    arn = ",".join(fields[commas + 1 : 2 * commas + 2])
    if not arn.startswith("arn:") or not arn.endswith("/" + name):
        return fields
    return [name, arn, *fields[2 * commas + 2 :]]


def parse_credential_report(content: str) -> tuple[RootFinding | None, list[UserFinding]]:
    """Parse the report CSV into the root row and one finding per IAM user (pure)."""
    reader = csv.reader(io.StringIO(content))
    header = next(reader, None)
    if not header or "user" not in header:
        raise WizardError(
            _("the credential report has no header row"),
            _(
                "run the audit again; if it persists, check the report with `aws iam "
                "get-credential-report`"
            ),
        )
    root: RootFinding | None = None
    users: list[UserFinding] = []
    for fields in reader:
        row = dict(zip(header, _mend_unquoted_name(fields, len(header)), strict=False))
        name = (row.get("user") or "").strip()
        if not name:
            continue
        keys = _access_keys(row)
        if name == ROOT_ROW:
            root = RootFinding(
                mfa_active=parse_report_bool(row.get("mfa_active")),
                access_keys_active=sum(1 for k in keys if k.active),
                password_last_used=parse_report_time(row.get("password_last_used")),
            )
            continue
        arn = row.get("arn", "")
        users.append(
            UserFinding(
                user_name=name,
                arn=arn,
                path=path_from_arn(arn),
                created=parse_report_time(row.get("user_creation_time")),
                console_access=parse_report_bool(row.get("password_enabled")),
                mfa_active=parse_report_bool(row.get("mfa_active")),
                mfa_devices=(),
                password_last_used=parse_report_time(row.get("password_last_used")),
                access_keys=keys,
            )
        )
    return root, users


def reconcile(
    users: list[UserFinding],
    assigned: dict[str, list[str]],
    listed: frozenset[str] | set[str] = frozenset(),
) -> list[UserFinding]:
    """Attach assigned devices to users; trust a device assigned after the report, and for the
    users in `listed` (read with ListMFADevices just now) trust that list over the report (pure)."""
    result = []
    for user in users:
        serials = tuple(sorted(set(assigned.get(user.user_name, ()))))
        confirmed = bool(serials) and not user.mfa_active
        active = bool(serials) if user.user_name in listed else user.mfa_active or bool(serials)
        result.append(
            UserFinding(
                **{
                    **user.__dict__,
                    "mfa_devices": serials,
                    "mfa_active": active,
                    "mfa_confirmed_after_report": confirmed,
                }
            )
        )
    return result


# ----------------------------------------------------------------------------- fetching


def fetch_credential_report(
    services: Services,
    *,
    timeout: float = REPORT_TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = timing.sleep,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[str, datetime | None, int]:
    """Generate (if needed) and download the credential report: (csv, generated_at, calls)."""
    iam = services.iam
    delay, waited, calls = 0.5, 0.0, 0
    while True:
        with aws_errors("GenerateCredentialReport"):
            state = iam.generate_credential_report().get("State")
        calls += 1
        if state == "COMPLETE":
            try:
                answer = iam.get_credential_report()
                break
            except Exception as exc:
                # Generated, yet not there (ReportInProgress / ReportExpired / ReportNotPresent):
                # AWS says the same report is being rebuilt. Another round, not an error.
                code = error_code(exc)
                if code not in {"ReportInProgress", "ReportExpired", "ReportNotPresent"}:
                    with aws_errors("GetCredentialReport"):
                        raise
                calls += 1
                state = code
        if waited >= timeout:
            raise ReportTimeoutError(
                _("the credential report was still {state} after {timeout} s").format(
                    state=state, timeout=int(timeout)
                ),
                _("AWS is slow to build it for large accounts: run the audit again in a minute"),
            )
        if on_wait:
            on_wait(_("IAM is generating the credential report ({state})").format(state=state))
        sleep(delay)
        waited += delay
        delay = min(delay * 2, 8.0)
    calls += 1
    content = answer["Content"]
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    generated = answer.get("GeneratedTime")
    if generated is not None and generated.tzinfo is None:
        generated = generated.replace(tzinfo=UTC)
    return content, generated, calls


def virtual_devices(services: Services, status: str) -> list[dict[str, Any]]:
    """ListVirtualMFADevices for one AssignmentStatus, every page."""
    # IAM's MaxItems is at most 1000 (default 100): the biggest page keeps the call count low.
    return paginate(
        services.iam,
        "list_virtual_mfa_devices",
        "VirtualMFADevices",
        page_size=1000,
        AssignmentStatus=status,
    )


def account_summary(services: Services) -> dict[str, Any]:
    """GetAccountSummary's SummaryMap."""
    with aws_errors("GetAccountSummary"):
        return dict(services.iam.get_account_summary()["SummaryMap"])


def _present(summary: dict[str, Any], key: str) -> bool | None:
    """A GetAccountSummary flag as True/False, or None when this endpoint does not give it."""
    return None if key not in summary else bool(summary[key])


def root_mfa_enabled(services: Services, summary: dict[str, Any] | None = None) -> bool:
    """AccountMFAEnabled from GetAccountSummary."""
    summary = account_summary(services) if summary is None else summary
    return bool(summary.get("AccountMFAEnabled", 0))


def run_audit(
    services: Services,
    *,
    on_progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = timing.sleep,
    timeout: float = REPORT_TIMEOUT_SECONDS,
) -> AuditResult:
    """Run the whole audit with a handful of calls, whatever the number of users."""

    def say(text: str) -> None:
        if on_progress:
            on_progress(text)

    say(_("Asking who we are (sts get-caller-identity)"))
    identity = services.identity()
    say(_("Fetching the IAM credential report"))
    content, report_time, _unused = fetch_credential_report(
        services, timeout=timeout, sleep=sleep, on_wait=say
    )
    root, users = parse_credential_report(content)
    say(_("Re-checking {count} users against assigned MFA devices").format(count=len(users)))
    assigned: dict[str, list[str]] = {}
    assigned_devices = virtual_devices(services, "Assigned")
    for device in assigned_devices:
        user = (device.get("User") or {}).get("UserName")
        if user:
            assigned.setdefault(user, []).append(device["SerialNumber"])
    summary = account_summary(services)
    root_mfa = root_mfa_enabled(services, summary) or bool(root and root.mfa_active)
    kind_of_root = root_mfa_type(root_mfa, assigned_devices)
    # MFADevicesInUse counts every kind, root's too: beyond the virtual ones assigned (and root's
    # token or key, when it has MFA but no virtual device), that many hardware tokens and
    # security keys at most are held by users. None: read every user with MFA.
    in_use = summary.get("MFADevicesInUse")
    roots = 1 if kind_of_root == ROOT_HARDWARE_OR_FIDO else 0
    bound = None if in_use is None else max(0, int(in_use) - len(assigned_devices) - roots)
    with_mfa = [u.user_name for u in users if u.mfa_active or u.user_name in assigned]
    # Those with MFA but no virtual device hold a token or a key, or the report is stale (AWS
    # serves one up to 4 hours old): they are always read. The rest only until `bound` is met.
    first = [n for n in with_mfa if n not in assigned]
    then = [n for n in with_mfa if n in assigned]
    listed: set[str] = set()
    if first or (then and bound != 0):
        say(
            _("Reading the device types of users with MFA (up to {count})").format(
                count=len(with_mfa)
            )
        )
        for name, serials in devices_of_users(services, first, then, bound).items():
            listed.add(name)
            assigned.setdefault(name, []).extend(serials)
    users = reconcile(users, assigned, listed)
    say(_("Looking for orphaned virtual MFA devices"))
    orphans = tuple(sorted(d["SerialNumber"] for d in virtual_devices(services, "Unassigned")))
    management = "unknown"
    if not root_mfa:
        from wizard.root_access import root_credentials_management

        management = root_credentials_management(services)
    return AuditResult(
        account_id=identity.account_id,
        generated_at=datetime.now(UTC),
        report_generated_at=report_time,
        root_mfa_active=root_mfa,
        users=tuple(sorted(users, key=lambda u: u.user_name.lower())),
        orphan_virtual_mfa_devices=orphans,
        root=root,
        root_mfa_type=kind_of_root,
        root_password_present=_present(summary, "AccountPasswordPresent"),
        partition=partition_of_arn(identity.arn),
        root_credentials_management=management,
    )


# ----------------------------------------------------------------------------- export

CSV_COLUMNS = [
    "user_name",
    "arn",
    "path",
    "console_access",
    "mfa_active",
    "needs_mfa",
    "mfa_devices",
    "mfa_device_types",
    "fido_only",
    "password_last_used",
    "access_keys_active",
    "oldest_active_key_rotated",
]


# OWASP's rule for CSV injection: a cell that a spreadsheet would read as a formula gets a
# leading apostrophe. IAM user names may start with `=`, `+`, `-` or `@` (`=1+2` is a legal
# name) and any member account can rename itself, so these cells are written by others.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """`value` as a CSV cell that no spreadsheet evaluates (OWASP: prefix a formula with ')."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(users: list[UserFinding] | tuple[UserFinding, ...]) -> list[list[str]]:
    """One row of CSV_COLUMNS per user, every cell made safe by `csv_cell`."""
    rows = []
    for u in users:
        rotated = u.oldest_active_key_rotated()
        rows.append(
            [
                csv_cell(cell)
                for cell in (
                    u.user_name,
                    u.arn,
                    u.path,
                    str(u.console_access).lower(),
                    str(u.mfa_active).lower(),
                    str(u.needs_mfa).lower(),
                    " ".join(u.mfa_devices),
                    " ".join(u.device_kinds),
                    str(u.fido_only).lower(),
                    u.password_last_used.isoformat() if u.password_last_used else "",
                    u.access_keys_active,
                    rotated.isoformat() if rotated else "",
                )
            ]
        )
    return rows


def to_csv(users: list[UserFinding] | tuple[UserFinding, ...]) -> str:
    """The users as CSV, one row each (devices joined with spaces, formulas defused)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(users))
    return out.getvalue()


def to_json(result: AuditResult, users: list[UserFinding] | None = None) -> str:
    """The audit as the JSON document of `mfa-wizard audit --format json`."""
    doc = result.to_json()
    if users is not None:
        doc["users"] = [u.to_json() for u in users]
    return json.dumps(doc, indent=2)


def humanize_age(then: datetime | None, now: datetime) -> str:
    """A compact age for tables: 'now', '12m', '27h', '12d', '3y' or 'never'."""
    if then is None:
        return _("never")
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return _("now")
    if seconds < 3600:
        return _("{count}m").format(count=int(seconds // 60))
    if seconds < 86400 * 2:
        return _("{count}h").format(count=int(seconds // 3600))
    if seconds < 86400 * 365 * 2:
        return _("{count}d").format(count=int(seconds // 86400))
    return _("{count}y").format(count=int(seconds // (86400 * 365)))
