"""Questions to the person at the terminal: questionary on a terminal, plain lines from a pipe."""

from __future__ import annotations

import sys

from wizard.errors import CancelledError


def ask(question: str) -> str:
    """One line from the user: questionary on a terminal, a plain line from a pipe."""
    if sys.stdin.isatty():
        import questionary

        answer = questionary.text(question).ask()
        if answer is None:  # questionary turns Ctrl-C into None
            raise KeyboardInterrupt
        return answer
    print(question, end=" ", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise CancelledError("no more input", "run the command again on a terminal")
    return line.rstrip("\n")


def confirm(question: str, assume_yes: bool) -> bool:
    """Yes/no: --yes answers for the user; without a terminal, the answer is no."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        print(f"{question} (not confirmed: pass --yes when not on a terminal)", file=sys.stderr)
        return False
    import questionary

    answer = questionary.confirm(question, default=False).ask()
    if answer is None:  # Ctrl-C at the question: the same exit 130 as everywhere else
        raise KeyboardInterrupt
    return bool(answer)
