"""WizardApp and the one factory (create_app) that the CLI and the tests both use."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from screens.context import WizardContext
from screens.notices import ConnectingScreen, TooSmallScreen
from screens.steps import STEPS, step
from screens.widgets.cjk import fit_language
from wizard import asset
from wizard.errors import WizardError, translate
from wizard.i18n import N_, _

if TYPE_CHECKING:
    from wizard.aws import Services
    from wizard.demo import DemoAccount
    from wizard.models import AuditResult, CallerIdentity
    from wizard.session.credentials import SessionCredentials
    from wizard.target import Target


def _lazy_provider() -> Any:
    """The palette's provider class, imported when the palette first opens."""
    from screens.help import WizardCommands

    return WizardCommands


def _lazy(module: str, name: str) -> Callable[[], Screen]:
    """A screen factory that imports its module on first use (start-up imports one screen)."""
    return lambda: getattr(import_module(module), name)()


class WizardApp(App[int]):
    """The MFA wizard: one screen per step, switched with the number keys or the step bar."""

    TITLE = "mfa-wizard"
    CSS_PATH = str(asset("styles", "app.tcss"))
    SCREENS = {
        "audit": _lazy("screens.audit", "AuditScreen"),
        "enroll": _lazy("screens.enrollment", "EnrollmentScreen"),
        "enforce": _lazy("screens.policy", "PolicyScreen"),
        "session": _lazy("screens.session", "SessionScreen"),
        "monitor": _lazy("screens.monitoring", "MonitoringScreen"),
        "summary": _lazy("screens.summary", "SummaryScreen"),
    }
    # The app's own commands first in Ctrl+P (steps, export, verify, the organization).
    COMMANDS = App.COMMANDS | {_lazy_provider}
    # Below this the layout cannot show a step whole (the QR needs 80x24; see run_tui).
    MIN_SIZE = (60, 20)
    # The app's own workers whose failure the error dialog reports, with its title.
    FAILURE_TITLES = {
        "switch-account": N_("Could not open the account"),
        "use-session": N_("Could not use the session"),
    }
    BINDINGS = [
        Binding("f1,question_mark", "help", N_("Help")),
        Binding("q", "quit", N_("Quit")),
        # Digits type into a focused field; Esc leaves the field, then a digit changes step.
        Binding("escape", "leave_field", N_("Leave field")),
        Binding("ctrl+n", "step(1)", N_("Next step"), show=False, priority=True),
        Binding("ctrl+b", "step(-1)", N_("Previous step"), show=False, priority=True),
        *[Binding(str(s.number), f"go('{s.key}')", s.title, show=False) for s in STEPS],
    ]

    @dataclass
    class Connected(Message):
        """The AWS target answered (the demo server is up and seeded): the steps can start."""

        ctx: WizardContext

    def __init__(
        self,
        ctx: WizardContext | None = None,
        connect: Callable[[], WizardContext] | None = None,
    ) -> None:
        super().__init__()
        if ctx is None and connect is None:
            raise ValueError(_("WizardApp needs a context or a way to connect"))
        self.ctx: WizardContext = ctx  # type: ignore[assignment] - set by Connected otherwise
        self._connect = connect
        # A failure to reach AWS at start: run_tui reports it after the app closes.
        self.connect_error: WizardError | None = None
        # run_tui turns it on: SIGHUP (the terminal closed) and SIGTERM roll back, then quit.
        self.handle_signals = False
        self.rolled_back = 0
        if self.no_color:
            # Textual greys every colour under NO_COLOR, and red or green text on a dark ground
            # turns near-black on black: keep the greys, but never an unreadable foreground.
            from screens.widgets.legible import LegibleMonochrome, replace_monochrome

            self._filters = replace_monochrome(self._filters, LegibleMonochrome())

    def on_mount(self) -> None:
        fit_language(self)
        if self.handle_signals:
            import asyncio
            import signal

            loop = asyncio.get_running_loop()
            for signum in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(signum, self._hang_up, signum)
        if self.ctx is None:
            # Paint at once; the embedded server (or STS) answers in the background.
            self.push_screen(ConnectingScreen())
            self._connect_worker()
            return
        self._start()

    def _start(self) -> None:
        # The Audit screen's first result also becomes the Summary's "before" (one audit, not two).
        self.push_screen("audit")
        if self.ctx.resume:
            self._resume()

    def _hang_up(self, signum: int) -> None:
        """The terminal closed (SIGHUP) or we are told to stop (SIGTERM): delete the devices
        created but not enabled first, as the enroll command does, then quit as on q.

        Done here, in the loop, before anything else: the app's own way out writes to a terminal
        that may be gone, and nothing after that is sure to run."""
        if self.ctx is not None:
            self.rolled_back += roll_back_pending(self.ctx, quiet=True)
        self.exit(return_code=128 + signum)

    @work(thread=True, exit_on_error=False, group="connect")
    def _connect_worker(self) -> None:
        assert self._connect is not None
        self.post_message(self.Connected(self._connect()))

    @on(Connected)
    def _connected(self, event: Connected) -> None:
        self.ctx = event.ctx
        self.pop_screen()
        self._start()

    def _resume(self) -> None:
        """Back to the step reached last time, with the users chosen then."""
        from wizard import resume

        saved = resume.load(self.ctx.account_id)
        self.ctx.saved = saved
        self.ctx.selected_users.update(saved.get("selected_users", []))
        step_key = saved.get("step")
        if step_key and step_key != "audit" and step_key in self.SCREENS:
            self.switch_screen(step_key)
            self.notify(
                _("Resumed at step {number} {title}.").format(
                    number=step(step_key).number, title=step(step_key).title
                ),
                title=_("Resume"),
            )

    def remember(self, **choices: object) -> None:
        """Save non-secret choices for the next run (a failure to save is not worth a dialog)."""
        if not self.ctx.resume:
            return
        import contextlib

        from wizard import resume

        with contextlib.suppress(WizardError):
            resume.save(
                self.ctx.account_id, {"selected_users": sorted(self.ctx.selected_users), **choices}
            )

    def audit_taken(self, result: AuditResult) -> None:
        """An audit finished: an account's first one also captures its Summary 'before'."""
        ctx = self.ctx
        ctx.last_audit = result
        if result.account_id not in ctx.befores and ctx.audit_runner is None:
            self._capture_before(ctx.services, result)

    @work(thread=True, exit_on_error=False, group="before")
    def _capture_before(self, services: Services, audit: AuditResult) -> None:
        """The 'before' column of the Summary; a failure only leaves it empty."""
        from wizard.summary import capture

        # The first read of an account wins: a later one (after a change) is no "before".
        self.ctx.befores.setdefault(audit.account_id, capture(services, audit))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Not reaching AWS at start ends the app with the cause and fix (run_tui prints them).
        if event.worker.group == "connect" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.connect_error = error if isinstance(error, WizardError) else translate(error)
            self.exit(return_code=self.connect_error.exit_code)
        # The account, or the credentials, stay as they were; the cause and fix say why.
        title = self.FAILURE_TITLES.get(event.worker.group)
        if title is not None and event.state == WorkerState.ERROR:
            self.show_error(event.worker.error or RuntimeError(), title=title)
        # Other app-level workers (the 'before' capture) fail quietly: the Summary says so.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A screen in the middle of something typed (the Enroll codes) keeps the digit keys.
        if action == "leave_field":
            # Shown (and active) only while a field has the keys: it says how to get them back.
            from textual.widgets import Input

            return isinstance(self.screen.focused, Input)
        return not (action in {"go", "step"} and getattr(self.screen, "holds_keys", False))

    def action_go(self, key: str) -> None:
        self.go_to_step(key)

    def action_help_quit(self) -> None:
        """Ctrl-C quits, as in any terminal program (Textual's own toast, "press Ctrl+Q",
        covered the demo codes); an unfinished device is deleted on the way out, as on q."""
        self.exit()

    def action_help(self) -> None:
        """The help of the step on screen (its keys read from the step as it is now)."""
        from screens.help import HelpScreen, step_keys

        screen = self.screen
        if isinstance(screen, (ModalScreen, ConnectingScreen)):
            return  # a dialog has its keys on screen; help is for the step under it
        key = getattr(screen, "STEP", "audit")
        self.push_screen(HelpScreen(key, step_keys(screen)))

    async def run_in_step(self, key: str, action: str | None) -> None:
        """Go to step `key` (if not there) and run one of its actions: the palette's commands.
        `key` "" means the step on screen."""
        if key and getattr(self.screen, "STEP", None) != key:
            if getattr(self.screen, "holds_keys", False):
                self.notify(_("Finish or cancel the enrolment first (Esc)."), severity="warning")
                return
            await self.switch_screen(key)
            self.remember(step=key)
        if action == "help":
            self.action_help()
        elif action:
            await self.screen.run_action(action)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands, less two: its keys panel (F1 is the help here, with every
        key of the step) and screenshots, which would write a revealed secret to a file."""
        for command in super().get_system_commands(screen):
            if command.title not in {"Keys", "Screenshot"}:
                yield command

    def on_resize(self, event: events.Resize) -> None:
        """Below MIN_SIZE the steps are replaced by a notice naming the size needed; they come
        back, as they were, once the terminal is large enough again."""
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        """Cover the steps with the too-small notice, or take it away. A step may need more
        than MIN_SIZE for what it shows now (a QR code waiting for its codes): it says so in
        its `min_size`."""
        step_screen = next(
            (s for s in reversed(self.screen_stack) if not isinstance(s, ModalScreen)), None
        )
        needs = getattr(step_screen, "min_size", None) or self.MIN_SIZE
        needed = (max(needs[0], self.MIN_SIZE[0]), max(needs[1], self.MIN_SIZE[1]))
        small = width < needed[0] or height < needed[1]
        notice = next((s for s in self.screen_stack if isinstance(s, TooSmallScreen)), None)
        if small and notice is None:
            why = _("for this QR code") if needs != self.MIN_SIZE else ""
            self.push_screen(TooSmallScreen(needed, why))
        elif notice is not None and not small and self.screen is notice:
            self.pop_screen()

    def action_leave_field(self) -> None:
        neutral = getattr(self.screen, "neutral_focus", None)
        if neutral is not None:
            neutral()
        else:
            self.screen.set_focus(None)

    def action_step(self, delta: int) -> None:
        keys = [s.key for s in STEPS]
        current = getattr(self.screen, "STEP", "audit")
        if current in keys:
            self.go_to_step(keys[(keys.index(current) + delta) % len(keys)])

    def go_to_step(self, key: str) -> None:
        """Show a step's screen; an unbuilt step says what it will do instead."""
        target = step(key)
        if not target.built or key not in self.SCREENS:
            self.notify(
                _("{title}: {purpose}. Not built yet.").format(
                    title=target.title, purpose=target.purpose
                ),
                title=_("Step {number}").format(number=target.number),
                severity="warning",
            )
            return
        if self.screen.id == key or getattr(self.screen, "STEP", None) == key:
            return
        self.switch_screen(key)
        self.remember(step=key)

    @dataclass
    class AccountSwitched(Message):
        """The steps now act in another account of the organization (signed in, read)."""

        services: Services
        identity: CallerIdentity
        audit: AuditResult
        name: str | None

    @work(thread=True, exclusive=True, exit_on_error=False, group="switch-account")
    def switch_account(self, account_id: str, audit: AuditResult, name: str | None = None) -> None:
        """Sign every step as the organization role in `account_id` (the home account: as
        started). `audit` is that account's audit, just made by the accounts screen."""
        from wizard.organization import member_services

        home = self.ctx.home_services or self.ctx.services
        if account_id == home.identity().account_id:
            services, name = home, None
        else:
            services = member_services(home, account_id, self.ctx.org_role, self.ctx.external_id)
        self.post_message(self.AccountSwitched(services, services.identity(), audit, name))

    @on(AccountSwitched)
    def _account_switched(self, event: AccountSwitched) -> None:
        ctx = self.ctx
        if ctx.home_services is None:
            ctx.home_services = ctx.services
        ctx.services, ctx.identity = event.services, event.identity
        ctx.account_name = event.name
        # Choices of the other account do not carry over; its "before" (kept per account) is
        # its first audit of this sitting, read when the Audit screen shows this one.
        ctx.selected_users.clear()
        ctx.enrolled.clear()
        ctx.done.clear()
        ctx.last_audit = None
        ctx.session_until = None
        self._rebuild_other_steps()
        refresh = getattr(self.screen, "account_changed", None)
        if refresh is not None:
            refresh(event.audit)
        self.notify(
            _("Every step now acts in account {account_id} (as {identity_label}).").format(
                account_id=ctx.account_id, identity_label=ctx.identity_label
            ),
            title=_("Account"),
            markup=False,
        )

    def _rebuild_other_steps(self) -> None:
        """Every step but the one on screen is built again on its next visit, with the new
        credentials or account in its header and reads."""
        current = self.screen
        for name, factory in self.SCREENS.items():
            if getattr(current, "STEP", None) == name:
                continue
            self.uninstall_screen(name)
            self.install_screen(factory, name)  # type: ignore[arg-type] - a factory, as SCREENS

    @dataclass
    class SessionAdopted(Message):
        """The steps now sign with an MFA session made on the Session step."""

        services: Services
        identity: CallerIdentity
        until: str

    @work(thread=True, exclusive=True, exit_on_error=False, group="use-session")
    def use_session(self, creds: SessionCredentials, until: str) -> None:
        """Sign every step with this MFA session (the same user, now with MFA), after checking
        that it answers as the user the wizard is signed in as. The credentials travel as their
        object, whose repr never shows the secret or the token (a worker's description does)."""
        from wizard.aws import with_session_credentials

        services = with_session_credentials(
            self.ctx.services, creds.access_key_id, creds.secret_access_key, creds.session_token
        )
        identity = services.identity()
        if identity.arn != self.ctx.identity.arn:
            raise WizardError(
                _("that session is {arn}, not {arn2}").format(
                    arn=identity.arn, arn2=self.ctx.identity.arn
                ),
                _("get the session with an empty Profile field (the wizard's own credentials)"),
            )
        self.post_message(self.SessionAdopted(services, identity, until))

    @on(SessionAdopted)
    def _session_adopted(self, event: SessionAdopted) -> None:
        ctx = self.ctx
        ctx.services, ctx.identity, ctx.session_until = event.services, event.identity, event.until
        self._rebuild_other_steps()
        show = getattr(self.screen, "show_identity", None)
        if show is not None:
            show()
        self.notify(
            _("Every step now signs with this MFA session (until {until}).").format(
                until=event.until
            ),
            title=_("Session"),
            markup=False,
        )

    def show_error(self, exc: BaseException, title: str = N_("Something went wrong")) -> None:
        """The single error dialog: cause and fix, never a traceback."""
        from screens.dialogs import ErrorDialog

        error = exc if isinstance(exc, WizardError) else translate(exc)
        fix = error.fix
        in_member = self.ctx is not None and self.ctx.home_services is not None
        if in_member and error.code in {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}:
            # The organization role's session (AssumeRole's hour) ran out, not the user's own.
            fix = _(
                "the role session in account {account} lasts an hour: press g on the Audit step "
                "and open the account again"
            ).format(account=self.ctx.account_id)
        self.push_screen(ErrorDialog(_(title), error.cause, fix))


def create_app(ctx: WizardContext) -> WizardApp:
    """The factory used by the CLI and by the tests, so both run the same app."""
    return WizardApp(ctx)


def run_tui(target: Target) -> int:
    """Run the TUI against `target` until it quits: the first frame paints before AWS answers.

    The target (for --demo, the embedded server) is opened in a worker, so the app is on screen
    while moto starts and seeds; a failure to connect ends the app and is raised here.
    """
    demo_holder: list[DemoAccount] = []

    def connect() -> WizardContext:
        if target.demo:
            from wizard.demo import start_demo

            demo = start_demo(extra_users=target.demo_users)
            demo_holder.append(demo)
            services = demo.services()
        else:
            from wizard.aws import make_services

            services = make_services(target.profile, target.region, target.endpoint_url)
        # The demo account is new every run, so there is nothing to resume there.
        from wizard.target import in_account

        # --account: every step acts in that member account from the start; the accounts
        # view (g) still lists and enters accounts from the account signed in.
        home = services
        services = in_account(services, target)
        return WizardContext(
            services=services,
            identity=services.identity(),
            home_services=home if services is not home else None,
            demo=demo_holder[0] if demo_holder else None,
            resume=not target.demo,
            org_role=target.org_role,
            external_id=target.external_id,
        )

    app = WizardApp(connect=connect)
    app.handle_signals = True
    try:
        app.run()
    finally:
        rolled_back = app.rolled_back
        rolled_back += roll_back_pending(app.ctx) if app.ctx is not None else 0
        for demo in demo_holder:
            demo.stop()
    if app.connect_error is not None:
        raise app.connect_error
    if rolled_back:
        print(
            _("mfa-wizard: deleted {rolled_back} unfinished MFA device(s) on exit.").format(
                rolled_back=rolled_back
            )
        )
    return app.return_code or 0


def roll_back_pending(ctx: WizardContext, quiet: bool = False) -> int:
    """Delete every created-but-not-enabled device (quit, Ctrl-C, a hang-up or a crash
    mid-enrolment). `quiet`: the terminal may be gone, so a failure is not printed."""
    count = 0
    for enrollment in list(ctx.pending_enrollments):
        try:
            count += enrollment.rollback()
        except WizardError as exc:
            if not quiet:
                print(f"mfa-wizard: {exc.message}")
        ctx.pending_enrollments.discard(enrollment)
    return count


def make_context(services: Any, demo: Any = None) -> WizardContext:
    """A context for an already-built Services (tests, scripts)."""
    return WizardContext(services=services, identity=services.identity(), demo=demo)
