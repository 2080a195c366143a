"""`mfa-session`: temporary MFA session credentials (issue 6; not built yet)."""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point."""
    print("mfa-session: not built yet", file=sys.stderr)
    sys.exit(2)
