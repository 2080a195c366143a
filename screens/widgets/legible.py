"""NO_COLOR that stays legible: greys as Textual makes them, but never a foreground lost in its
ground.

Textual answers NO_COLOR by turning every colour into its grey. Backgrounds keep their
differences (the cursor row, the current step, a button), but a red "NO" or a green "holds" on a
dark ground becomes near-black on black. This filter does the same greying, then lifts any
foreground too close to its background to the default light (or dark) grey. Meaning itself never
rests on colour here: the status words are words, and bold or reverse where they matter
(screens/widgets/status.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter, Monochrome

# The least difference in brightness (0..1) between a foreground and its background.
MIN_CONTRAST = 0.4
_LIGHT = Color(230, 230, 230)
_DARK = Color(20, 20, 20)


@lru_cache(4096)
def legible_style(style: Style, background: Color) -> Style:
    """`style` in greys, its foreground at least MIN_CONTRAST away from its background."""
    fg = Color.from_rich_color(style.color) if style.color is not None else None
    bg = Color.from_rich_color(style.bgcolor) if style.bgcolor is not None else background
    bg = bg.monochrome
    new_fg = fg.monochrome if fg is not None else None
    if new_fg is not None and abs(new_fg.brightness - bg.brightness) < MIN_CONTRAST:
        new_fg = _DARK if bg.brightness > 0.5 else _LIGHT
    return style + Style.from_color(
        None if new_fg is None else new_fg.rich_color,
        None if style.bgcolor is None else bg.rich_color,
    )


class LegibleMonochrome(LineFilter):
    """Greys, with every foreground readable against what is behind it."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """Each segment's style in legible greys (control segments pass unchanged)."""
        return [
            Segment(text, style if style is None else legible_style(style, background), control)
            for text, style, control in segments
        ]


def replace_monochrome(filters: Sequence[LineFilter], legible: LineFilter) -> list[LineFilter]:
    """`filters` with Textual's Monochrome swapped for `legible` (the others kept, in order)."""
    return [legible if isinstance(f, Monochrome) else f for f in filters]
