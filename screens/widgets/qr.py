"""The QR widget: half blocks, black on white, whatever the terminal's theme."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from wizard.qr import half_block_lines

# Explicit colours: a QR needs dark modules on a light ground (and a light quiet zone).
QR_STYLE = Style(color="#000000", bgcolor="#ffffff")


class QRCode(Widget):
    """Draws a QR matrix with two modules per terminal row."""

    DEFAULT_CSS = """
    QRCode {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, matrix: list[list[bool]] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[str] = half_block_lines(matrix) if matrix else []

    def set_matrix(self, matrix: list[list[bool]] | None) -> None:
        """Show another code (or none)."""
        self._lines = half_block_lines(matrix) if matrix else []
        self.refresh(layout=True)

    @property
    def lines(self) -> list[str]:
        """The rows exactly as drawn."""
        return list(self._lines)

    def get_content_width(self, container: object, viewport: object) -> int:
        return len(self._lines[0]) if self._lines else 0

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._lines)

    def render(self) -> Text:
        return Text("\n".join(self._lines), style=QR_STYLE, no_wrap=True, end="")
