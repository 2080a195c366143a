"""English left in Japanese output: every English message of the shipped catalogue, cut at its
placeholders into pieces of four words or more, looked for in what was shown. A message marked
for extraction only (N_) and shown without _() stays English and is found this way."""

from __future__ import annotations

import gettext
import re

from wizard import asset


def english_messages() -> list[str]:
    """Every English message of the catalogue, cut at its placeholders into pieces of four words
    or more (whitespace collapsed), leaving out pieces its translation keeps (a CLI line)."""
    with open(asset("locale/ja/LC_MESSAGES/mfa-wizard.mo"), "rb") as mo:
        messages = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    pieces = set()
    for msgid, msgstr in messages.items():
        english = msgid[0] if isinstance(msgid, tuple) else msgid
        for piece in re.split(r"\{[^}]*\}|%\([^)]*\)[sd]|\n", english):
            piece = " ".join(piece.split()).strip(" :;,.()")
            if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 4 and piece not in msgstr:
                pieces.add(piece)
    return sorted(pieces)


def english_left(shown: str) -> list[str]:
    """The English messages found in `shown` (whitespace collapsed, so a message wrapped over
    lines is still found whole)."""
    shown = " ".join(shown.split())
    return [piece for piece in english_messages() if piece in shown]
