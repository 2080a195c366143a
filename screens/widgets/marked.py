"""A checkbox whose state reads without colour: [x] when on, [ ] when off.

Textual's Checkbox draws the same glyph either way and tells them apart by colour only, which a
plain-text terminal (or a screen reader, or tmux capture) loses.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist


class MarkedCheckbox(Checkbox):
    """A Checkbox showing x only when checked."""

    @property
    def _button(self) -> Content:
        inner = "x" if self.value else " "
        button_style = self.get_visual_style("toggle--button")
        return Content.assemble(("[", button_style), (inner, button_style), ("]", button_style))


class MarkedRadioButton(RadioButton):
    """A RadioButton showing (•) only when chosen, ( ) otherwise."""

    @property
    def _button(self) -> Content:
        inner = "•" if self.value else " "
        button_style = self.get_visual_style("toggle--button")
        return Content.assemble(("(", button_style), (inner, button_style), (")", button_style))


class MarkedSelectionList(SelectionList):
    """A SelectionList whose boxes read [x] / [ ] without colour, like MarkedCheckbox."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        try:
            selection = self.get_option_at_index(self.scroll_offset[1] + y)
        except OptionDoesNotExist:
            return strip
        style = segments[1].style
        inner = "x" if selection.value in self._selected else " "
        segments[0:3] = [Segment("[", style), Segment(inner, style), Segment("]", style)]
        return Strip(segments)
