"""Help where you are (F1 or ?): the step's keys, what it does, the command line that does the
same; and the app's own commands in the command palette (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from screens.steps import STEPS, step
from wizard.i18n import N_, _


@dataclass(frozen=True)
class StepHelp:
    """What a step does, in a few lines, and the commands that do the same without the TUI."""

    does: str
    commands: tuple[str, ...]


STEP_HELP: dict[str, StepHelp] = {
    "audit": StepHelp(
        N_(
            "Reads one IAM credential report and checks it against the MFA devices assigned now: "
            "who can sign in to the console without MFA, root's MFA, access keys and their age. "
            "Select users (space, or a for all shown) to hand them to Enroll. Enter on a user "
            "opens Enroll with that user. g lists the organization's accounts and opens one. "
            "Dev gives each user's devices: V virtual (an app), H hardware token, K security key "
            "or passkey (yellow: only keys, so no codes for mfa-session). i shows root's MFA "
            "and what to do about it."
        ),
        (
            "mfa-wizard audit",
            "mfa-wizard audit --all --format csv -o audit.csv",
            "mfa-wizard audit --org",
        ),
    ),
    "enroll": StepHelp(
        N_(
            "One user after another: creates a virtual MFA device, shows its QR code, and checks "
            "two consecutive codes here before AWS enables the device. A device created but not "
            "enabled is deleted on Cancel, on leaving the step, on quit and when the terminal "
            "closes. Replace swaps a lost phone's device; Resync fixes a drifting clock. Hardware "
            "token enables a token by its serial with two presses (AWS checks them). Security key "
            "shows the console page where a key or passkey is registered (never by API), then "
            "waits for it to appear."
        ),
        (
            "mfa-wizard enroll USER",
            "mfa-wizard enroll USER --show-key",
            "mfa-wizard enroll USER --hardware SERIAL",
            "mfa-wizard enroll USER --security-key",
            "mfa-wizard devices USER",
            "mfa-wizard deactivate USER SERIAL --delete",
        ),
    ),
    "enforce": StepHelp(
        N_(
            "Puts the chosen users in a group with a policy that denies everything without MFA, "
            "except setting up their own MFA. The plan shows the impact first (who loses access "
            "until they enrol, whose access keys stop working); apply asks, then proves it user by "
            "user. Undo reverses it."
        ),
        (
            "mfa-wizard enforce --dry-run",
            "mfa-wizard enforce --users alice,bob",
            "mfa-wizard enforce --undo",
        ),
    ),
    "session": StepHelp(
        N_(
            "Temporary credentials from sts get-session-token, unlocked with an MFA code, for CLI "
            "work under the policy. They are masked until revealed; copy them, write them to a "
            "profile, or set up a profile whose credential_process asks for a code when needed."
        ),
        (
            "eval $(mfa-session --profile PROFILE)",
            "mfa-session --profile PROFILE --write-profile PROFILE-mfa",
        ),
    ),
    "monitor": StepHelp(
        N_(
            "CloudTrail to CloudWatch Logs, a metric filter for console sign-ins without MFA, an "
            "alarm, and an email topic; optional quiet-hours schedules. F5 plans (nothing changes), "
            "F6 applies what the plan shows, F7 sends a test email, F8 runs a fire drill, and "
            "F9 tears down what mfa-wizard made. CloudTrail groups adds an admins group "
            "(AWSCloudTrail_FullAccess) and a readers group; AWS Config records who changed what "
            "($0.003 per item recorded; an existing recorder is reused)."
        ),
        (
            "mfa-wizard monitor plan --email you@example.com",
            "mfa-wizard monitor apply --email you@example.com",
            "mfa-wizard monitor apply --cloudtrail-groups --trail-admins alice",
            "mfa-wizard monitor apply --config-recorder --config-iam-only",
            "mfa-wizard monitor drill",
            "mfa-wizard monitor teardown",
        ),
    ),
    "summary": StepHelp(
        N_(
            "The account before this sitting and now, side by side, the changes made, and a proof "
            "read from AWS now: every human has MFA, it is enforced, and a sign-in without MFA "
            "pages someone."
        ),
        ("mfa-wizard summary", "mfa-wizard verify", "mfa-wizard journal", "mfa-wizard undo"),
    ),
}

# Keys every step shares, for the help screen (the footer shows only the few that matter).
COMMON_KEYS = (
    ("1-6", N_("go to a step")),
    ("Ctrl+N / Ctrl+B", N_("next / previous step")),
    ("Esc", N_("leave a text field (then digits change step)")),
    ("PgUp PgDn Home End", N_("scroll the step")),
    ("Ctrl+P", N_("commands: steps, export, verify, organization")),
    ("F1 / ?", N_("this help")),
    ("q", N_("quit (an unfinished MFA device is deleted)")),
)


def step_keys(screen: Screen) -> list[tuple[str, str]]:
    """(key, what it does) for every key the step offers right now, shown in the footer or not."""
    keys = []
    seen = set()
    for node, binding, enabled, _tooltip in screen.active_bindings.values():
        # The step's own keys; a focused widget's (scrolling, a list) are under "Everywhere".
        if node is not screen or not enabled or not binding.description:
            continue
        if "." in binding.action:
            continue  # Textual's own (focus next, copy): the same on every screen
        if binding.action in seen:
            continue
        if binding.action in {"quit", "help", "leave_field"} or binding.action.startswith("go("):
            continue
        seen.add(binding.action)
        # A binding's tooltip is its longer description; the footer keeps the short one.
        keys.append(
            (screen.app.get_key_display(binding), _(binding.tooltip or binding.description))
        )
    return keys


def help_text(step_key: str, keys: list[tuple[str, str]]) -> str:
    """The help screen's text (Rich markup) for a step and the keys it offers now."""
    info = STEP_HELP[step_key]
    lines = [escape(_(info.does)), "", _("[b]Keys here[/b]")]
    lines += [f"  [b]{escape(k):<18}[/b] {escape(d)}" for k, d in keys] or [_("  (none now)")]
    lines += ["", _("[b]Everywhere[/b]")]
    lines += [f"  [b]{escape(k):<18}[/b] {escape(_(d))}" for k, d in COMMON_KEYS]
    lines += ["", _("[b]The same from the command line[/b]")]
    lines += [f"  {escape(c)}" for c in info.commands]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """The help of one step; Esc, q, F1 or ? closes it."""

    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss(None)", N_("Close"))]

    def __init__(self, step_key: str, keys: list[tuple[str, str]]) -> None:
        super().__init__(id="help-screen")
        self.step_key = step_key
        self.keys = keys

    def compose(self) -> ComposeResult:
        current = step(self.step_key)
        with Vertical(classes="dialog help"):
            yield Label(
                _("Help: step {number} {title}").format(number=current.number, title=current.title),
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll(id="help-scroll"):
                yield Static(help_text(self.step_key, self.keys), id="help-body")
            yield Static(_("[dim]Esc closes · PgUp/PgDn scroll[/dim]"))

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()


@dataclass(frozen=True)
class PaletteCommand:
    """One entry of the command palette: a step and an action to run there (or none)."""

    name: str
    help: str
    step: str
    action: str | None = None


def palette_commands() -> list[PaletteCommand]:
    """The app's own commands: every step, then what can be done in them."""
    commands = [
        PaletteCommand(
            _("Step {number}: {title}").format(number=s.number, title=s.title), s.purpose, s.key
        )
        for s in STEPS
        if s.built
    ]
    commands += [
        PaletteCommand(
            _("Audit: export"), _("write the users shown to CSV or JSON"), "audit", "export"
        ),
        PaletteCommand(
            _("Audit: refresh"), _("read the credential report again"), "audit", "refresh"
        ),
        PaletteCommand(
            _("Audit: show all users / only those needing MFA"),
            _("toggle"),
            "audit",
            "toggle_filter",
        ),
        PaletteCommand(_("Audit: search users"), _("by name or path"), "audit", "search"),
        PaletteCommand(
            _("Organization: accounts"), _("audit every account, open one"), "audit", "accounts"
        ),
        PaletteCommand(_("Enforce: preview the plan"), _("nothing changes"), "enforce", "plan"),
        PaletteCommand(_("Enforce: undo"), _("reverse the enforcement"), "enforce", "undo"),
        PaletteCommand(
            _("Monitor: plan"), _("read the account, nothing changes"), "monitor", "plan"
        ),
        PaletteCommand(
            _("Monitor: fire drill"), _("follow a marked event to the email"), "monitor", "drill"
        ),
        PaletteCommand(
            _("Monitor: tear down"), _("remove what mfa-wizard made"), "monitor", "teardown"
        ),
        PaletteCommand(_("Verify now"), _("prove the outcomes from AWS"), "summary", "verify"),
        PaletteCommand(
            _("Summary: export Markdown"), _("the before/after report"), "summary", "export"
        ),
        PaletteCommand(_("Help"), _("keys and commands of this step"), "", "help"),
    ]
    return commands


class WizardCommands(Provider):
    """The command palette's entries for mfa-wizard (Ctrl+P)."""

    def _run(self, command: PaletteCommand) -> Callable[[], Any]:
        # The app is WizardApp; not imported here, which would make a cycle (app -> help).
        return partial(self.app.run_in_step, command.step, command.action)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for command in palette_commands():
            yield DiscoveryHit(command.name, self._run(command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in palette_commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.name), self._run(command), help=command.help
                )
