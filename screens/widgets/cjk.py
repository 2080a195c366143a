"""Line breaks in Japanese text: Textual breaks a line only where there is a space, and Japanese
has none, so a sentence longer than a line was carried down whole and left ragged gaps.

Textual's Content finds its break opportunities with Rich's word expression (`rich._wrap.re_word`,
used by `divide_line`; Textual's own `_wrap.re_chunk` serves its text areas). These make every
Japanese character a word of its own, so a line may break between any two, except before the
punctuation, long-vowel mark and small kana that must not start a line (、。」ーッ and the like,
kinsoku). Text with no Japanese in it breaks exactly as before. Both expressions are private: a test checks that a Japanese Static
wraps to full lines, so an upgrade that moves them fails the suite, not the user.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.i18n import NO_LINE_START, language

# Japanese: punctuation and symbols, kana, CJK ideographs (and extension A), full-width forms.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
# What may not start a line: it stays with the character before it.
_CLOSING = NO_LINE_START + r")\]}.,:;!?"
# What may not end a line: it goes down with the character after it.
_OPENING = "（「『【〔" + r"(\[{"
_WORD = rf"(?:[{_OPENING}]*[{_CJK}][{_CLOSING}]*|[^\s{_CJK}]+[{_CLOSING}]*)"
CJK_CHUNK = re.compile(rf"{_WORD}\s*|\s+")  # textual._wrap.re_chunk's form
CJK_WORD = re.compile(rf"\s*{_WORD}\s*")  # rich._wrap.re_word's form


def break_between_cjk() -> None:
    """Let Textual break lines between Japanese characters (idempotent)."""
    from rich import _wrap as rich_wrap
    from textual import _wrap

    _wrap.re_chunk = CJK_CHUNK
    rich_wrap.re_word = CJK_WORD


def fit_language(app: Any) -> None:
    """The app laid out for the language in use: Japanese labels are wider (the stylesheet gives
    their columns more room under `-ja`), and Japanese lines break between characters."""
    app.set_class(language() == "ja", "-ja")
    break_between_cjk()
