"""`--version` for both commands, read from the installed package's metadata when asked.

importlib.metadata costs a few milliseconds to import and scans the environment's dist-info
folders, so nothing is read until `--version` is on the command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from wizard import APP_NAME
from wizard.i18n import _


def package_version() -> str:
    """The installed mfa-wizard's version (pyproject.toml's, as pip recorded it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(APP_NAME)
    except PackageNotFoundError:  # a source tree on sys.path, never installed
        return _("unknown (not installed: pip install -e .)")


class VersionAction(argparse.Action):
    """argparse's version action, with the version read only when the option is given."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kw: Any):
        super().__init__(option_strings, dest, nargs=0, help=_("show the version and exit"), **kw)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(f"{parser.prog} {package_version()}")  # on stdout, as argparse's own action does
        parser.exit()


def add_version(parser: argparse.ArgumentParser) -> None:
    """`--version` on `parser`."""
    parser.add_argument("--version", action=VersionAction)
