"""StepScreen: identity bar, step bar, title and explanation, a body, the footer.

Every step screen runs its AWS work in thread workers (boto3 blocks) and sends any failure to
the app's single error dialog, so no traceback ever reaches the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.widgets._footer import FooterKey
from textual.worker import Worker, WorkerState

from screens.steps import STEPS, step
from screens.widgets.bars import IdentityBar, StepBar, StepLabel
from screens.widgets.footer import TranslatedFooter
from wizard.i18n import _

if TYPE_CHECKING:
    from screens.app import WizardApp


class StepFooter(TranslatedFooter):
    """The footer of a step: its keys, then Help and Quit pinned on the right, so that these two
    are on screen at any width (Textual's footer cuts whatever does not fit at its end)."""

    PINNED = frozenset({"help", "quit", "app.help", "app.quit"})

    def compose(self) -> ComposeResult:
        # The step's keys in a box that takes the room Help and Quit leave, and clips what does
        # not fit; Help and Quit after it. (Docked over the keys instead, a Japanese word cut
        # under them blanked characters of ヘルプ and 終了 at 60 columns.)
        keys, pinned = [], []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in self.PINNED:
                pinned.append(widget)
            elif widget.has_class("-command-palette"):
                yield widget  # Textual docks it on the right itself
            else:
                keys.append(widget)
        yield Horizontal(*keys, id="footer-keys")
        if pinned:
            yield Horizontal(*pinned, id="footer-pinned")


class StepScreen(Screen):
    """Base of the step screens; subclasses set STEP and implement compose_body()."""

    @dataclass
    class Progressed(Message):
        """A worker's latest progress line; a newer one replaces an unhandled older one."""

        text: str

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, StepScreen.Progressed)

    STEP: ClassVar[str] = ""
    EXPLANATION: ClassVar[str] = ""
    # On arrival the step's scrollable body has the focus (PageUp/PageDown/Home/End reach all
    # of it) and the digit keys still change step; a field takes them only once chosen.
    # "" focuses nothing; None would inherit the App's "*" and focus the first field.
    AUTO_FOCUS = ".step-body"

    def neutral_focus(self) -> None:
        """Back to the step's body after an action, so the next digit changes step instead of
        going into the field just used."""
        bodies = self.query(".step-body")
        if bodies:
            bodies.first().focus()
        else:
            self.set_focus(None)

    @property
    def wizard(self) -> WizardApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def _identity(self) -> tuple[str, str, str, str | None, bool]:
        ctx = self.wizard.ctx
        account = f"{ctx.account_id} {ctx.account_name}" if ctx.account_name else ctx.account_id
        return account, ctx.identity_label, ctx.region, ctx.endpoint_label, bool(ctx.demo)

    def show_identity(self) -> None:
        """The identity bar again, after the app moved to another account."""
        self.query_one(IdentityBar).update(IdentityBar.line(*self._identity()))

    def compose(self) -> ComposeResult:
        yield IdentityBar(*self._identity())
        yield StepBar(self.STEP, frozenset(self.wizard.ctx.done))
        yield Static(self._title_line(_(self.EXPLANATION)), id="step-explanation")
        yield from self.compose_body()
        # No command palette entry: the footer's room goes to the step's own keys, Help and Quit.
        yield StepFooter(compact=True, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        """The step's own widgets."""
        yield from ()

    def on_screen_resume(self) -> None:
        # Steps done elsewhere since this screen was last shown.
        self.query_one(StepBar).show_done(frozenset(self.wizard.ctx.done))

    def step_undone(self) -> None:
        """This step's outcome was reversed (undo, teardown): no longer marked done."""
        self.wizard.ctx.done.discard(self.STEP)
        self.query_one(StepBar).show_done(frozenset(self.wizard.ctx.done))
        self.query_one("#step-explanation", Static).update(self._title_line(_(self.EXPLANATION)))

    def _title_line(self, rest: str) -> str:
        """The step's title line: its name in bold, then `rest` (markup)."""
        return f"[b]{step(self.STEP).title}[/b]  {rest}"

    def step_done(self) -> None:
        """This step's outcome holds now: mark it, and say what comes next in the step's own
        title line (where the eye is, and no toast piling up over the dialogs)."""
        done = self.wizard.ctx.done
        done.add(self.STEP)
        self.query_one(StepBar).show_done(frozenset(done))
        later = [s for s in STEPS if s.number > step(self.STEP).number and s.key not in done]
        line = _("✓ done")
        if later:
            following = later[0]
            line += _(" · next: [b]{number} {title}[/b] (press {number})").format(
                number=following.number, title=following.title
            )
        self.query_one("#step-explanation", Static).update(self._title_line(line))

    def report_progress(self, text: str) -> None:
        """Post a progress line from a worker thread (thread-safe)."""
        self.post_message(self.Progressed(text))

    @on(Progressed)
    def _progressed(self, event: Progressed) -> None:
        self.show_progress(event.text)

    def show_progress(self, text: str) -> None:
        """Hook: show a worker's progress line."""

    def on_step_label_chosen(self, event: StepLabel.Chosen) -> None:
        self.wizard.go_to_step(event.key)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.wizard.show_error(
                event.worker.error, title=_("{title} failed").format(title=step(self.STEP).title)
            )
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker) -> None:
        """Hook: restore the screen after a failed worker (the dialog is already shown)."""
