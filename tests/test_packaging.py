"""The wheel `pip install .` builds carries assets/ inside the package and both commands."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.real_time  # builds the wheel in a real pip
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
    # The compiled Japanese catalogue (issue 28): gettext reads it from the package.
    assert "wizard/assets/locale/ja/LC_MESSAGES/mfa-wizard.mo" in names
    assert "screens/app.py" in names and "wizard/cli/main.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "mfa-wizard = wizard.cli.main:main" in text and "mfa-session" not in text
    # mfa-session is a script of its own whose first line the installer points at its Python.
    script = next(n for n in names if n.endswith(".data/scripts/mfa-session"))
    body = zipfile.ZipFile(wheel).read(script).decode()
    assert body.startswith("#!python\n") and "from wizard.cli.fast import main" in body
    assert not any(n.startswith("tests/") for n in names)


def test_a_plain_install_carries_no_mock_aws():
    """moto (and its web server) is the demo's, in the `demo` extra: never a runtime dependency
    of a tool that holds long-term keys."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.split(r"[\[<>=!~ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    assert not runtime & {"moto", "flask", "werkzeug", "docker"}
    demo = {
        re.split(r"[<>=!~ ;]", d, maxsplit=1)[0].lower()
        for d in project["optional-dependencies"]["demo"]
    }
    # The demo's services only: moto[server] would bring every service's dependencies along.
    assert {"moto[s3]", "flask", "flask-cors"} == demo


def test_under_pipx_the_demo_says_how_to_add_the_extra_with_pipx(monkeypatch, tmp_path):
    from wizard.demo_server import require_moto
    from wizard.errors import UsageError

    monkeypatch.setitem(sys.modules, "moto", None)  # as a plain install: no moto
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    with pytest.raises(UsageError, match=r"pip install 'mfa-wizard\[demo\]'"):
        require_moto()
    (tmp_path / "pipx_metadata.json").write_text("{}")  # what pipx leaves in the app's venv
    with pytest.raises(UsageError, match=r"pipx install --force 'mfa-wizard\[demo\]'"):
        require_moto()


@pytest.mark.real_time
def test_demo_without_moto_says_in_one_line_how_to_get_it():
    probe = (
        "import sys; sys.modules['moto'] = None\n"
        "from wizard.cli.main import run\n"
        "sys.exit(run(['--demo']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "mfa-wizard[demo]" in lines[0] and "moto" in lines[0]
    assert "\x1b[?1049h" not in out.stdout  # the TUI never took the screen
