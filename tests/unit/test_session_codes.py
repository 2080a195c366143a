"""A code is used once: the step memory and the wait for a fresh code."""

from __future__ import annotations

from wizard.session import codes
from wizard.session.profiles import ProfileSettings
from wizard.session.roles import role_duration, session_name

SERIAL = "arn:aws:iam::123456789012:mfa/alice"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_fresh_device_needs_no_wait():
    clock = Clock(1_000_000.0)
    shown: list[int] = []
    assert codes.wait_for_fresh_code(SERIAL, shown.append, clock.sleep, lambda: clock.now) == 0
    assert shown == []


def test_the_code_just_used_is_waited_out_with_a_countdown():
    clock = Clock(30 * 40_000 + 12.0)  # 12 s into a step
    codes.remember_used(SERIAL, when=clock.now)
    shown: list[int] = []
    waited = codes.wait_for_fresh_code(SERIAL, shown.append, clock.sleep, lambda: clock.now)
    assert 17.9 <= waited <= 18.1  # to the next step, not a second more
    assert shown[0] == 18 and shown[-1] == 0 and shown == sorted(shown, reverse=True)
    assert int(clock.now) % 30 == 0


def test_the_memory_is_per_device_and_holds_no_code(tmp_path):
    codes.remember_used(SERIAL, when=30 * 50_000 + 1.0)
    other = "arn:aws:iam::123456789012:mfa/bob"
    assert codes.seconds_until_fresh(other, now=30 * 50_000 + 2.0) == 0
    assert codes.seconds_until_fresh(SERIAL, now=30 * 50_000 + 2.0) == 28
    text = codes._path().read_text()
    assert "alice" not in text and SERIAL not in text
    assert oct(codes._path().stat().st_mode & 0o777) == "0o600"


def settings(**kw) -> ProfileSettings:
    base = dict(
        name="p",
        mfa_serial=None,
        duration_seconds=None,
        region=None,
        source_profile="s",
        cache_backend=None,
        role_arn="arn:aws:iam::1:role/r",
    )
    base.update(kw)
    return ProfileSettings(**base)


def test_role_durations_follow_the_chaining_cap():
    assert role_duration(settings(), chained=False, asked=None) == (3600, "")
    assert role_duration(settings(duration_seconds=14_400), chained=False, asked=None) == (
        14_400,
        "",
    )
    capped, note = role_duration(settings(duration_seconds=14_400), chained=True, asked=None)
    assert capped == 3600 and "role chaining" in note and "not 4 h" in note
    assert role_duration(settings(), chained=True, asked=1800) == (1800, "")


def test_session_names_are_what_sts_accepts():
    assert session_name(settings(name="admin team/prod")) == "mfa-session-admin-team-prod"
    assert session_name(settings(role_session_name="helpdesk")) == "helpdesk"
    assert len(session_name(settings(name="x" * 100))) == 64


def test_no_terminal_is_said_before_waiting_for_a_fresh_code(monkeypatch, capsys):
    """A cold credential_process with nobody to type the code (an IDE, cron) fails at once: it
    never waits out the used code first (that took up to 30 s before failing anyway)."""
    import builtins

    import pytest

    from wizard.cli import prompt_drivers, prompts, session
    from wizard.errors import UsageError

    real_open = builtins.open

    def no_tty(path, *args, **kwargs):
        if str(path) == "/dev/tty":
            raise OSError(6, "No such device or address")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(prompts, "open", no_tty, raising=False)
    monkeypatch.setattr(prompt_drivers, "open", no_tty, raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    args = session.build_parser().parse_args(["--profile", "dev"])
    countdown = session.request_of(args).countdown
    with pytest.raises(UsageError, match="no terminal"):
        countdown(25)
    assert "the next one in" not in capsys.readouterr().err  # no countdown was shown
    # With a command to run, the wait is right: the command prints the next code after it.
    with_command = session.build_parser().parse_args(["--totp-command", "pass otp aws"])
    session.request_of(with_command).countdown(25)  # no terminal needed: the command prints it
    assert "the next one in 25 s" not in capsys.readouterr().err  # said every 10 s without a tty


class RefusingSts:
    """STS that refuses every code as already used, or fails after receiving it."""

    def __init__(self, error_code: str = "AccessDenied") -> None:
        self.sent: list[str] = []
        self.error_code = error_code

    def get_session_token(self, **kwargs):  # noqa: ANN003, ANN201
        from botocore.exceptions import ClientError

        self.sent.append(kwargs["TokenCode"])
        raise ClientError({"Error": {"Code": self.error_code, "Message": "x"}}, "GetSessionToken")


def test_a_refused_code_given_again_is_never_sent_again():
    """The TUI's field and any caller without a countdown give the same code each time: after
    AWS refuses it, it is not sent a second time."""
    import pytest

    from wizard.session.token import WrongMfaCodeError, obtain

    sts = RefusingSts()
    said: list[str] = []
    with pytest.raises(WrongMfaCodeError, match="not sent again"):
        obtain(sts, SERIAL, 3600, lambda serial: "123456", on_retry=said.append)
    assert sts.sent == ["123456"]
    assert said == [
        "AWS refused the MFA code (wrong, already used, or for another device); 2 tries left"
    ]


def test_a_code_sent_is_remembered_whatever_came_back():
    """A throttle or a timeout after STS received the code: the next run waits for the next
    code instead of sending this one again."""
    import pytest

    from wizard import clock
    from wizard.errors import WizardError
    from wizard.session.token import obtain

    with pytest.raises(WizardError):
        obtain(RefusingSts("Throttling"), SERIAL, 3600, lambda serial: "123456")
    assert codes.seconds_until_fresh(SERIAL, now=clock.time()) > 0
