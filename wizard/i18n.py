"""The language a person reads: English, or Japanese from the catalogue in assets/locale (issue 28).

Run time uses the standard library's gettext alone; Babel only extracts and compiles the
catalogue (`python -m wizard.cli.catalog_build`, a development step). The compiled `.mo` ships in
the wheel under wizard/assets/locale, so no system locale data is needed: a machine whose
`ja_JP.UTF-8` locale is not installed still gets Japanese.

The choice, in order: `--lang` (both commands read it before building their parsers, so that
`--help` is translated too), else the first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that is set,
read the way Python's gettext reads them (LANGUAGE may list several: `fr:ja`); English when none
names a language we have. Switching is process-wide and takes effect at the next message: the
screens translate at the moment they draw, so a test can switch language between two apps.

Messages are marked where they are written: `_()` for text translated at once, `N_()` for text
kept in a module-level table and translated where it is shown (Babel extracts both), `ngettext`
for counts. Placeholders are named (`{user}`), because Japanese puts them in another order. What
stays English on purpose: AWS names (API calls, ARNs, policy JSON), the CLI lines shown as
equivalents, JSON/CSV keys and journal entries: they are for machines and for searching AWS's
documentation.

This module imports only `os` at load time (no `typing` either, hence the plain annotations):
mfa-session's cache hit imports it to accept `--lang` without loading gettext.
"""

from __future__ import annotations

import os

DOMAIN = "mfa-wizard"
# The languages there is a catalogue for, English (the source text) first.
LANGUAGES = ("en", "ja")
# What gettext reads, in its order.
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_language: str | None = None
_translations = None  # a gettext.NullTranslations, loaded with the language


def from_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """The language the environment asks for, as gettext reads it; 'en' when none of ours.

    Like gettext: the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is non-empty decides,
    and its `:`-separated entries are tried in turn (`ja_JP.UTF-8`, `ja_JP`, `ja` all mean ja;
    `C` and `POSIX` mean English).
    """
    environ = os.environ if environ is None else environ
    for name in ENVIRONMENT:
        value = environ.get(name)
        if value:
            for entry in value.split(":"):
                code = entry.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
                if code in LANGUAGES:
                    return code
            return "en"
    return "en"


def split_language(argv: list[str] | tuple[str, ...]) -> tuple[str | None, list[str]]:
    """The value of `--lang X` / `--lang=X` in a command line (the last one wins, as in
    argparse; None when absent), and the command line without it.

    Read before any parser exists, so that --help comes out translated, and taken out, so that
    `--lang` may stand anywhere before `--` (`mfa-wizard audit --lang ja`, `mfa-session --lang ja
    setup dev`) without every subcommand's parser declaring it.
    """
    found = None
    rest: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--":
            rest += [arg, *args]
            break
        if arg == "--lang" and args:
            found = args.pop(0)
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
        else:
            rest.append(arg)
    return found, rest


def unknown_language(value: str) -> str:
    """The one-line message for a --lang value we have no catalogue for (never translated: the
    person asking may not read the language the environment picked)."""
    return f"unknown language {value!r} for --lang: choose one of {', '.join(LANGUAGES)}"


def set_language(lang: str) -> None:
    """Use `lang` (one of LANGUAGES) for every message from now on."""
    global _language, _translations
    if lang not in LANGUAGES:
        raise ValueError(unknown_language(lang))
    import gettext

    from wizard import asset

    # fallback=True: a message missing from the catalogue stays English (never empty); English
    # has no catalogue at all. `languages=` is explicit, so the system's locale data is not used.
    _translations = gettext.translation(
        DOMAIN, localedir=str(asset("locale")), languages=[lang], fallback=True
    )
    _language = lang
    _translate_argparse()


def language() -> str:
    """The language in use (chosen from the environment at the first message if nobody chose)."""
    if _language is None:
        set_language(from_environment())
    return _language  # type: ignore[return-value]


def gettext(message: str) -> str:
    """`message` in the language in use."""
    if _translations is None:
        language()
    return _translations.gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the language in use (Japanese has one form)."""
    if _translations is None:
        language()
    return _translations.ngettext(singular, plural, n)


def width(text: str) -> int:
    """The columns `text` takes on a terminal: East Asian wide and full-width characters take
    two (a Japanese table aligns only when padded by this, not by len)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cut(text: str, columns: int) -> str:
    """`text` cut to at most `columns` terminal columns."""
    out = ""
    for char in text:
        if width(out + char) > columns:
            break
        out += char
    return out


def ljust(text: str, columns: int) -> str:
    """`text` padded with spaces to `columns` terminal columns."""
    return text + " " * max(0, columns - width(text))


def aligned(rows: list[list[str]] | list[tuple[str, ...]]) -> list[str]:
    """`rows` as lines of a plain-text table: each column as wide as its widest cell in
    terminal columns, two spaces between columns, no trailing spaces."""
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    return [
        "  ".join(ljust(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


# Kinsoku: what may not start a line (punctuation, closing brackets, the long-vowel mark and the
# small kana); it stays with the character before it.
NO_LINE_START = "、。，．・：；？！）」』】〕ー々ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"


def wrap(text: str, columns: int) -> list[str]:
    """`text` in lines of at most `columns` terminal columns: English breaks at spaces,
    Japanese between any two characters (it has no spaces), never before 、。ー or a small kana."""
    import re

    lines: list[str] = []
    line = ""
    for token in re.findall(r"[\x21-\x7e]+ *| +|[^\x00-\x7f] *", text):
        if line and width(line + token.rstrip()) > columns:
            if token[0] in NO_LINE_START and len(line.rstrip()) > 1:
                # The character before goes down with the punctuation.
                carried, line = line.rstrip()[-1], line.rstrip()[:-1]
                lines.append(line.rstrip())
                line = carried + token
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools and readers know
    """Mark `message` for the catalogue without translating it now: it sits in a module-level
    table, and is translated with `_()` where it is shown."""
    return message


def _translate_argparse() -> None:
    """argparse's own words ("usage:", "options", "invalid choice: ...") from our catalogue.

    argparse looks them up through the module-level `_` and `ngettext` it imported from gettext
    (the global domain, which has no Japanese); pointing those two names at ours is the only hook
    it has. Their texts are listed in ARGPARSE_MESSAGES so that extraction finds them.
    """
    import argparse

    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


# argparse's messages that a person meets (Python 3.11's texts; a newer Python's changed ones
# stay English). Listed here only so that extraction puts them in the catalogue.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)
