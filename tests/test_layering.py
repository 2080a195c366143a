"""Layering: screens/ never imports boto3/botocore; wizard/ never imports textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_screens_do_not_import_boto():
    offenders = {
        str(p.relative_to(ROOT)): imported_modules(p) & {"boto3", "botocore"}
        for p in (ROOT / "screens").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_wizard_does_not_import_textual():
    offenders = {
        str(p.relative_to(ROOT)): imported_modules(p) & {"textual", "rich", "screens"}
        for p in (ROOT / "wizard").rglob("*.py")
    }
    # cli.py starts the TUI through a lazy import of screens.app: the only allowed crossing.
    offenders["wizard/cli.py"] = offenders.get("wizard/cli.py", set()) - {"screens"}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_domain_module_loads_no_textual():
    modules = [
        "wizard." + p.stem
        for p in (ROOT / "wizard").glob("*.py")
        if p.stem not in {"__init__", "__main__"}
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens'))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"
