"""Shell completion for both commands: `--print-completion bash|zsh|fish`.

The scripts are generated from the commands' own argparse parsers by shtab, a development
dependency (the `test` extra), and ship in assets/completions. Printing one imports nothing
but this module: no completion library is imported when the commands run, and none runs at
TAB time. A test regenerates them and fails when a parser has changed without them;
`python -m wizard.cli.completion_build` writes them again.

Profile names complete from the AWS config file (AWS_CONFIG_FILE, else ~/.aws/config), read by
one `sed` in the shell itself: no Python starts when TAB is pressed after --profile.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from wizard.i18n import _

SHELLS = ("bash", "zsh", "fish")
PROGRAMS = ("mfa-wizard", "mfa-session")


class PrintCompletion(argparse.Action):
    """`--print-completion SHELL`: print the shipped script and exit."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: Any) -> None:
        self.program = kw.pop("program")
        super().__init__(
            option_strings,
            dest,
            choices=SHELLS,
            metavar="SHELL",
            help=_("print the shell completion script (bash, zsh or fish) and exit"),
            **kw,
        )

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, shell: Any, *_: Any):
        print(shipped(self.program, shell), end="")
        parser.exit()


def add_print_completion(parser: argparse.ArgumentParser, program: str) -> None:
    """`--print-completion SHELL` on `parser` (the top-level parser of `program`)."""
    parser.add_argument(
        "--print-completion", action=PrintCompletion, program=program, default=argparse.SUPPRESS
    )


def script_path(program: str, shell: str) -> Any:
    from wizard import asset

    return asset("completions", f"{program}.{shell}")


def shipped(program: str, shell: str) -> str:
    """The completion script shipped for `program` and `shell`."""
    return script_path(program, shell).read_text(encoding="utf-8")
