"""One `monitor apply` per account and region at a time.

Two applies at once would each plan "create" for the KMS key, the trail and the rest, and the
loser would leave an enabled key without an alias ($1 a month, forever). The lock is a file
beside the journal, held (flock) from the plan to the last change; a second apply is refused at
once with the holder's pid and start time. Re-entrant within a process: the command line holds
it from its plan, and `apply_monitoring` takes it again.

On the AWS side there is no create-if-absent marker among the services the wizard already uses,
except the KMS alias itself: a CreateAlias that finds the alias taken means another apply (on any
machine) won, and the key just made is scheduled for deletion at once (`key.py`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from wizard.errors import UsageError
from wizard.i18n import _

_held: dict[str, int] = {}
_guard = threading.Lock()


@contextlib.contextmanager
def apply_lock(account: str, region: str) -> Iterator[None]:
    """Hold the apply lock of `account` in `region`; a UsageError when another process has it."""
    from wizard.journal import journal_path

    path = journal_path().parent / f".monitor-apply-{account}-{region}.lock"
    # Re-entrant for the thread that holds it (the command line's plan, then its apply); another
    # thread of the same process (a second F6) opens its own descriptor and is refused.
    key = f"{path}\0{threading.get_ident()}"
    with _guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    try:
        import fcntl
    except ImportError:  # Windows: no lock (the alias check in key.py still holds)
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_NOFOLLOW: the lock file is truncated and written, so a planted link is refused.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise UsageError(
            _("cannot open the apply lock {path} ({strerror})").format(
                path=path, strerror=exc.strerror
            ),
            _("remove it if it is a symbolic link, or fix the directory's permissions"),
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or _("another process")
            raise UsageError(
                _(
                    "another `monitor apply` is running for account {account} in {region} ({holder})"
                ).format(account=account, region=region, holder=holder),
                _(
                    "wait for it to finish, then plan again (two at once would both create the KMS "
                    "key, the trail and the alarms)"
                ),
            ) from None
        os.ftruncate(fd, 0)
        since = datetime.now(UTC).strftime("%H:%M:%S UTC")
        os.pwrite(fd, f"pid {os.getpid()}, since {since}".encode(), 0)
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                _held.pop(key, None)
    finally:
        os.close(fd)  # closing releases the flock
