"""Atomic file writes: temp file in the same directory, fsync, rename; mode set before content."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from wizard.errors import UsageError
from wizard.i18n import _


def write_text_atomic(
    path: str | os.PathLike[str],
    text: str,
    *,
    mode: int = 0o600,
    make_parents: bool = True,
    follow_links: bool = True,
) -> Path:
    """Write `text` to `path` atomically with `mode`; errors name the file and the fix.

    With `follow_links` (the AWS config and credentials files, the caches) a symlink is
    written through: its target is replaced, the link stays (a linked ~/.aws/credentials keeps
    pointing where it did). Without it (exports, see `export_text`) a final-component symlink
    is refused. `make_parents=False` for paths a person typed: a missing directory is then an
    error, not a surprise new tree.
    """
    import tempfile  # lazily: mfa-session's cache-hit path never writes

    given = Path(path).expanduser()
    if follow_links:
        target = Path(os.path.realpath(given))
    else:
        # The directory may be reached through links the user made; the name itself is never
        # followed. The temp file is made beside the name (mkstemp is O_EXCL, which never
        # follows a link), and the rename replaces the name, never what a link points at: a link
        # planted between this check and the rename is replaced, its target left alone.
        target = Path(os.path.realpath(given.parent)) / given.name
        _refuse_link(given, target)
    directory = target.parent
    try:
        if make_parents:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif not directory.is_dir():
            raise FileNotFoundError(2, _("no such directory"))
        # mkstemp creates the file 0600, so a secret is never readable by others, not even briefly.
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(
            _("cannot write {target} ({value})").format(
                target=target, value=exc.strerror or type(exc).__name__
            ),
            _("choose a writable location or fix the directory's permissions"),
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
            _("cannot write {target} ({value})").format(
                target=target, value=exc.strerror or type(exc).__name__
            ),
            _("choose a writable location or fix the file's permissions"),
        ) from None
    return target


def export_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write an export (an audit, a summary) that a person named: 0600, the directory must
    exist, and a symlink at PATH is refused.

    A symlink someone else planted in a shared directory (/tmp) would otherwise make the
    victim overwrite their own file with an audit of their account, and make it 0600.
    """
    # 0600 like the journal: an audit names people and their weak spots.
    return write_text_atomic(path, text, mode=0o600, make_parents=False, follow_links=False)


def _refuse_link(given: Path, target: Path) -> None:
    """A UsageError when `target`'s final component is a symbolic link (never followed)."""
    try:
        is_link = stat.S_ISLNK(os.lstat(target).st_mode)
    except OSError:
        return  # absent (the usual case) or unreadable: mkstemp and the rename report it
    if is_link:
        raise UsageError(
            _("{given} is a symbolic link; an export never writes through one").format(given=given),
            _(
                "write to a new file name, or remove the link (`rm` removes the link, not its "
                "target)"
            ),
        )
