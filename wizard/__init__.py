"""mfa-wizard's domain layer: every AWS call lives here; nothing here imports Textual."""

from __future__ import annotations

import os

# The product's name: directories, user agent, resource prefix, keyring service. Held once here.
APP_NAME = "mfa-wizard"
# Every AWS resource the wizard creates carries this tag, so teardown and undo touch only those.
TAG_KEY, TAG_VALUE = "managed-by", APP_NAME


def assets_dir() -> Path:  # noqa: F821 - pathlib is imported lazily (mfa-session start-up)
    """The assets folder, found relative to this package, never the working directory.

    An installed wheel carries it as wizard/assets; a source checkout (editable install, tests)
    has it beside the package at the repository root.
    """
    from pathlib import Path

    here = Path(os.path.realpath(__file__)).parent
    for candidate in (here / "assets", here.parent / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mfa-wizard's assets folder is missing next to {here}")


def asset(*parts: str) -> Path:  # noqa: F821
    """Path of one file under assets/."""
    return assets_dir().joinpath(*parts)
