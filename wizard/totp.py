"""Judging TOTP codes locally, against the seed, before AWS sees them.

moto accepts any code and real AWS answers a bad pair with a bare InvalidAuthenticationCode, so
the two enrolment codes are checked here with pyotp, and every problem gets its own message
(format, same code twice, order, not consecutive, clock drift, reuse). Pure: no AWS call, and the
seed is only ever an argument, never stored or shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wizard import clock as timing
from wizard.i18n import N_, _, ngettext

STEP_SECONDS = 30
# How far (in 30 s steps) a matching code may be from now and still be accepted as-is: the
# second code may be the current one, or the one just gone; AWS tolerates a little skew too.
ACCEPT_STEPS = 2
# How far we search for a match so we can say "your clock is off by about N minutes".
DRIFT_SEARCH_STEPS = 2 * 60 * 2  # two hours either way


@dataclass(frozen=True)
class Verdict:
    """The local verdict on two codes: ok, or a reason of a known kind with a message."""

    ok: bool
    kind: str
    message: str
    step: int | None = None

    @classmethod
    def good(cls, step: int) -> Verdict:
        return cls(True, "ok", _("Both codes are right and consecutive."), step)


# Which code a message is about: the word is translated where it is put in a sentence.
CODE, FIRST_CODE, SECOND_CODE = N_("code"), N_("first code"), N_("second code")
MFA_CODE = N_("MFA code")


def normalize_code(text: str, which: str = CODE) -> tuple[str | None, str]:
    """('123456', '') for a well-formed code, else (None, the reason in plain words)."""
    # Apps show codes as "565 878": spaces anywhere are ignored, as people type what they see.
    stripped = re.sub(r"\s+", "", text or "")
    if not stripped:
        return None, _("Type the {which}: six digits from the app.").format(which=_(which))
    if not stripped.isdigit() or not stripped.isascii():
        return None, _("The {which} has letters or symbols in it: it is six digits only.").format(
            which=_(which)
        )
    if len(stripped) != 6:
        return None, _("The {which} has {count} digits: AWS codes have exactly six.").format(
            which=_(which), count=len(stripped)
        )
    return stripped, ""


def totp_for(seed: str) -> Any:
    import pyotp

    return pyotp.TOTP(seed, digits=6, interval=STEP_SECONDS)


def _steps_matching(totp: Any, code: str, center: int, radius: int) -> list[int]:
    # Nearest first, so a match close to now wins over a coincidence far away.
    order = sorted(range(center - radius, center + radius + 1), key=lambda s: abs(s - center))
    return [s for s in order if totp.at(s * STEP_SECONDS) == code]


def describe_drift(seconds: float) -> str:
    """'3 minutes behind' / '2 minutes ahead' / '1 hour behind' for a clock offset."""
    behind = seconds < 0
    minutes = round(abs(seconds) / 60)
    if minutes >= 55:
        hours = round(minutes / 60)
        if behind:
            return ngettext(
                "about {count} hour behind", "about {count} hours behind", hours
            ).format(count=hours)
        return ngettext("about {count} hour ahead", "about {count} hours ahead", hours).format(
            count=hours
        )
    if minutes <= 1:
        return _("about a minute behind") if behind else _("about a minute ahead")
    if behind:
        return _("about {count} minutes behind").format(count=minutes)
    return _("about {count} minutes ahead").format(count=minutes)


def check_first_code(seed: str, first: str, *, now: float | None = None) -> Verdict:
    """Judge the first code alone, the moment it is typed, so a typo is not found 30 s later.

    Good when it matches a step near now (it may be the previous or the current code); the
    second code, typed next, is judged with it by verify_codes().
    """
    code1, why1 = normalize_code(first, FIRST_CODE)
    if code1 is None:
        return Verdict(False, "format", why1)
    totp = totp_for(seed)
    current = int((timing.time() if now is None else now) // STEP_SECONDS)
    near = _steps_matching(totp, code1, current, ACCEPT_STEPS)
    if near:
        return Verdict.good(near[0])
    far = _steps_matching(totp, code1, current, DRIFT_SEARCH_STEPS)
    if far:
        offset = (far[0] - current) * STEP_SECONDS
        return Verdict(
            False,
            "drift",
            _(
                "That code matches the key, but the phone's clock is {drift}. Turn on automatic "
                "date and time on the phone, then type the code it shows."
            ).format(drift=describe_drift(offset)),
            far[0],
        )
    return Verdict(
        False,
        "first_wrong",
        _(
            "That code does not match this device. Check the app shows this account (scan the "
            "QR shown here, not an older one) and type the code it shows now."
        ),
    )


def verify_codes(
    seed: str,
    first: str,
    second: str,
    *,
    now: float | None = None,
    used_steps: frozenset[int] | set[int] = frozenset(),
) -> Verdict:
    """Check two codes against the seed: consecutive, current, not reused (pure but for time)."""
    code1, why1 = normalize_code(first, FIRST_CODE)
    if code1 is None:
        return Verdict(False, "format", why1)
    code2, why2 = normalize_code(second, SECOND_CODE)
    if code2 is None:
        return Verdict(False, "format", why2)
    if code1 == code2:
        return Verdict(
            False,
            "same",
            _(
                "You typed the same code twice. Wait for the app to show a new code, then type "
                "that one as the second code."
            ),
        )
    totp = totp_for(seed)
    current = int((timing.time() if now is None else now) // STEP_SECONDS)
    near1 = _steps_matching(totp, code1, current, ACCEPT_STEPS + 1)
    near2 = _steps_matching(totp, code2, current, ACCEPT_STEPS + 1)
    for s1 in near1:
        # The second code must be the current one or the one before: AWS enables a device with an
        # older pair too, but then leaves it out of sync (sign-ins fail until a resync).
        if s1 + 1 in near2 and current - 1 <= s1 + 1 <= current:
            if s1 in used_steps or s1 + 1 in used_steps:
                return Verdict(
                    False,
                    "reused",
                    _(
                        "These codes were already used. Wait for the app to show two new codes "
                        "(about a minute)."
                    ),
                )
            return Verdict.good(s1)
    for s1 in near1:
        if s1 + 1 in near2:
            ahead = s1 + 1 > current
            return Verdict(
                False,
                "stale",
                _(
                    "The codes are consecutive but ahead of AWS's clock: turn on automatic date "
                    "and time on the phone. Type the code the app shows now and the next one."
                )
                if ahead
                else _(
                    "The codes are consecutive but no longer the newest: AWS would accept them "
                    "yet leave the device out of sync. Type the code the app shows now and the "
                    "next one."
                ),
                s1,
            )
    for s2 in near2:
        if s2 + 1 in near1:
            return Verdict(
                False,
                "order",
                _(
                    "The codes are in the wrong order: type the older code first, then the "
                    "newer one."
                ),
            )
    if near1 and near2:
        return Verdict(
            False,
            "not_consecutive",
            _(
                "Both codes are valid but not consecutive: type one code, wait for the next one, "
                "and type that one straight after."
            ),
        )
    far1 = _steps_matching(totp, code1, current, DRIFT_SEARCH_STEPS)
    far2 = set(_steps_matching(totp, code2, current, DRIFT_SEARCH_STEPS))
    for s1 in far1:
        if s1 + 1 in far2:
            offset = (s1 + 1 - current) * STEP_SECONDS
            return Verdict(
                False,
                "drift",
                _(
                    "The codes match the key, but the phone's clock is {drift}. Turn on automatic "
                    "date and time on the phone (or sync time in the app), then type two new codes."
                ).format(drift=describe_drift(offset)),
                s1,
            )
    if near1 or near2:
        return Verdict(
            False,
            "one_wrong",
            _(
                "The second code does not match this device. Check the app shows this account, "
                "then type two new codes."
            )
            if near1
            else _(
                "The first code does not match this device. Check the app shows this account, "
                "then type two new codes."
            ),
        )
    return Verdict(
        False,
        "no_match",
        _(
            "Neither code matches this device. Make sure you scanned the QR code shown here (not "
            "an older one) and type the codes the app shows for this account."
        ),
    )
