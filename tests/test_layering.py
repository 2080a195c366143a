"""Layering: the import-linter contracts in pyproject.toml hold and cover the whole domain.

`lint-imports` itself runs in .ci/run; these tests make sure a new domain module cannot slip out
of the contract, and that importing the domain really loads no UI.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def domain_modules() -> set[str]:
    """Every top-level module and package of wizard/ except the command line."""
    found = {
        f"wizard.{p.stem}" for p in (ROOT / "wizard").glob("*.py") if not p.stem.startswith("__")
    }
    found |= {
        f"wizard.{p.parent.name}"
        for p in (ROOT / "wizard").glob("*/__init__.py")
        if p.parent.name not in {"cli", "assets"}
    }
    return found


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_domain_contract_lists_every_domain_module():
    domain = next(c for c in contracts() if c["name"].startswith("the domain"))
    assert set(domain["source_modules"]) == domain_modules()
    assert {"screens", "wizard.cli", "textual", "rich"} <= set(domain["forbidden_modules"])


@pytest.mark.real_time
def test_lint_imports_passes():
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(linter)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:]
    assert "0 broken" in out.stdout


@pytest.mark.real_time
def test_importing_every_domain_module_loads_no_textual():
    code = (
        "import importlib, sys\n"
        f"for m in {sorted(domain_modules())!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens', 'rich')"
        " or m.startswith('wizard.cli'))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


def test_no_aws_partition_literal_outside_the_partition_helper():
    # In aws-cn or aws-us-gov an `arn:aws:` ARN or condition matches nothing, silently.
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root))
        for folder in ("wizard", "screens")
        for path in (root / folder).rglob("*.py")
        if path.name != "partition.py" and "arn:aws:" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_monitoring_modules_stay_small():
    # Issue 16: the monitoring package is split by resource; none grows back past 400 lines.
    sizes = {
        path.name: len(path.read_text().splitlines())
        for path in (ROOT / "wizard" / "monitoring").glob("*.py")
    }
    assert sizes and max(sizes.values()) <= 400, sizes


def import_cycles(package: str) -> list[list[str]]:
    """The import cycles inside `package` (every import counts, also one inside a function):
    strongly connected components of more than one module, found with Tarjan's algorithm."""
    import grimp  # import-linter's own graph builder

    graph = grimp.build_graph(package, include_external_packages=False)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_nothing_inside_wizard_imports_in_a_circle():
    # Issue 27: following one call must not bounce between modules that import each other.
    assert import_cycles("wizard") == []
    assert import_cycles("screens") == []


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    # The check above can fail: a two-module package that imports itself in a circle is found.
    package = tmp_path / "circular_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from circular_pkg import b\n")
    (package / "b.py").write_text("from circular_pkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("circular_pkg") == [["circular_pkg.a", "circular_pkg.b"]]


def test_no_product_module_is_over_500_lines():
    # Issue 27: split by what each part manages instead of growing one file.
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in ("wizard", "screens")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 500} == {}
