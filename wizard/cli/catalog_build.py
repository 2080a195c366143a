"""Extracting and compiling the catalogues in assets/locale (development time only).

    python -m wizard.cli.catalog_build           # extract, merge into ja.po, compile ja.mo
    python -m wizard.cli.catalog_build --missing # list the messages that lack Japanese

Babel (the `test` extra) reads every `_()`, `N_()` and `ngettext()` in wizard/ and screens/, merges
them into `assets/locale/ja/LC_MESSAGES/mfa-wizard.po` (a new message arrives with an empty
translation, a removed one leaves), and compiles the `.mo` that ships. The `.po` keeps file names
but no line numbers, so that moving code does not churn it. A test runs the same extraction and
fails while any message lacks Japanese or the `.mo` is older than the `.po`.
"""

from __future__ import annotations

import argparse
import io
import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

import wizard
from wizard import asset
from wizard.i18n import DOMAIN, LANGUAGES

ROOT = Path(wizard.__file__).resolve().parent.parent
SOURCES = ("wizard", "screens")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Fixed, so that a rebuild with no new message writes the same bytes.
_DATE = datetime(2026, 12, 8, tzinfo=UTC)
_HEADER = (
    "# The Japanese messages of mfa-wizard (issue 28): edit msgstr here, then run\n"
    "# `python -m wizard.cli.catalog_build` to merge new messages and compile the .mo.\n"
    "# Terms follow assets/locale/GLOSSARY.md (AWS's own Japanese terms)."
)
_PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:![rsa])?(?::[^}]*)?\}|%\([a-z_]+\)[sdr]|%[sdr]")


def extract() -> Catalog:
    """Every marked message of the product, with the files it comes from."""
    template = Catalog(project=wizard.APP_NAME, creation_date=_DATE, fuzzy=False)
    for source in SOURCES:
        for filename, _lineno, message, comments, context in extract_from_dir(
            ROOT / source,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("i18n:",),
            strip_comment_tags=True,
        ):
            location = (f"{source}/{filename}", None)
            template.add(message, locations=[location], auto_comments=comments, context=context)
    return template


def po_path(lang: str) -> Path:
    """The editable catalogue of `lang`."""
    return asset("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")


def mo_path(lang: str) -> Path:
    """The compiled catalogue of `lang`, the one gettext reads."""
    return po_path(lang).with_suffix(".mo")


def read(lang: str) -> Catalog:
    """The catalogue of `lang` as committed (empty when there is none yet)."""
    path = po_path(lang)
    if not path.exists():
        catalog = Catalog(locale=lang, domain=DOMAIN, fuzzy=False)
    else:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
    catalog.project, catalog.version = wizard.APP_NAME, "1"
    catalog.header_comment = _HEADER
    catalog.last_translator = catalog.language_team = "mfa-wizard developers"
    catalog.msgid_bugs_address = ""
    return catalog


def merged(lang: str, template: Catalog) -> Catalog:
    """The catalogue of `lang` updated to the messages of `template` (no fuzzy guesses: a
    guess that looks right is worse than an English message)."""
    catalog = read(lang)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.creation_date = catalog.revision_date = _DATE
    catalog.fuzzy = False
    return catalog


def missing(catalog: Catalog) -> list[str]:
    """The messages of `catalog` with no translation (or only a fuzzy one)."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def placeholders(text: str) -> list[str]:
    """The `{name}` and `%(name)s` fields of a message, sorted (a translation must keep them)."""
    return sorted(set(_PLACEHOLDER.findall(text)))


def compiled(catalog: Catalog) -> bytes:
    """The `.mo` bytes gettext reads."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def po_bytes(catalog: Catalog) -> bytes:
    """The `.po` text as committed."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, sort_output=False, omit_header=False)
    return buffer.getvalue()


def build() -> list[str]:
    """Extract, merge and compile every catalogue; the messages still lacking a translation."""
    template = extract()
    lacking = []
    for lang in LANGUAGES[1:]:
        catalog = merged(lang, template)
        po_path(lang).parent.mkdir(parents=True, exist_ok=True)
        po_path(lang).write_bytes(po_bytes(catalog))
        mo_path(lang).write_bytes(compiled(catalog))
        lacking += [f"{lang}: {message}" for message in missing(catalog)]
    return lacking


def main() -> None:
    """Command line of this development step."""
    parser = argparse.ArgumentParser(prog="python -m wizard.cli.catalog_build")
    parser.add_argument("--missing", action="store_true", help="list untranslated messages")
    args = parser.parse_args()
    lacking = build()
    if args.missing:
        for line in lacking:
            print(line.replace("\n", "\\n"))
    print(f"{len(lacking)} messages lack a translation")


if __name__ == "__main__":
    main()
