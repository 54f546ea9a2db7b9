"""The package's import graph, function-level imports included, has no cycle; library modules never import infra/;
what post-deploy test modules import loads without the heavy libraries only some commands need."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "stackcheck"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, known: set[str], this: str | None = None) -> set[str]:
    """Every stackcheck module ``path`` imports anywhere (module level, functions, TYPE_CHECKING blocks
    excluded, since those never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    this = this or module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            # the longest known module the name starts with (a name imported from a module is that module)
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != this:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in paths}
    edges = {module_name(p): imports(p, known) for p in paths}
    # importing a.b.c first imports a and a.b: a package's __init__ is a dependency of its modules
    for name in list(edges):
        parent = name.rpartition(".")[0]
        while parent:
            edges[name].add(parent)
            parent = parent.rpartition(".")[0]
    return edges


def test_no_import_cycle():
    edges = graph()
    # an __init__ importing its own submodules is how a package re-exports; that alone is no cycle
    pruned = {
        name: {dep for dep in deps if not (name.startswith(dep + ".") and dep in edges)} for name, deps in edges.items()
    }
    try:
        tuple(graphlib.TopologicalSorter(pruned).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_the_harness_never_imports_the_app():
    offenders = sorted(
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        if any(
            isinstance(node, (ast.Import, ast.ImportFrom))
            and any(
                (getattr(node, "module", None) or alias.name).split(".")[0] in {"infra", "policies"}
                for alias in node.names
            )
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    assert offenders == []


def test_the_graph_sees_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from stackcheck.files import read_json\n    return read_json\n")
    known = {"stackcheck", "stackcheck.files", "stackcheck.m"}
    assert imports(module, known, this="stackcheck.m") == {"stackcheck.files"}


def test_the_graph_resolves_relative_and_skips_type_checking_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nfrom . import files\n"
        "if TYPE_CHECKING:\n    from stackcheck.cli import main\n"
    )
    known = {"stackcheck", "stackcheck.files", "stackcheck.cli", "stackcheck.m"}
    assert imports(module, known, this="stackcheck.m") == {"stackcheck", "stackcheck.files"}


HEAVY = ("jsonschema", "tabulate", "yaml")
"""Loaded only by the function that needs them: the entry check (jsonschema), the console table (tabulate),
the PCI mapping (yaml). At module level they cost 0.1 s in every pytest process that collects a drift test."""


@pytest.mark.parametrize("module", ["stackcheck.drift.live", "stackcheck.compliance", "stackcheck.report"])
def test_importing_leaves_the_heavy_libraries_unloaded(module):
    code = f"import sys, {module}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
