"""The wizard's steps, in order. A step without a screen is shown disabled with what it will do."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.i18n import N_, _


@dataclass(frozen=True)
class Step:
    """One step of the wizard as the step bar shows it (its words in English, as marked for the
    catalogue; `title` and `purpose` give them in the language in use)."""

    key: str
    number: int
    english_title: str
    english_purpose: str
    built: bool

    @property
    def title(self) -> str:
        """The step's name, translated."""
        return _(self.english_title)

    @property
    def purpose(self) -> str:
        """What the step does, translated."""
        return _(self.english_purpose)


STEPS: tuple[Step, ...] = (
    Step("audit", 1, N_("Audit"), N_("find IAM users and root without MFA"), True),
    Step("enroll", 2, N_("Enroll"), N_("enrol virtual MFA devices with a QR code"), True),
    Step("enforce", 3, N_("Enforce"), N_("attach the deny-without-MFA policy"), True),
    Step("session", 4, N_("Session"), N_("get MFA session credentials for the CLI"), True),
    Step("monitor", 5, N_("Monitor"), N_("alarm on console sign-in without MFA"), True),
    Step("summary", 6, N_("Summary"), N_("before/after report of this sitting"), True),
)


def step(key: str) -> Step:
    """The step with this key."""
    return next(s for s in STEPS if s.key == key)
