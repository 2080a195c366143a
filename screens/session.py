"""The Session step: get sts get-session-token credentials with an MFA code, see them expire,
copy the export lines (masked until revealed), write a profile or set up credential_process."""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from screens.base import StepScreen
from wizard.errors import UsageError
from wizard.i18n import N_, _
from wizard.session.credentials import (
    DEFAULT_DURATION,
    FORMATS,
    SessionCredentials,
    check_duration,
    describe_left,
    is_root_serial,
    masked,
    parse_duration,
    render,
)
from wizard.session.profiles import validate_profile_name

SHOWN_FORMATS = [f for f in FORMATS if f != "credential-process"]


class SessionScreen(StepScreen):
    """Form -> GetSessionToken -> the credentials, their expiry, and what to do with them."""

    @dataclass
    class DevicesFound(Message):
        serials: list[str]

    @dataclass
    class SessionIssued(Message):
        creds: SessionCredentials

    @dataclass
    class FileWritten(Message):
        message: str

    @dataclass
    class ProfilesListed(Message):
        profiles: list[tuple[str, str | None]]

    STEP = "session"
    EXPLANATION = N_("temporary credentials for CLI work, unlocked with an MFA code")
    BINDINGS = [
        Binding("c", "code", N_("Code"), tooltip=N_("type the MFA code (Enter asks STS)")),
        Binding("f3", "reveal", N_("Reveal")),
        Binding("f4", "copy", N_("Copy")),
        Binding(
            "f9",
            "use_here",
            N_("Use in wizard"),
            tooltip=N_("every step signs with this MFA session"),
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.creds: SessionCredentials | None = None
        self.creds_profile: str | None = None  # the profile the session is of (None: the wizard's)
        self.revealed = False
        # A code is used once: a hash of each (device, code) sent, and when (in memory only).
        self._sent: dict[str, float] = {}

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="session-body", classes="step-body"):
            with Vertical(id="session-form"):
                with Horizontal(classes="form-row"):
                    yield Label(_("Profile   "), classes="form-label")
                    yield Input(
                        placeholder=_("(the credentials this wizard uses)"),
                        id="session-profile",
                        compact=True,
                    )
                yield Static("", id="session-profiles")
                with Horizontal(classes="form-row", id="duration-row"):
                    yield Label(_("Duration  "), classes="form-label")
                    yield Input(value="12h", id="session-duration", compact=True)
                    yield Static("", id="duration-verdict")
                with Horizontal(classes="form-row"):
                    yield Label(_("Device    "), classes="form-label")
                    yield Select(
                        [],
                        prompt=_("looking up your MFA device..."),
                        id="session-serial",
                        compact=True,
                    )
                with Horizontal(classes="form-row"):
                    yield Label(_("MFA code  "), classes="form-label")
                    yield Input(
                        placeholder=_("6 digits"), id="session-code", max_length=8, compact=True
                    )
                    yield Button(
                        _("Get session"), variant="primary", id="session-get", compact=True
                    )
                yield Static("", id="session-verdict")
                yield Static("", id="session-demo")
            with Vertical(id="session-result"):
                yield Static("", id="session-expiry")
                with Horizontal(classes="form-row"):
                    yield Select(
                        [(f, f) for f in SHOWN_FORMATS],
                        value="env",
                        allow_blank=False,
                        id="session-format",
                        compact=True,
                    )
                    yield Button(_("Reveal (F3)"), id="session-reveal", compact=True)
                    yield Button(_("Copy (F4)"), id="session-copy", compact=True)
                    yield Button(_("Use in wizard (F9)"), id="session-use", compact=True)
                yield Static("", id="session-lines", markup=False)
                with Horizontal(classes="form-row"):
                    yield Input(
                        placeholder=_("profile name"), id="session-write-name", compact=True
                    )
                    yield Button(_("Write profile"), id="session-write", compact=True)
                    yield Button(_("Set up credential_process"), id="session-setup", compact=True)

    def on_mount(self) -> None:
        self.query_one("#session-result").display = False
        self.query_one("#session-profiles").display = False
        self.set_interval(1, self._tick)
        self._load_devices(self.query_one("#session-profile", Input).value.strip() or None)
        self._list_profiles()

    @work(thread=True, exit_on_error=False, group="session-profiles")
    def _list_profiles(self) -> None:
        from wizard.session.roles import list_profiles

        self.post_message(self.ProfilesListed(list_profiles()))

    @on(ProfilesListed)
    def _show_profiles(self, event: ProfilesListed) -> None:
        names = [f"{name} (role)" if role else name for name, role in event.profiles]
        line = self.query_one("#session-profiles", Static)
        line.update(_("[dim]Profiles: {escape}[/]").format(escape=escape(", ".join(names))))
        line.display = bool(names)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"reveal", "copy"}:
            return self.creds is not None
        if action == "use_here":
            # The wizard's own user only: a named profile's session is someone else's keys.
            return self.creds is not None and self.creds_profile is None
        return True

    # ------------------------------------------------------------------ form

    def _services_for(self, profile: str | None):  # noqa: ANN202 - Services, built in a worker
        if not profile:
            return self.wizard.ctx.services
        from wizard.aws import make_services
        from wizard.session.roles import keys_profile

        current = self.wizard.ctx.services
        # A role profile's devices are its source user's: never let boto3 assume the role here
        # (it would ask for a code on stdin, under the TUI).
        return make_services(keys_profile(profile), current.region, current.endpoint_url)

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def _load_devices(self, profile: str | None) -> None:
        from wizard.session.token import find_mfa_serials

        self.post_message(self.DevicesFound(find_mfa_serials(self._services_for(profile))))

    @on(DevicesFound)
    def _show_devices(self, event: DevicesFound) -> None:
        serials = event.serials
        select = self.query_one("#session-serial", Select)
        if not serials:
            select.set_options([])
            select.prompt = _("no MFA device: enrol one first (step 2)")
            return
        select.set_options([(s.split(":", 5)[-1], s) for s in serials])
        select.value = serials[0]
        self._tick()

    @on(Input.Submitted, "#session-profile")
    def _profile_chosen(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            try:
                validate_profile_name(value)
            except UsageError as exc:
                self._verdict(f"[red]{escape(exc.message)}[/]")
                return
        self._verdict("")
        self._load_devices(value or None)

    @on(Input.Changed, "#session-duration")
    def _duration_changed(self, event: Input.Changed) -> None:
        try:
            seconds = parse_duration(event.value)
        except UsageError as exc:
            self.query_one("#duration-verdict", Static).update(
                _("[red] {escape}[/]").format(escape=escape(exc.fix))
            )
            return
        self.query_one("#duration-verdict", Static).update(
            _("[dim] {describe_left}[/]").format(describe_left=describe_left(seconds))
        )

    def _verdict(self, markup: str) -> None:
        self.query_one("#session-verdict", Static).update(markup)

    @on(Input.Submitted, "#session-code")
    @on(Button.Pressed, "#session-get")
    def _get(self) -> None:
        from wizard.session.token import code_problem

        serial = self.query_one("#session-serial", Select).value
        if not isinstance(serial, str):
            self._verdict(_("[red]Choose the MFA device first (or enrol one on step 2).[/]"))
            return
        code = self.query_one("#session-code", Input).value
        if problem := code_problem(code):
            self._verdict(f"[red]{escape(problem)}[/]")
            return
        try:
            duration = check_duration(
                parse_duration(self.query_one("#session-duration", Input).value),
                root=is_root_serial(serial),
            )
        except UsageError as exc:
            self._verdict(f"[red]{escape(exc.message)}[/]")
            return
        if not self._first_send(serial, code.strip()):
            self._verdict(
                _(
                    "[red]That code was just sent to AWS[/] (which takes a code once): type the "
                    "next code your app shows."
                )
            )
            return
        profile = self.query_one("#session-profile", Input).value.strip() or None
        self.creds_profile = profile
        self._verdict(_("[dim]Asking STS for a session...[/]"))
        self.query_one("#session-get", Button).disabled = True
        self._fetch(profile, serial, code.strip(), duration)

    def _first_send(self, serial: str, code: str) -> bool:
        """False when this code was sent for this device in the last 90 s (AWS refuses it
        again, accepted or not): never sent twice from here."""
        from wizard import clock
        from wizard.session.keys import sha256_hex

        now = clock.time()
        self._sent = {k: t for k, t in self._sent.items() if now - t < 90}
        key = sha256_hex(f"{serial}\0{code}")
        if key in self._sent:
            return False
        self._sent[key] = now
        return True

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def _fetch(self, profile: str | None, serial: str, code: str, duration: int | None) -> None:
        if not profile:
            # The wizard's own credentials (no profile to cache under): one GetSessionToken.
            from wizard.session.token import ensure_long_term, get_session_token

            services = self._services_for(profile)
            ensure_long_term(services.session, "(current)")
            self.post_message(
                self.SessionIssued(get_session_token(services.sts, serial, code, duration))
            )
            return
        # A named profile: what mfa-session does, cache, role profiles and all.
        from wizard.session.profiles import read_profile
        from wizard.session.request import SessionRequest, session_for

        current = self.wizard.ctx.services
        request = SessionRequest(
            True, lambda _serial: code, endpoint_url=current.endpoint_url, serial=serial
        )
        settings = read_profile(profile)
        if settings.role_arn and duration == DEFAULT_DURATION:
            duration = None  # the form's default is for users; a role takes its own (1 h)
        self.post_message(self.SessionIssued(session_for(request, profile, settings, duration)))

    def worker_failed(self, worker: object) -> None:
        self.query_one("#session-get", Button).disabled = False
        self._verdict(_("[red]No session: see the message.[/] Fix it and try again."))

    # ------------------------------------------------------------------ result

    @on(SessionIssued)
    def _show_creds(self, event: SessionIssued) -> None:
        creds = event.creds
        self.creds = creds
        self.revealed = False
        self.query_one("#session-get", Button).disabled = False
        self.query_one("#session-code", Input).value = ""
        self._verdict(
            _("[green]Session ready for {left}.[/]").format(
                left=describe_left(creds.seconds_left())
            )
        )
        self.query_one("#session-result").display = True
        self.query_one("#session-use").display = self.creds_profile is None
        self._render_lines()
        self._tick()
        self.refresh_bindings()
        self.neutral_focus()  # out of the code field: the next digit changes step
        self.step_done()

    def _render_lines(self) -> None:
        if self.creds is None:
            return
        fmt = str(self.query_one("#session-format", Select).value)
        text = render(self.creds, fmt) if self.revealed else masked(self.creds, fmt)
        self.query_one("#session-lines", Static).update(text.rstrip("\n"))
        self.query_one("#session-reveal", Button).label = (
            _("Hide (F3)") if self.revealed else _("Reveal (F3)")
        )

    def _tick(self) -> None:
        # The timer can fire while the app is closing and its widgets go one by one: whichever
        # of them is already gone, there is nothing left to refresh.
        try:
            self._refresh_countdowns()
        except NoMatches:
            return

    def _refresh_countdowns(self) -> None:
        if self.creds is not None:
            left = self.creds.seconds_left()
            style = "red" if left < 300 else "green"
            self.query_one("#session-expiry", Static).update(
                _("Expires {expiration_iso} · [{style}]{describe_left} left[/]").format(
                    expiration_iso=self.creds.expiration_iso,
                    style=style,
                    describe_left=describe_left(left),
                )
            )
        demo = self.wizard.ctx.demo
        panel = self.query_one("#session-demo", Static)
        serial = self.query_one("#session-serial", Select).value
        seed = demo.seeds.get(serial) if demo is not None and isinstance(serial, str) else None
        panel.display = seed is not None
        if seed is not None:
            import pyotp

            from wizard import clock

            now = clock.time()
            code = pyotp.TOTP(seed).at(now)
            panel.update(
                _(
                    "[b]Demo authenticator[/b] for this device: [b]{code} {code2}[/b]  ({value:2d}s)"
                ).format(code=code[:3], code2=code[3:], value=30 - int(now) % 30)
            )

    @on(Select.Changed, "#session-format")
    def _format_changed(self) -> None:
        self._render_lines()

    @on(Button.Pressed, "#session-reveal")
    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self._render_lines()

    def action_code(self) -> None:
        self.query_one("#session-code", Input).focus()

    @on(Button.Pressed, "#session-use")
    def action_use_here(self) -> None:
        """Every step signs with this session: the same user, with MFA (Enforce may then
        include you, and the policy's own calls need it)."""
        if self.creds is None or self.creds_profile is not None:
            self._verdict(
                _(
                    "[yellow]Only a session of the wizard's own credentials[/] (empty Profile) "
                    "can be used for the wizard."
                )
            )
            return
        until = self.creds.expiration.astimezone().strftime("%H:%M")
        self.wizard.use_session(self.creds, until)

    @on(Button.Pressed, "#session-copy")
    def action_copy(self) -> None:
        if self.creds is None:
            return
        fmt = str(self.query_one("#session-format", Select).value)
        # OSC 52: the terminal puts it on the clipboard; nothing is written to disk.
        self.app.copy_to_clipboard(render(self.creds, fmt))
        self.notify(
            _("Copied the {fmt} lines to the clipboard.").format(fmt=fmt), title=_("Session")
        )

    @on(Input.Submitted, "#session-write-name")
    @on(Button.Pressed, "#session-write")
    def _write_pressed(self) -> None:
        if self.creds is None:
            return
        name = self.query_one("#session-write-name", Input).value.strip()
        try:
            validate_profile_name(name)
        except UsageError as exc:
            self._verdict(f"[red]{escape(exc.message)}[/]")
            return
        self._write(name, self.creds)

    @work(thread=True, exclusive=True, exit_on_error=False, group="session-files")
    def _write(self, name: str, creds: SessionCredentials) -> None:
        from wizard.session.profiles import write_profile

        path = write_profile(name, creds, region=self.wizard.ctx.region)
        self.post_message(
            self.FileWritten(
                _(
                    "[green]Wrote profile {name} to {path}[/] (mode 0600). Use: AWS_PROFILE={name}"
                ).format(name=escape(name), path=escape(str(path)))
            )
        )

    @on(Button.Pressed, "#session-setup")
    def _setup_pressed(self) -> None:
        profile = self.query_one("#session-profile", Input).value.strip()
        if not profile:
            self._verdict(
                _(
                    "[red]Type the profile that holds the long-term keys in 'Profile' first[/]: "
                    "credential_process needs a named profile."
                )
            )
            return
        try:
            validate_profile_name(profile)
        except UsageError as exc:
            self._verdict(f"[red]{escape(exc.message)}[/]")
            return
        self._setup(profile)

    @work(thread=True, exclusive=True, exit_on_error=False, group="session-files")
    def _setup(self, profile: str) -> None:
        from wizard.session.profiles import config_path, setup_credential_process

        new, changed = setup_credential_process(profile)
        message = (
            _("[green]Added profile {name} to {path}[/]: AWS_PROFILE={name} aws ...").format(
                name=escape(new), path=escape(str(config_path()))
            )
            if changed
            else _("Profile {name} is already set up; nothing to do.").format(name=escape(new))
        )
        self.post_message(self.FileWritten(message))

    @on(FileWritten)
    def _file_written(self, event: FileWritten) -> None:
        self._verdict(event.message)
        self.neutral_focus()
