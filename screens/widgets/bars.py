"""The identity bar (who/where) and the step bar (where in the wizard)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from screens.steps import STEPS
from wizard.i18n import _


class IdentityBar(Static):
    """One line: account, identity, region, endpoint; says DEMO plainly when it is."""

    def __init__(
        self, account: str, identity: str, region: str, endpoint: str | None, demo: bool
    ) -> None:
        super().__init__(self.line(account, identity, region, endpoint, demo), id="identity-bar")

    @staticmethod
    def line(account: str, identity: str, region: str, endpoint: str | None, demo: bool) -> Text:
        """The bar's text (also for `update` when the app moves to another account)."""
        text = Text()
        if demo:
            # The app name gives way so the warning and the endpoint fit 80 columns.
            text.append(_(" DEMO ACCOUNT "), style="bold black on yellow")
        else:
            text.append(" mfa-wizard ", style="bold reverse")
        text.append(f" {account} ", style="bold")
        text.append(f"{identity} ", style="")
        text.append(f"{region}", style="dim")
        if endpoint:
            text.append(f" {endpoint}", style="dim italic")
        return text


class StepLabel(Static):
    """One step in the bar: clickable; disabled steps explain what they will do."""

    class Chosen(Message):
        """The user clicked this step."""

        def __init__(self, key: str) -> None:
            self.key = key
            super().__init__()

    def __init__(self, key: str, label: str, current: bool, built: bool, purpose: str) -> None:
        classes = "step" + (" -current" if current else "") + ("" if built else " -unbuilt")
        super().__init__(label, id=f"step-{key}", classes=classes)
        self.key = key
        self.tooltip = purpose if built else _("{purpose} (not built yet)").format(purpose=purpose)

    def on_click(self) -> None:
        self.post_message(self.Chosen(self.key))


class StepBar(Horizontal):
    """The steps in order: the current one highlighted, a done one marked ✓ (a mark, so it reads
    without colour); under 72 columns the other steps show their number only."""

    NARROW = 72

    def __init__(self, current: str, done: frozenset[str] = frozenset()) -> None:
        super().__init__(id="step-bar")
        self.current = current
        self.done = done

    def compose(self) -> ComposeResult:
        for s in STEPS:
            yield StepLabel(
                s.key, self.label(s.key, wide=True), s.key == self.current, s.built, s.purpose
            )

    def label(self, key: str, wide: bool) -> str:
        """A step's label: ✓ when done, its title when current or when there is room."""
        s = next(s for s in STEPS if s.key == key)
        mark = "✓" if key in self.done else ""
        title = f" {s.title}" if wide or key == self.current else ""
        return f"{mark}{s.number}{title}"

    def show_done(self, done: frozenset[str]) -> None:
        """Mark the steps done now (after a step ends, or on coming back to this screen)."""
        self.done = done
        self._relabel()

    def on_resize(self) -> None:
        self._relabel()

    def _relabel(self) -> None:
        wide = self.app.size.width >= self.NARROW
        for label in self.query(StepLabel):
            label.update(self.label(label.key, wide))
