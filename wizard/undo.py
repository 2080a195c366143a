"""Reversing journaled changes: each journal entry's `undo` names a reverting op of
`wizard.plan` (the same ops teardown uses).

An op is idempotent: when the thing is already gone it reports "already undone" instead of
failing, so `mfa-wizard undo` can be re-run after an interruption.
"""

from __future__ import annotations

from collections.abc import Callable

from wizard.aws import Services
from wizard.errors import WizardError
from wizard.i18n import _
from wizard.journal import Entry, for_target, mark_undone
from wizard.plan import OPS, REVERT_WORDS, revert


def describe_undo(entry: Entry) -> str:
    """What undoing `entry` will do, in plain words, with the region it happens in."""
    undo = entry.undo or {}
    known = REVERT_WORDS.get(str(undo.get("op")))
    template = (
        _(known) if known else _("reverse: {action}").format(action=entry.action.replace("_", " "))
    )
    try:
        words = template.format(**{k: v for k, v in undo.items() if isinstance(v, str)})
    except (KeyError, IndexError):
        words = template.split(" {")[0] + f" ({entry.resource})"
    return _("{words} (in {region})").format(words=words, region=entry.region)


def undoable(entries: list[Entry], services: Services, step: str | None = None) -> list[Entry]:
    """Entries of this account and endpoint that can still be undone, newest first."""
    return [
        e
        for e in reversed(for_target(entries, services))
        if e.action != "undo"
        and e.undo
        and e.undo.get("op") in OPS
        and e.undone_by is None
        and e.outcome == "done"
        and (step is None or e.step == step)
    ]


def undo_entries(
    services: Services,
    entries: list[Entry],
    on_progress: Callable[[str], None] | None = None,
) -> list[tuple[Entry, str]]:
    """Reverse `entries` in the order given (newest first); stops at the first error."""
    done: list[tuple[Entry, str]] = []
    account = services.identity().account_id
    for entry in entries:
        assert entry.undo is not None
        if entry.account != account:
            raise WizardError(
                _("the change {id} was made in account {account}, not {account2}").format(
                    id=entry.id, account=entry.account, account2=account
                ),
                _("run undo with credentials for that account"),
            )
        # Each change is undone where it was made, whatever --region this run has.
        here = services.in_region(entry.region)
        outcome = revert(here, entry.undo)
        mark_undone(here, entry, outcome)
        done.append((entry, outcome))
        if on_progress:
            on_progress(f"{_(outcome)}: {entry.action} {entry.resource}")
    return done


def undo_enforcement(
    services: Services, on_progress: Callable[[str], None] | None = None
) -> list[str]:
    """Reverse every journaled enforcement change of this account (newest first)."""
    from wizard.journal import read

    todo = undoable(read(), services, step="enforce")
    return [
        f"{_(outcome)}: {entry.action} {entry.resource}"
        for entry, outcome in undo_entries(services, todo, on_progress)
    ]
