"""Atomic file writes: temp file in the same directory, fsync, rename; mode set before content."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from wizard.errors import UsageError


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, mode: int = 0o600, make_parents: bool = True
) -> Path:
    """Write `text` to `path` atomically with `mode`; errors name the file and the fix.

    A symlink is written through: its target is replaced, the link stays (a linked
    ~/.aws/credentials keeps pointing where it did). `make_parents=False` for paths a person
    typed: a missing directory is then an error, not a surprise new tree.
    """
    import tempfile  # lazily: mfa-session's cache-hit path never writes

    target = Path(os.path.realpath(Path(path).expanduser()))
    directory = target.parent
    try:
        if make_parents:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif not directory.is_dir():
            raise FileNotFoundError(2, "no such directory")
        # mkstemp creates the file 0600, so a secret is never readable by others, not even briefly.
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(
            f"cannot write {target} ({exc.strerror or type(exc).__name__})",
            "choose a writable location or fix the directory's permissions",
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise UsageError(
            f"cannot write {target} ({exc.strerror or type(exc).__name__})",
            "choose a writable location or fix the file's permissions",
        ) from None
    return target
