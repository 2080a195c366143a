"""The otpauth URI and its QR: sized to the terminal, drawn with half blocks.

The label and issuer are only what the authenticator app displays; the secret is what matters,
so a long name gives way before a QR would outgrow an 80x24 terminal.
"""

from __future__ import annotations

from urllib.parse import quote

from wizard.errors import UsageError
from wizard.i18n import _

ISSUER = "AWS"


def otpauth_uri(seed: str, device_name: str, account_label: str) -> str:
    """The URI AWS's own QR encodes (device@account, the seed) plus an issuer for readable apps."""
    label = quote(f"{device_name}@{account_label}", safe="@")
    return f"otpauth://totp/{label}?secret={seed}&issuer={ISSUER}"


# AWS's Base32StringSeed is 64 characters; the QR's size depends on the length, not the content,
# so the size can be known before the device (and its seed) exists.
SEED_LENGTH = 64


def otpauth_candidates(seed: str, device_name: str, account_label: str) -> list[str]:
    """otpauth URIs for one seed, most informative first, each shorter than the one before.

    The label and issuer are only what the app displays; the secret is what matters. A long
    user name makes a QR too tall for an 80x24 terminal, so the label gives way in steps:
    the account alias goes, then the issuer, then the name is shortened (with a "~").
    """
    full = otpauth_uri(seed, device_name, account_label)
    name = quote(device_name, safe="@")
    shorter = [
        full,
        f"otpauth://totp/{name}?secret={seed}&issuer={ISSUER}",
        f"otpauth://totp/{name}?secret={seed}",
    ]
    for keep in (40, 24, 12):
        if len(device_name) > keep:
            shorter.append(f"otpauth://totp/{quote(device_name[:keep], safe='@')}~?secret={seed}")
    return shorter


def qr_rows(matrix: list[list[bool]]) -> int:
    """Terminal rows the matrix takes when drawn with half blocks (two modules a row)."""
    return (len(matrix) + 1) // 2


# The security-key hand-off's steps and countdown take about this many rows above its QR.
ADDRESS_TEXT_ROWS = 12


def address_qr_fits(matrix: list[list[bool]], columns: int, rows: int) -> bool:
    """Whether a console address's QR fits below the hand-off's text in columns x rows."""
    return qr_rows(matrix) + ADDRESS_TEXT_ROWS <= rows and len(matrix[0]) <= columns


def fit_qr(
    seed: str,
    device_name: str,
    account_label: str,
    max_rows: int | None,
    max_columns: int | None = None,
) -> tuple[str, list[list[bool]]]:
    """The most informative (uri, matrix) whose QR fits in `max_rows` rows (None: no limit).

    Raises QrTooBigError, naming the rows needed, when even the shortest label does not fit:
    a QR cut by the terminal's edge cannot be scanned, so it is never drawn.
    """
    candidates = otpauth_candidates(seed, device_name, account_label)
    smallest = None
    for uri in candidates:
        matrix = qr_matrix(uri)
        fits_rows = max_rows is None or qr_rows(matrix) <= max_rows
        if fits_rows and (max_columns is None or len(matrix[0]) <= max_columns):
            return uri, matrix
        smallest = matrix if smallest is None or len(matrix) < len(smallest) else smallest
    assert smallest is not None
    raise QrTooBigError(qr_rows(smallest), len(smallest[0]), max_rows or 0)


def qr_size_needed(device_name: str, account_label: str) -> tuple[int, int]:
    """(rows, columns) of the smallest QR possible for this name, known before creating it."""
    placeholder = "A" * SEED_LENGTH
    matrix = qr_matrix(otpauth_candidates(placeholder, device_name, account_label)[-1])
    return qr_rows(matrix), len(matrix[0])


class QrTooBigError(UsageError):
    """The terminal is too small for a scannable QR."""

    def __init__(self, rows: int, columns: int, available: int) -> None:
        super().__init__(
            _(
                "the terminal is too small for the QR code ({columns}x{rows} characters needed, "
                "{available} rows free)"
            ).format(columns=columns, rows=rows, available=available),
            _(
                "make the window taller (or the font smaller), or run with --show-key to type the "
                "key in"
            ),
        )
        self.rows, self.columns = rows, columns


def qr_matrix(uri: str) -> list[list[bool]]:
    """The QR modules for `uri`: error correction L and a one-module quiet zone (True = dark).

    Level L and mixed-mode segments (the Base32 seed encodes as alphanumeric) keep a 64-character
    seed at version 5-6, i.e. 39-43 modules: 20-22 terminal rows drawn with half blocks.
    """
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=1)
    code.add_data(uri, optimize=20)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def half_block_lines(matrix: list[list[bool]]) -> list[str]:
    """Two module rows per text row: '█' both dark, '▀' top dark, '▄' bottom dark, ' ' neither.

    Drawn black-on-white by the caller so the code reads on dark and light terminal themes alike.
    """
    lines = []
    for top in range(0, len(matrix), 2):
        upper = matrix[top]
        lower = matrix[top + 1] if top + 1 < len(matrix) else [False] * len(upper)
        chars = []
        for a, b in zip(upper, lower, strict=True):
            chars.append("█" if a and b else "▀" if a else "▄" if b else " ")
        lines.append("".join(chars))
    return lines
