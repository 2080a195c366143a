"""The journal: an append-only record of every change the wizard makes, never a secret.

One JSON object per line in a 0600 file under the user state directory: time, account, region,
step, action, resource, outcome, and how to undo it (an `undo` dict the step understands, or None
when AWS offers no way back). `mfa-wizard journal` shows it; `mfa-wizard undo` walks it back.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wizard import APP_NAME
from wizard.i18n import _

# Keys that must never reach the journal, whatever a caller passes (defence in depth).
_FORBIDDEN = ("secret", "seed", "token", "password", "base32", "qrcode")
_lock = threading.Lock()


def journal_path() -> Path:
    """~/.local/state/mfa-wizard/journal.jsonl (platformdirs), or MFA_WIZARD_JOURNAL."""
    override = os.environ.get("MFA_WIZARD_JOURNAL")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)) / "journal.jsonl"


@dataclass
class Entry:
    """One change."""

    step: str
    action: str
    resource: str
    account: str
    region: str
    outcome: str = "done"
    undo: dict[str, Any] | None = None
    detail: str = ""
    # The endpoint for a moto server or another non-AWS endpoint ("" is AWS itself): changes made
    # against a demo never show, nor get undone, against a real account with the same id.
    endpoint: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    undone_by: str | None = None

    def belongs_to(self, account: str, endpoint: str) -> bool:
        """True for an entry made in this account through this endpoint."""
        return self.account == account and self.endpoint == endpoint

    def describe(self) -> str:
        """One line for people."""
        return f"{self.time}  {self.step:<8} {self.action:<28} {self.resource}  [{self.outcome}]"


def _check_clean(value: Any, path: str = "") -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if any(word in str(key).lower() for word in _FORBIDDEN):
                raise ValueError(
                    _("refusing to journal a secret-looking field {path}{key}").format(
                        path=path, key=key
                    )
                )
            _check_clean(inner, f"{path}{key}.")
    elif isinstance(value, list):
        for inner in value:
            _check_clean(inner, path)


def append(entry: Entry, path: Path | None = None) -> Entry:
    """Append one entry (0600 file, 0700 directory), thread-safe."""
    data = asdict(entry)
    _check_clean(data)
    target = path or journal_path()
    with _lock:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
                os.fchmod(fd, 0o600)
            os.write(fd, (json.dumps(data, sort_keys=True) + "\n").encode())
        finally:
            os.close(fd)
    return entry


def read(path: Path | None = None) -> list[Entry]:
    """Every entry, oldest first; a damaged line is skipped, not fatal."""
    target = path or journal_path()
    if not target.exists():
        return []
    entries = []
    for line in target.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            entries.append(Entry(**data))
        except (ValueError, TypeError):
            continue
    # An "undo" entry marks the entry it reversed.
    undone = {e.undo.get("reverses"): e.id for e in entries if e.action == "undo" and e.undo}
    for e in entries:
        if e.id in undone:
            e.undone_by = undone[e.id]
    return entries


def endpoint_of(services: Any) -> str:
    """The endpoint a journal entry is keyed by: "" for AWS itself."""
    return getattr(services, "effective_endpoint", None) or ""


def for_target(entries: list[Entry], services: Any) -> list[Entry]:
    """The entries made in this account through this endpoint."""
    account, endpoint = services.identity().account_id, endpoint_of(services)
    return [e for e in entries if e.belongs_to(account, endpoint)]


def recent_changes(services: Any, within: float) -> list[Entry]:
    """This target's changes of the last `within` seconds, undo records aside.

    A change an earlier run made seconds ago (a run stopped by an error or Ctrl-C) may still be
    propagating inside AWS; the next run waits for it as it would for its own.
    """
    cutoff = datetime.now(UTC) - timedelta(seconds=within)
    recent = []
    for entry in for_target(read(), services):
        try:
            when = datetime.fromisoformat(entry.time)
        except ValueError:
            continue
        if entry.action != "undo" and when >= cutoff:
            recent.append(entry)
    return recent


def record(
    services: Any,
    step: str,
    action: str,
    resource: str,
    *,
    undo: dict[str, Any] | None = None,
    detail: str = "",
    outcome: str = "done",
) -> Entry:
    """Journal a change made through `services` (account and region filled in)."""
    identity = services.identity()
    return append(
        Entry(
            step=step,
            action=action,
            resource=resource,
            account=identity.account_id,
            region=services.region,
            endpoint=endpoint_of(services),
            outcome=outcome,
            undo=undo,
            detail=detail,
        )
    )


def mark_undone(services: Any, entry: Entry, outcome: str) -> Entry:
    """Record that `entry` was reversed (or could not be)."""
    return record(
        services,
        entry.step,
        "undo",
        entry.resource,
        undo={"reverses": entry.id},
        detail=f"undo of {entry.action}",
        outcome=outcome,
    )
