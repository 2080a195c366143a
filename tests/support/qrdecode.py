"""Decode a QR drawn with half blocks, exactly as the screen draws it, using zbarimg."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

HALF_BLOCKS = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}


def modules_from_half_blocks(lines: list[str]) -> list[list[int]]:
    """Back from text rows to module rows (1 = dark)."""
    rows: list[list[int]] = []
    for line in lines:
        pairs = [HALF_BLOCKS[c] for c in line]
        rows.append([p[0] for p in pairs])
        rows.append([p[1] for p in pairs])
    return rows


def write_png(modules: list[list[int]], path: Path, scale: int = 8, margin: int = 4) -> None:
    """A greyscale PNG: dark modules black, light white, with a white margin around."""
    width = len(modules[0]) + 2 * margin
    height = len(modules) + 2 * margin
    padded = [[0] * width for _ in range(margin)]
    padded += [[0] * margin + row + [0] * margin for row in modules]
    padded += [[0] * width for _ in range(margin)]
    raw = b""
    for row in padded:
        line = bytes(0 if dark else 255 for dark in row for _ in range(scale))
        raw += (b"\x00" + line) * scale

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width * scale, height * scale, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def zbar_available() -> bool:
    return shutil.which("zbarimg") is not None


def decode_half_blocks(lines: list[str], margin: int = 4) -> str:
    """The text zbarimg reads from the rendered QR (raises if it reads nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "qr.png"
        write_png(modules_from_half_blocks(lines), png, margin=margin)
        out = subprocess.run(
            ["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, timeout=30
        )
    if out.returncode != 0:
        raise AssertionError(f"zbarimg could not read the QR (exit {out.returncode})")
    return out.stdout.strip()
