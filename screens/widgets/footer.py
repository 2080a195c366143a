"""The footer, in the language in use."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from wizard.i18n import N_, _

# Textual's own key shown in the footer (ctrl+p, the command palette), for the catalogue.
TEXTUAL_KEYS = (N_("palette"),)


class TranslatedFooter(Footer):
    """Textual's footer with each key's description (and tooltip) in the language in use: the
    screens' BINDINGS are class attributes, made once at import, so their words are marked with
    N_() there and translated here, when the footer is drawn."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if widget.tooltip:
                    widget.tooltip = _(str(widget.tooltip))
            yield widget
