"""`--lang` on both commands: taken off the command line first, so that `--help` is translated."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from wizard.i18n import (
    LANGUAGES,
    _,
    from_environment,
    set_language,
    split_language,
    unknown_language,
    width,
    wrap,
)


def take_language(argv: Sequence[str], prog: str) -> list[str] | None:
    """Use the language `--lang` names, else the environment's, and return the command line
    without `--lang`; None (after one line on stderr) when `--lang` names no language of ours."""
    lang, rest = split_language(argv)
    if lang is not None and lang not in LANGUAGES:
        print(f"{prog}: {unknown_language(lang)}", file=sys.stderr)
        return None
    set_language(lang or from_environment())
    return rest


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """`--lang` in the help (the value itself was taken off the command line already)."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=_("language of the messages (default: from LANGUAGE, LC_ALL, LC_MESSAGES, LANG)"),
    )


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, wrapped by terminal columns: a Japanese character takes two columns and
    Japanese has no spaces to break at (argparse's textwrap counts characters and breaks only at
    spaces, so Japanese help ran past the window)."""

    def _format_usage(self, usage, actions, groups, prefix):  # type: ignore[no-untyped-def]  # noqa: ANN001
        # argparse lays the usage out by len(prefix): "使い方: " is 5 characters but 8 columns.
        # An ASCII stand-in as wide as the translated prefix lays it out right.
        shown = _("usage: ") if prefix is None else prefix
        stand_in = "u" * width(shown)
        text = super()._format_usage(usage, actions, groups, stand_in)
        return text.replace(stand_in, shown, 1)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return [line for paragraph in text.splitlines() for line in wrap(paragraph, width) or [""]]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(
            indent + line
            for paragraph in text.splitlines()
            for line in wrap(paragraph, width - len(indent)) or [""]
        )


class ListHelpFormatter(HelpFormatter):
    """HelpFormatter for a description that is a list ("  name   what it does" per line, as
    `monitor`'s actions): each line is kept, and a long one wraps under its text column."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for paragraph in text.splitlines():
            match = re.match(r"\s+\S+\s+", paragraph)
            term = match.group() if match else ""
            body = wrap(paragraph[len(term) :], width - len(indent) - len(term)) or [""]
            lines += [
                indent + (term if i == 0 else " " * len(term)) + line for i, line in enumerate(body)
            ]
        return "\n".join(lines)


class ArgumentParser(argparse.ArgumentParser):
    """The commands' parser: HelpFormatter by default, and so for every subcommand's parser (a
    subparser is of its parent's class)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
