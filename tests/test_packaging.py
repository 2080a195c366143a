"""The wheel `pip install .` builds carries assets/ inside the package and both console scripts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_assets_inside_the_package(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("mfa_wizard-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in ROOT.joinpath("assets").rglob("*"):
        if asset.is_file():
            assert f"wizard/assets/{asset.relative_to(ROOT / 'assets')}" in names
    assert "screens/app.py" in names and "wizard/cli/main.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert (
        "mfa-wizard = wizard.cli.main:main" in text and "mfa-session = wizard.cli.fast:main" in text
    )
    assert not any(n.startswith("tests/") for n in names)
