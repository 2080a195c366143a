"""Local verification of the two enrolment codes: every wrong-code case has its own message."""

from __future__ import annotations

import pyotp
import pytest

from wizard.enrollment import validate_device_name
from wizard.errors import UsageError
from wizard.qr import half_block_lines, otpauth_uri, qr_matrix
from wizard.totp import check_first_code, describe_drift, normalize_code, verify_codes

# A fixed test seed (not a real device's): 64 Base32 characters as AWS issues.
SEED = "JBSWY3DPEHPK3PXP" * 4
NOW = 1_800_000_015.0  # 15 s into a step
STEP = int(NOW // 30)
totp = pyotp.TOTP(SEED)


def code(step: int) -> str:
    return totp.at(step * 30)


@pytest.mark.parametrize(("first", "second"), [(STEP - 1, STEP), (STEP - 2, STEP - 1)])
def test_consecutive_current_codes_pass(first, second):
    verdict = verify_codes(SEED, code(first), code(second), now=NOW)
    assert verdict.ok and verdict.kind == "ok" and verdict.step == first


@pytest.mark.parametrize(
    ("first", "words"),
    [(STEP - 3, "no longer the newest"), (STEP, "ahead of AWS's clock")],
)
def test_a_pair_whose_second_code_is_not_current_or_previous_is_refused(first, words):
    # AWS enables a device with such a pair but leaves it out of sync: refuse it here.
    verdict = verify_codes(SEED, code(first), code(first + 1), now=NOW)
    assert not verdict.ok and verdict.kind == "stale" and words in verdict.message


@pytest.mark.parametrize("step", [STEP - 2, STEP - 1, STEP, STEP + 1])
def test_first_code_near_now_is_accepted_alone(step):
    verdict = check_first_code(SEED, code(step), now=NOW)
    assert verdict.ok and verdict.step == step


def test_first_code_wrong_is_refused_before_the_second():
    wrong = unmatched_code()
    verdict = check_first_code(SEED, wrong, now=NOW)
    assert not verdict.ok and verdict.kind == "first_wrong"
    assert "does not match this device" in verdict.message


def test_first_code_from_a_drifting_phone_says_how_far():
    verdict = check_first_code(SEED, code(STEP + 20), now=NOW)
    assert not verdict.ok and verdict.kind == "drift" and "10 minutes ahead" in verdict.message


def test_spaces_inside_a_code_are_ignored():
    assert normalize_code("565 878") == ("565878", "")
    assert verify_codes(SEED, f"{code(STEP - 1)[:3]} {code(STEP - 1)[3:]}", code(STEP), now=NOW).ok


def test_surrounding_whitespace_is_forgiven():
    assert verify_codes(SEED, f" {code(STEP - 1)} ", f"{code(STEP)}\n", now=NOW).ok


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Type the first code"),
        ("12a456", "letters"),
        ("abcdef", "letters"),
        ("12345", "5 digits"),
        ("1234567", "7 digits"),
        ("١٢٣٤٥٦", "letters"),  # Arabic-Indic digits are digits, but not ASCII ones
        ("12-456", "letters"),
    ],
)
def test_malformed_first_code(text, words):
    verdict = verify_codes(SEED, text, code(STEP), now=NOW)
    assert not verdict.ok and verdict.kind == "format"
    assert words in verdict.message


def test_malformed_second_code_names_the_second():
    verdict = verify_codes(SEED, code(STEP - 1), "12", now=NOW)
    assert verdict.kind == "format" and "second code" in verdict.message


def test_same_code_twice():
    verdict = verify_codes(SEED, code(STEP), code(STEP), now=NOW)
    assert verdict.kind == "same" and "same code twice" in verdict.message


def test_reversed_order():
    verdict = verify_codes(SEED, code(STEP), code(STEP - 1), now=NOW)
    assert verdict.kind == "order" and "wrong order" in verdict.message


def test_valid_but_not_consecutive():
    verdict = verify_codes(SEED, code(STEP - 2), code(STEP), now=NOW)
    assert verdict.kind == "not_consecutive"


@pytest.mark.parametrize(
    ("offset_steps", "words"), [(-10, "behind"), (20, "ahead"), (-120, "hour")]
)
def test_clock_drift_is_named_with_its_size(offset_steps, words):
    s = STEP + offset_steps
    verdict = verify_codes(SEED, code(s), code(s + 1), now=NOW)
    assert verdict.kind == "drift" and words in verdict.message
    assert "automatic date and time" in verdict.message


def test_drift_size_is_about_right():
    s = STEP - 10  # second code 9 steps (4.5 min) old
    verdict = verify_codes(SEED, code(s), code(s + 1), now=NOW)
    assert (
        "about 4 minutes behind" in verdict.message or "about 5 minutes behind" in verdict.message
    )


def unmatched_code() -> str:
    """A well-formed code that matches no step within two hours of NOW."""
    near = {code(s) for s in range(STEP - 241, STEP + 242)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)


def test_one_wrong_code():
    verdict = verify_codes(SEED, code(STEP - 1), unmatched_code(), now=NOW)
    assert verdict.kind == "one_wrong"
    assert "The second code does not match" in verdict.message


def test_first_code_wrong_second_right():
    verdict = verify_codes(SEED, unmatched_code(), code(STEP), now=NOW)
    assert verdict.kind == "one_wrong"
    assert "The first code does not match" in verdict.message


def test_codes_of_another_device():
    other = pyotp.TOTP(pyotp.random_base32(64))
    verdict = verify_codes(SEED, other.at(NOW - 30), other.at(NOW), now=NOW)
    assert verdict.kind == "no_match" and "scanned the QR code shown here" in verdict.message


def test_reused_codes_are_refused():
    verdict = verify_codes(SEED, code(STEP - 1), code(STEP), now=NOW, used_steps={STEP - 1, STEP})
    assert verdict.kind == "reused" and "already used" in verdict.message


def test_stale_codes_from_minutes_ago():
    verdict = verify_codes(SEED, code(STEP - 8), code(STEP - 7), now=NOW)
    assert verdict.kind == "drift"


def test_normalize_code():
    assert normalize_code(" 012345 ") == ("012345", "")
    assert normalize_code("01234")[0] is None


def test_describe_drift():
    assert describe_drift(-180) == "about 3 minutes behind"
    assert describe_drift(30) == "about a minute ahead"
    assert describe_drift(-7200) == "about 2 hours behind"


@pytest.mark.parametrize("name", ["alice", "alice.nakamura", "a_b+c=d,e.f@g-h", "x" * 226])
def test_valid_device_names(name):
    assert validate_device_name(name) == name


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("has space", "' '"),
        ("slash/name", "'/'"),
        ("é", "'é'"),
        ("x" * 227, "227"),
    ],
)
def test_invalid_device_names(name, words):
    with pytest.raises(UsageError) as info:
        validate_device_name(name)
    assert words in info.value.message


def test_otpauth_uri_is_the_aws_form_with_an_issuer():
    uri = otpauth_uri(SEED, "alice.nakamura", "acme-demo")
    assert uri == f"otpauth://totp/alice.nakamura@acme-demo?secret={SEED}&issuer=AWS"
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == SEED and parsed.issuer == "AWS"
    assert parsed.now() == totp.now()


def test_qr_fits_80x24_beside_instructions():
    uri = otpauth_uri(SEED, "a-rather-long-device-name.for-someone", "123456789012")
    lines = half_block_lines(qr_matrix(uri))
    assert len(lines) <= 22  # 24 rows minus the identity bar and the footer
    assert len(lines[0]) <= 45  # leaves 35 columns for the instructions and code inputs


def test_half_blocks_rebuild_the_module_matrix():
    from tests.support.qrdecode import modules_from_half_blocks

    matrix = qr_matrix(otpauth_uri(SEED, "bob", "123456789012"))
    rebuilt = modules_from_half_blocks(half_block_lines(matrix))
    expected = [[int(m) for m in row] for row in matrix]
    assert rebuilt[: len(expected)] == expected
    assert (
        all(v == 0 for v in rebuilt[len(expected) :][0]) if len(rebuilt) > len(expected) else True
    )
