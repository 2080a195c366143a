"""Resume: the step reached and the non-secret choices, per account, kept between runs.

Stored as JSON (0600) under the user state directory. Only names and options go in: user names,
the step, form values such as an email address or a time zone; never a code, key or token.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from wizard import APP_NAME
from wizard.files import write_text_atomic

ALLOWED_KEYS = {"step", "selected_users", "monitor", "session_profile", "session_duration"}


def resume_path() -> Path:
    """~/.local/state/mfa-wizard/resume.json (platformdirs), or MFA_WIZARD_RESUME."""
    override = os.environ.get("MFA_WIZARD_RESUME")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)) / "resume.json"


def load(account: str) -> dict[str, Any]:
    """The saved choices for this account ({} when none or unreadable)."""
    try:
        data = json.loads(resume_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entry = data.get(account, {}) if isinstance(data, dict) else {}
    return {k: v for k, v in entry.items() if k in ALLOWED_KEYS}


def save(account: str, choices: dict[str, Any]) -> None:
    """Merge `choices` (allowed keys only) into this account's saved state."""
    path = resume_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    entry = data.setdefault(account, {})
    entry.update({k: v for k, v in choices.items() if k in ALLOWED_KEYS})
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True), mode=0o600)


def forget(account: str) -> None:
    """Drop this account's saved state (a fresh start)."""
    path = resume_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.pop(account, None) is not None:
        write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True), mode=0o600)
